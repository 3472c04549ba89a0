"""PrivacyGate: the event bus every sink reads, applying the privacy mode where data leaves
the core.

The core computes everything per person in every mode (so the mode can change in the middle
of a session without losing a second) and publishes it here; what reaches a subscriber (the
recorder and store, the websocket feed, the virtual camera, the tray, the terminal) has
passed `redact`. Aggregate-only mode is therefore enforced in this one place, and a sink
cannot forget it: there is no unredacted bus to subscribe to.

Aggregate-only mode, by event kind:
  FaceSignals          dropped (face boxes and per-face figures)
  ParticipantsChanged  an empty list
  EngagementUpdated    no participants; while fewer than `min_faces` faces are visible every
                       room figure is withheld too (an average of one or two people is theirs)
  AlertRaised          alerts about one participant dropped; room alerts dropped while the
                       room figures are withheld
  FramesMissing        no participant ids
Attention-only sessions additionally lose every emotion field on the way out, whatever the
analysis produced (it never builds the model; this is the second lock).

The same rules apply to what leaves by other roads: the room the feed's requests read
(`room`), the participants a request asks for (`participants`) and the tiles and faces the
virtual camera draws on (`observed`).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from meetwatch.aggregation.models import Alert, ParticipantEngagement, RoomEngagement
from meetwatch.analysis.signals import FaceSignals
from meetwatch.errors import MeetwatchError
from meetwatch.layout.tiles import Tile, Tiles
from meetwatch.runtime.events import Event, EventBus
from meetwatch.shared import EventKind, PrivacyMode, SessionInfo

DEFAULT_MIN_FACES = 5

_NO_EMOTION = {"top_emotion": None, "emotion": None, "valence": None, "arousal": None}


class Withheld(MeetwatchError):
    """A request for data the privacy mode keeps on the machine (the feed answers 403)."""


class PrivacyGate(EventBus):
    """Publish raw events here; subscribers receive them redacted for the current mode."""

    def __init__(
        self,
        mode: PrivacyMode = "individual",
        min_faces: int = DEFAULT_MIN_FACES,
        attention_only: bool = False,
    ) -> None:
        super().__init__()
        self._mode: PrivacyMode = mode
        self._min_faces = min_faces
        self._attention_setting = attention_only
        self._attention_only = attention_only  # the setting, or the running session's own
        self._few_faces = True  # nothing seen yet: nothing to average
        # held from redaction to delivery, and by a switch: no event judged under the old
        # mode reaches a sink after the switch (re-entrant: a subscriber may publish)
        self._order = threading.RLock()
        self._rules: dict[EventKind, Callable[[Event], Event | None]] = {
            "SessionStarted": self._session,
            "SessionEnded": self._session,
            "ParticipantsChanged": self._participants_changed,
            "EngagementUpdated": self._engagement,
            "FaceSignals": self._face_signals,
            "AlertRaised": self._alert,
            "StageStatusChanged": _unchanged,
            "SectionMarked": _unchanged,
            "FramesMissing": self._frames_missing,
        }

    # -- mode --------------------------------------------------------------------------------

    @property
    def mode(self) -> PrivacyMode:
        return self._mode

    @property
    def aggregate_only(self) -> bool:
        return self._mode == "aggregate_only"

    def set_privacy(self, mode: PrivacyMode, min_faces: int, attention_only: bool) -> None:
        """Switch at once, in the middle of a session (it keeps its id). Entering
        aggregate-only mode publishes an empty participant list, so every view drops the
        people it shows now instead of at its next update. Attention-only mode switched on
        strips emotion from here on (the running session's model is only dropped with it)."""
        with self._order:
            entering = mode == "aggregate_only" and not self.aggregate_only
            self._mode, self._min_faces = mode, min_faces
            self._attention_setting = self._attention_only = attention_only
            if entering:
                super().publish(Event("ParticipantsChanged", [], time.time()))

    # -- the bus -----------------------------------------------------------------------------

    def publish(self, event: Event) -> None:
        with self._order:
            redacted = self.redact(event)
            if redacted is not None:
                super().publish(redacted)

    def redact(self, event: Event) -> Event | None:
        """The event as it may leave the core now, or None when it may not leave at all.
        An event kind without a rule never leaves in aggregate-only mode."""
        rule = self._rules.get(event.kind)
        if rule is None:
            return None if self.aggregate_only else event
        return rule(event)

    # -- other roads out ---------------------------------------------------------------------

    def room(self, room: RoomEngagement) -> RoomEngagement:
        """A room snapshot as it may leave the core (events and the feed's summary)."""
        self._few_faces = room.participants_with_face < self._min_faces
        update: dict[str, Any] = {}
        if self._attention_only:
            update |= {"attention_only": True, "emotion_mix": {}}
        if self.aggregate_only:
            update |= {"participants": [], "min_faces": self._min_faces}
            if self._few_faces:
                update |= {
                    "engagement": None,
                    "attention_share": None,
                    "emotion_mix": {},
                    "attention_counts": {},
                }
        else:
            update["min_faces"] = 0
            if self._attention_only:
                update["participants"] = [_without_emotion(p) for p in room.participants]
        return room.model_copy(update=update)

    def participants(self, people: list[ParticipantEngagement]) -> list[ParticipantEngagement]:
        """The participants a request asks for; refused in aggregate-only mode."""
        if self.aggregate_only:
            raise Withheld("aggregate-only mode: no per-participant data")
        if self._attention_only:
            return [_without_emotion(p) for p in people]
        return people

    def observed(
        self, tiles: Tiles | None, signals: FaceSignals | None
    ) -> tuple[Tiles | None, FaceSignals | None]:
        """The tiles and faces of a frame as a picture may show them: in aggregate-only mode
        plain tile outlines (no camera-off marking) and no faces."""
        if self.aggregate_only:
            if tiles is not None:
                plain = tuple(Tile(t.slot, t.rect) for t in tiles.tiles)
                tiles = dataclasses.replace(tiles, tiles=plain, covered=())
            return tiles, None
        if signals is not None and self._attention_only:
            signals = _signals_without_emotion(signals)
        return tiles, signals

    # -- rules by event kind -----------------------------------------------------------------

    def _session(self, event: Event) -> Event:
        info: SessionInfo = event.payload
        if event.kind == "SessionStarted":
            self._attention_only = self._attention_setting or info.attention_only
            self._few_faces = True
        update = {"privacy_mode": self._mode, "attention_only": self._attention_only}
        return _with(event, info.model_copy(update=update))

    def _participants_changed(self, event: Event) -> Event:
        people: list[ParticipantEngagement] = event.payload
        if self.aggregate_only:
            return _with(event, [])
        if self._attention_only:
            return _with(event, [_without_emotion(p) for p in people])
        return event

    def _engagement(self, event: Event) -> Event:
        return _with(event, self.room(event.payload))

    def _face_signals(self, event: Event) -> Event | None:
        if self.aggregate_only:
            return None
        if self._attention_only:
            return _with(event, _signals_without_emotion(event.payload))
        return event

    def _alert(self, event: Event) -> Event | None:
        alert: Alert = event.payload
        if self.aggregate_only and (alert.participant_id is not None or self._few_faces):
            return None
        return event

    def _frames_missing(self, event: Event) -> Event:
        if self.aggregate_only and event.payload.get("participants"):
            return _with(event, {**event.payload, "participants": []})
        return event


def _unchanged(event: Event) -> Event:
    return event


def _with(event: Event, payload: object) -> Event:
    return Event(event.kind, payload, event.timestamp)


def _without_emotion(p: ParticipantEngagement) -> ParticipantEngagement:
    return p.model_copy(update=_NO_EMOTION)


def _signals_without_emotion(signals: FaceSignals) -> FaceSignals:
    n = len(signals)
    return dataclasses.replace(
        signals,
        emotion=np.full_like(signals.emotion, np.nan),
        valence=np.full(n, np.nan, signals.valence.dtype),
        arousal=np.full(n, np.nan, signals.arousal.dtype),
    )
