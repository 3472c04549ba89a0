"""A short meeting as the core publishes it, with everything per person an event can carry,
and the checks that find a person in what a sink shows.

Six people in a 3x2 gallery, all with a face, so the room figures pass the aggregate-only
minimum of five faces: what must remain (room figures) and what must go (ids, labels, face
boxes, per-person figures) are both in every event. `session_events` holds every event kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from meetwatch.aggregation.models import Alert, ParticipantEngagement, RoomEngagement
from meetwatch.analysis.signals import FaceSignals
from meetwatch.capture.frame import Frame
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tile, Tiles
from meetwatch.runtime.events import Event
from meetwatch.shared import EMOTIONS, AttentionState, PrivacyMode, SessionInfo, StageStatus

T0 = 1_767_000_000.0  # a whole second: samples are binned on whole seconds
SECONDS = 12
SIZE = (1280, 720)
TILE_W, TILE_H = 426, 360
PEOPLE = 6
ATTENTION: tuple[AttentionState, ...] = (
    "on_screen",
    "away",
    "eyes_closed",
    "on_screen",
    "on_screen",
    "away",
)
# Each person's own engagement: no two alike and none the room's (their mean)
ENGAGEMENT = (0.13, 0.27, 0.41, 0.58, 0.86, 0.94)
TOP = ("happy", "sad", "surprise", "happy", "angry", "neutral")
LABELS = tuple(f"Participant {i + 1}" for i in range(PEOPLE))
AWAY_MESSAGE = "Participant 2 away for 1 min 0 s"


def tile_rect(slot: int) -> Rect:
    return Rect((slot % 3) * TILE_W, (slot // 3) * TILE_H, TILE_W, TILE_H)


def face_box(slot: int) -> tuple[float, float, float, float]:
    r = tile_rect(slot)
    return (r.x + 151.5, r.y + 90.25, 123.0, 151.0)


def frame(t: float) -> Frame:
    """Mid-grey tiles on black gutters, so what an annotation adds stands out."""
    image = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    for slot in range(PEOPLE):
        r = tile_rect(slot)
        image[r.y + 4 : r.y + r.h - 4, r.x + 4 : r.x + r.w - 4] = 90
    return Frame(image, t, int(t - T0), "synthetic")


def tiles(t: float) -> Tiles:
    return Tiles(
        int(t - T0), t, SIZE, tuple(Tile(s, tile_rect(s)) for s in range(PEOPLE)), "grid", (2, 3)
    )


def _emotion(top: str) -> np.ndarray:
    probs = np.full(len(EMOTIONS), 0.04, np.float32)
    probs[EMOTIONS.index(top)] = 0.76
    return probs


def signals(t: float) -> FaceSignals:
    n = PEOPLE
    return FaceSignals(
        frame_index=int(t - T0),
        timestamp=t,
        emotion=np.stack([_emotion(top) for top in TOP]),
        valence=np.linspace(-0.5, 0.5, n).astype(np.float32),
        arousal=np.linspace(0.1, 0.6, n).astype(np.float32),
        head_pose=np.tile(np.array([4.0, -3.0, 1.0], np.float32), (n, 1)),
        gaze=np.zeros((n, 2), np.float32),
        eye_openness=np.full(n, 0.31, np.float32),
        looks=np.tile(np.eye(3, dtype=np.float32)[0], (n, 1)),  # all at the camera
        slots=np.arange(n, dtype=np.int32),
        boxes=np.array([face_box(s) for s in range(n)], np.float32),
    )


def people() -> list[ParticipantEngagement]:
    return [
        ParticipantEngagement(
            participant_id=i + 1,
            label=LABELS[i],
            slot=i,
            attention=ATTENTION[i],
            engagement=ENGAGEMENT[i],
            top_emotion=TOP[i],
            emotion={name: float(v) for name, v in zip(EMOTIONS, _emotion(TOP[i]), strict=True)},
            valence=0.1 * i,
            arousal=0.05 * i,
            yaw=3.0 + i,
            pitch=-2.0,
            gaze_x=0.0,
            gaze_y=0.0,
            eye_openness=0.31,
        )
        for i in range(PEOPLE)
    ]


def room(session_id: str, t: float) -> RoomEngagement:
    mix = dict.fromkeys(EMOTIONS, 0.04) | {"happy": 0.4, "neutral": 0.2}
    counts = {s: ATTENTION.count(s) for s in ("on_screen", "away", "eyes_closed")}
    return RoomEngagement(
        session_id=session_id,
        timestamp=t,
        engagement=float(np.mean(ENGAGEMENT)),
        attention_share=ATTENTION.count("on_screen") / PEOPLE,
        emotion_mix=mix,
        participants_total=PEOPLE,
        participants_with_face=PEOPLE,
        participants=people(),
        attention_counts=counts | {"no_face": 0, "camera_off": 0},
    )


@dataclass(frozen=True)
class Step:
    """One event as the core publishes it; with the analysed frame the vcam is given for a
    FaceSignals event (the session runner hands it over beside the bus)."""

    event: Event
    picture: tuple[Frame, Tiles, FaceSignals] | None = None


def session_events(session_id: str, mode: PrivacyMode) -> Iterator[Step]:
    """A session of SECONDS seconds with one event of every kind and more, in time order."""
    info = SessionInfo(
        session_id=session_id,
        started_at=T0,
        source="screen",
        analysis_rate=1.0,
        privacy_mode=mode,
    )
    yield Step(Event("SessionStarted", info, T0))
    yield Step(Event("StageStatusChanged", StageStatus(stage="capture", state="running"), T0))
    yield Step(Event("ParticipantsChanged", people(), T0 + 0.5))
    for s in range(1, SECONDS + 1):
        t = T0 + s
        yield Step(Event("FaceSignals", signals(t), t), (frame(t), tiles(t), signals(t)))
        yield Step(Event("EngagementUpdated", room(session_id, t), t))
        if s == 4:
            yield Step(Event("SectionMarked", {"title": "Questions"}, t))
            away = Alert(
                session_id=session_id,
                kind="participant_away",
                message=AWAY_MESSAGE,
                timestamp=t,
                since=t - 60,
                participant_id=2,
            )
            yield Step(Event("AlertRaised", away, t))
            low = Alert(
                session_id=session_id,
                kind="low_attention",
                message="attention under 50% for 30 s",
                timestamp=t,
                since=t - 30,
                value=0.5,
            )
            yield Step(Event("AlertRaised", low, t))
        if s == 7:
            gap = {"start": t - 2, "end": t, "participants": [1, 3]}
            yield Step(Event("FramesMissing", gap, t))
    end = T0 + SECONDS + 1
    yield Step(Event("SessionEnded", info.model_copy(update={"ended_at": end}), end))


# -- finding a person -------------------------------------------------------------------------

_PERSONAL_KEYS = {"participant_id", "label", "box", "slot", "top_emotion"}


def json_people(value: Any, path: str = "") -> list[str]:
    """Where a JSON document holds something about one person: a participant id, label,
    face box or slot, a non-empty list of participants or faces, or one person's figure."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}"
            personal = key in _PERSONAL_KEYS and item is not None
            if personal or (key in ("participants", "faces") and isinstance(item, list) and item):
                found.append(here)
            found += json_people(item, here)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += json_people(item, f"{path}[{i}]")
    elif isinstance(value, float) and value in ENGAGEMENT:
        found.append(f"{path}={value}")
    elif isinstance(value, str):
        found += [f"{path}: {m}" for m in text_people(value)]
    return found


def text_people(text: str) -> list[str]:
    """Participant labels (and "P1"-style chips) in a text a person reads."""
    return re.findall(r"Participant \d+|\bP[1-6]\b", text)


def per_person_percents(text: str) -> list[str]:
    """One person's engagement written as a percentage (13 %, 27 % ...): the room's is 53 %."""
    wanted = "|".join(str(round(e * 100)) for e in ENGAGEMENT)
    return re.findall(rf"(?<![\d.])(?:{wanted}) ?%", text)
