"""A synthetic 2x2 gallery with known tiles, faces and engagement, shared by output tests."""

from __future__ import annotations

import numpy as np

from meetwatch.aggregation.models import ParticipantEngagement, RoomEngagement
from meetwatch.analysis.signals import FaceSignals
from meetwatch.capture.frame import Frame
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tile, Tiles
from meetwatch.shared import EMOTIONS, AttentionState

SIZE = (1280, 720)
TILE_W, TILE_H = 640, 360
ATTENTION: tuple[AttentionState, ...] = ("on_screen", "away", "eyes_closed", "camera_off")
TOP_EMOTION = ("happy", "sad", "surprise", None)


def tile_rect(slot: int) -> Rect:
    return Rect((slot % 2) * TILE_W, (slot // 2) * TILE_H, TILE_W, TILE_H)


def face_box(slot: int) -> tuple[float, float, float, float]:
    r = tile_rect(slot)
    return (r.x + 250.0, r.y + 100.0, 140.0, 160.0)


def frame(index: int = 0) -> Frame:
    """Mid-grey tiles on black gutters: colours the annotation adds stand out."""
    image = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    for slot in range(4):
        r = tile_rect(slot)
        image[r.y + 4 : r.y + r.h - 4, r.x + 4 : r.x + r.w - 4] = 90
    return Frame(image, 100.0 + index, index, "synthetic")


def tiles(index: int = 0) -> Tiles:
    return Tiles(
        index,
        100.0 + index,
        SIZE,
        tuple(
            Tile(s, tile_rect(s), "camera_off" if ATTENTION[s] == "camera_off" else "video")
            for s in range(4)
        ),
        "grid",
        (2, 2),
    )


def signals(index: int = 0) -> FaceSignals:
    """Faces in the three camera-on tiles, each with a clear top emotion."""
    slots = [s for s in range(4) if TOP_EMOTION[s] is not None]
    emotion = np.full((len(slots), len(EMOTIONS)), 0.02, np.float32)
    for row, s in enumerate(slots):
        emotion[row, EMOTIONS.index(TOP_EMOTION[s])] = 0.88
    n = len(slots)
    return FaceSignals(
        frame_index=index,
        timestamp=100.0 + index,
        emotion=emotion,
        valence=np.zeros(n, np.float32),
        arousal=np.zeros(n, np.float32),
        head_pose=np.zeros((n, 3), np.float32),
        gaze=np.zeros((n, 2), np.float32),
        eye_openness=np.full(n, 0.3, np.float32),
        looks=np.tile(np.eye(3, dtype=np.float32)[0], (n, 1)),  # all at the camera
        slots=np.array(slots, np.int32),
        boxes=np.array([face_box(s) for s in slots], np.float32),
    )


def room(engagement: float = 0.62) -> RoomEngagement:
    people = [
        ParticipantEngagement(
            participant_id=s + 1,
            label=f"Participant {s + 1}",
            slot=s,
            attention=ATTENTION[s],
            engagement=None if TOP_EMOTION[s] is None else engagement,
            top_emotion=TOP_EMOTION[s],
        )
        for s in range(4)
    ]
    return RoomEngagement(
        session_id="s-test",
        timestamp=100.0,
        engagement=engagement,
        attention_share=1 / 3,
        emotion_mix={"happy": 0.5, "sad": 0.2, "surprise": 0.1, "neutral": 0.2},
        participants_total=4,
        participants_with_face=3,
        participants=people,
    )
