"""The stages every session runs (meetwatch.session_runner): live on threads, batch in a loop.

`Perception` is the analysis worker's work (layout -> faces -> signals) and owns the
mediapipe graphs; `RoomState` is the state thread's work (tracking -> aggregation -> events)
and owns all per-participant state, so neither needs locks.
"""

from __future__ import annotations

from dataclasses import dataclass

from meetwatch.aggregation.aggregator import Aggregator
from meetwatch.aggregation.models import ParticipantEngagement, RoomEngagement
from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.analysis.analyzer import Analyzer
from meetwatch.analysis.emotion import EmotionModel
from meetwatch.analysis.looks import LookModel
from meetwatch.analysis.signals import FaceSignals
from meetwatch.capture.frame import Frame
from meetwatch.config.models import Config
from meetwatch.faces.faces import Faces
from meetwatch.faces.finder import FaceFinder
from meetwatch.faces.whole_window import WholeWindow
from meetwatch.layout import split_tiles
from meetwatch.layout.identity import hold_covered, outside_covered
from meetwatch.layout.tiles import Tiles
from meetwatch.runtime.events import Event
from meetwatch.shared import EventKind, SessionInfo, StageStatus
from meetwatch.tracking.participants import Participants
from meetwatch.tracking.tracker import Tracker


@dataclass(frozen=True)
class Observation:
    """Everything seen in one frame; `tiles` is None for a missing frame."""

    frame: Frame
    tiles: Tiles | None
    faces: Faces
    signals: FaceSignals | None


class Perception:
    def __init__(self, config: Config) -> None:
        # Attention-only mode never builds the emotion model: no session for it exists, so no
        # face can be read for emotion by accident. The attention model runs in every mode.
        threads = config.analysis.threads
        emotion = None if config.privacy.attention_only else EmotionModel(threads=threads)
        self._finder = FaceFinder()
        self._whole_window = WholeWindow(self._finder.window_search())
        self._analyzer = Analyzer(
            LookModel(threads=threads), emotion, config.analysis.emotion_min_face_px
        )
        self._previous: Tiles | None = None

    def __call__(self, frame: Frame) -> Observation:
        if frame.missing:
            return Observation(frame, None, Faces.empty(frame.index, frame.timestamp), None)
        tiles = hold_covered(split_tiles(frame, self._previous), self._previous, frame.image)
        self._previous = tiles
        # tiles around faces no grid explains, but none for a face beside a window over a tile
        tiles = outside_covered(self._whole_window(frame, tiles))
        faces = self._finder.find(frame, tiles)
        tiles = self._whole_window.keep_found(tiles, faces)
        return Observation(frame, tiles, faces, self._analyzer.analyse(frame, faces))

    def stop_emotion(self) -> None:
        """Attention-only switched on in the middle of a session: from the next frame on no
        face is read for emotion (the model is let go, not merely its results hidden)."""
        self._analyzer = self._analyzer.without_emotion()

    def reset(self) -> None:
        """Start afresh on another recording while keeping the loaded models (a batch of
        files loads them once): no tiles, followed faces or layout carry over."""
        self._previous = None
        self._finder.reset()
        self._whole_window.reset()

    def close(self) -> None:
        self._finder.close()
        self._whole_window.close()


class RoomState:
    """Turns observations into participants, engagement and events on the bus.

    It computes everything per person in every privacy mode and publishes into the
    PrivacyGate, which applies the mode on the way out (so the mode can change mid-session);
    `latest`, which the feed's requests read, has passed the gate too.
    """

    def __init__(self, session: SessionInfo, config: Config, bus: PrivacyGate) -> None:
        self._bus = bus
        self._tracker = Tracker(config.tracking)
        self._aggregator = Aggregator(
            session.session_id,
            config.aggregation,
            min_confidence=config.analysis.emotion_min_confidence,
        )
        self._attention_only = session.attention_only
        self._known: tuple[tuple[int, int], ...] = ()
        self._missing_since: float | None = None
        self._covered_since: dict[int, float] = {}  # participant id -> start of the cover
        self.latest: RoomEngagement | None = None
        self.frames = 0

    def __call__(self, obs: Observation) -> None:
        t = obs.frame.timestamp
        if obs.tiles is None or obs.signals is None:
            if self._missing_since is None:
                self._missing_since = t
                self._publish("StageStatusChanged", _missing_status(True), t)
            return
        if self._missing_since is not None:
            self._publish("StageStatusChanged", _missing_status(False), t)
            self._publish("FramesMissing", {"start": self._missing_since, "end": t}, t)
            self._missing_since = None
        self.frames += 1
        self._publish("FaceSignals", obs.signals, t)
        participants = self._tracker.update(obs.signals, obs.tiles)
        self._note_covers(participants, t)
        room = self._marked(self._aggregator.update(participants))
        self.latest = self._bus.room(room)
        known = tuple((p.participant_id, p.slot) for p in participants)
        if known != self._known:
            self._known = known
            self._publish("ParticipantsChanged", list(room.participants), t)
        for alert in self._aggregator.take_alerts():
            self._publish("AlertRaised", alert, alert.timestamp)
        for second in self._aggregator.take_seconds():
            self._publish("EngagementUpdated", self._marked(second), second.timestamp)

    def _marked(self, room: RoomEngagement) -> RoomEngagement:
        """The room marked with the session's emotion mode, which every view explains."""
        return room.model_copy(update={"attention_only": self._attention_only})

    def _note_covers(self, participants: Participants, t: float) -> None:
        """A FramesMissing event naming the participants when a window stops covering them:
        their samples have a gap there, and the session says why."""
        covered = {p.participant_id for p in participants if p.covered}
        for pid in covered - self._covered_since.keys():
            self._covered_since[pid] = t
        ended: dict[float, list[int]] = {}
        for pid in [pid for pid in self._covered_since if pid not in covered]:
            ended.setdefault(self._covered_since.pop(pid), []).append(pid)
        for start, pids in ended.items():
            self._publish(
                "FramesMissing", {"start": start, "end": t, "participants": sorted(pids)}, t
            )

    def mark_attention_only(self) -> None:
        """Attention-only switched on in the middle of the session: the rooms say so from now
        on, so every view explains why emotion is gone."""
        self._attention_only = True

    def participants(self) -> list[ParticipantEngagement]:
        """The participants a request may have (the gate refuses in aggregate-only mode)."""
        return self._bus.participants([] if self.latest is None else list(self.latest.participants))

    def _publish(self, kind: EventKind, payload: object, t: float) -> None:
        self._bus.publish(Event(kind, payload, t))


def _missing_status(missing: bool) -> StageStatus:
    if missing:
        return StageStatus(
            stage="capture",
            state="degraded",
            message="meeting window not visible (minimised or off-screen): frames marked missing",
        )
    return StageStatus(stage="capture", state="running", message="")
