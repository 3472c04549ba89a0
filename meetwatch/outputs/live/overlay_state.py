"""What a presenter overlay shows, derived from the websocket feed (pure Python, no GUI).

The Qt overlay, the virtual-camera dashboard and the web overlay all draw from this one
view state, so "what is on screen" is decided (and tested) once: which numbers are live,
when they must be hidden because the feed is down or stale, which alerts are still current
and what the last ten minutes of room engagement look like.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from meetwatch.aggregation.models import Alert, ParticipantEngagement, RoomEngagement
from meetwatch.geometry import Rect
from meetwatch.outputs.feed.protocol import Op, ParticipantsData, SectionData, parse_server_message
from meetwatch.shared import EMOTIONS, AttentionState, SessionInfo, StageStatus

HISTORY_SECONDS = 600.0  # the sparkline spans the last ten minutes
ALERT_SECONDS = 60.0  # an alert stays on screen this long after it was raised
STALE_SECONDS = 5.0  # no update for this long while a session runs: numbers are greyed
MAX_ALERTS = 3


@dataclass(frozen=True)
class TileView:
    slot: int
    participant_id: int
    attention: AttentionState
    engagement: float | None

    @property
    def short_label(self) -> str:
        return f"P{self.participant_id}"


@dataclass
class OverlayState:
    """Mutable view state; `apply` folds one websocket message into it.

    Times: `now` arguments are the local clock of the viewer (when a message arrived);
    history and alert windows use the data's own timestamps so a replayed feed looks the same.
    """

    connected: bool = False
    status: str = "connecting"
    session_id: str | None = None
    recording: bool = False
    engagement: float | None = None
    attention_share: float | None = None
    participants_total: int = 0
    participants_with_face: int = 0
    emotion_mix: dict[str, float] = field(default_factory=dict)
    attention_only: bool = False  # the session does not analyse emotion: say so, draw no mix
    withheld: str | None = None  # why aggregate-only mode shows no room figures right now
    tiles: list[TileView] = field(default_factory=list)
    history: deque[tuple[float, float | None]] = field(default_factory=deque)
    alerts: list[Alert] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)  # stage -> message when not running
    section: str | None = None
    data_time: float | None = None  # timestamp of the newest data seen
    updated_at: float | None = None  # local time the newest engagement arrived

    # -- connection -------------------------------------------------------------------------

    def set_connected(self) -> None:
        self.connected = True
        self.status = "connected"

    def set_disconnected(self, reason: str = "disconnected") -> None:
        """Drop every live number: a figure from a dead feed must not look current."""
        self.connected = False
        self.status = reason
        self.recording = False
        self.problems.clear()
        self._clear_live()

    def _clear_live(self) -> None:
        self.engagement = None
        self.attention_share = None
        self.participants_total = 0
        self.participants_with_face = 0
        self.emotion_mix = {}
        self.withheld = None
        self.tiles = []
        self.alerts = []
        self.updated_at = None

    # -- messages -----------------------------------------------------------------------------

    def apply(self, message: str | bytes | Mapping[str, Any] | BaseModel, now: float) -> bool:
        """Fold one server message (raw, or parsed by `protocol.parse_server_message`) into the
        state; returns whether anything visible changed.

        Raises ProtocolError when the message breaks the protocol schema.
        """
        msg = message if isinstance(message, BaseModel) else parse_server_message(message)
        if msg.op != Op.EVENT:  # type: ignore[attr-defined]
            return False
        event = msg.d  # type: ignore[attr-defined]
        return self.apply_event(event.eventType, event.eventData, now)

    def apply_event(self, kind: str, data: BaseModel, now: float) -> bool:
        """Fold one event's wire payload (a protocol.EVENT_DATA model) into the state.

        In-process sinks get that payload from `protocol.event_data(bus_event, ...)`.
        """
        if isinstance(data, RoomEngagement):
            self._apply_room(data, now)
        elif isinstance(data, SessionInfo):
            if kind == "SessionStarted":
                self._enter_session(data.session_id)
                self.recording = True
                self.attention_only = data.attention_only
            else:
                self.recording = False
                self._clear_live()
        elif isinstance(data, ParticipantsData):
            self.tiles = _tiles(data.participants)
        elif isinstance(data, Alert):
            episode = (data.kind, data.participant_id)
            kept = [a for a in self.alerts if (a.kind, a.participant_id) != episode]
            self.alerts = (kept if data.state == "cleared" else [*kept, data])[-MAX_ALERTS:]
            self._advance(data.timestamp)
        elif isinstance(data, StageStatus):
            if data.state in ("degraded", "error"):
                self.problems[data.stage] = data.message or data.state
            else:
                self.problems.pop(data.stage, None)
        elif isinstance(data, SectionData):
            self.section = data.title
        else:
            return False
        return True

    def _enter_session(self, session_id: str) -> None:
        if session_id != self.session_id:
            self.session_id = session_id
            self.history.clear()
            self.section = None
            self._clear_live()

    def _apply_room(self, room: RoomEngagement, now: float) -> None:
        self._enter_session(room.session_id)
        self.recording = True
        self.engagement = room.engagement
        self.attention_share = room.attention_share
        self.participants_total = room.participants_total
        self.participants_with_face = room.participants_with_face
        self.emotion_mix = dict(room.emotion_mix)
        self.attention_only = room.attention_only
        self.withheld = withheld_text(room)
        self.tiles = _tiles(room.participants)
        self.history.append((room.timestamp, room.engagement))
        self.updated_at = now
        self._advance(room.timestamp)

    def _advance(self, timestamp: float) -> None:
        self.data_time = timestamp if self.data_time is None else max(self.data_time, timestamp)
        while self.history and self.history[0][0] < self.data_time - HISTORY_SECONDS:
            self.history.popleft()
        self.alerts = [a for a in self.alerts if a.timestamp >= self.data_time - ALERT_SECONDS]

    # -- derived views ------------------------------------------------------------------------

    def stale(self, now: float) -> bool:
        """Connected, but the numbers stopped coming (pipeline stalled or paused)."""
        return self.updated_at is not None and now - self.updated_at > STALE_SECONDS

    def live(self, now: float) -> bool:
        """Whether the current numbers may be shown as current."""
        return self.connected and self.updated_at is not None and not self.stale(now)

    @property
    def attentive_text(self) -> str:
        if self.withheld is not None:
            return self.withheld
        if self.attention_share is None or not self.participants_with_face:
            return "attentive: –"
        attentive = round(self.attention_share * self.participants_with_face)
        return f"attentive {attentive}/{self.participants_with_face}"

    def sparkline(self, width: float, height: float) -> list[list[tuple[float, float]]]:
        """Polyline segments (x, y) of the last ten minutes, broken where no face was seen."""
        return sparkline_segments(self.history, self.data_time, width, height)


def withheld_text(room: RoomEngagement) -> str | None:
    """Why the room shows no figures, when aggregate-only mode withholds them (too few faces
    to average without singling anyone out); None when the figures are shown."""
    if room.participants_with_face >= room.min_faces:
        return None
    return f"room figures from {room.min_faces} faces ({room.participants_with_face} visible)"


ATTENTION_ONLY_TEXT = "attention only: emotion not analysed"


def _tiles(people: list[ParticipantEngagement]) -> list[TileView]:
    views = [TileView(p.slot, p.participant_id, p.attention, p.engagement) for p in people]
    return sorted(views, key=lambda v: v.slot)


def sparkline_segments(
    history: Iterable[tuple[float, float | None]],
    end_time: float | None,
    width: float,
    height: float,
) -> list[list[tuple[float, float]]]:
    """(timestamp, engagement) samples as polyline segments over the ten minutes up to
    end_time, in a width x height box (y down); a None engagement breaks the line."""
    if end_time is None:
        return []
    start = end_time - HISTORY_SECONDS
    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for t, value in history:
        if value is None or t < start:
            if current:
                segments.append(current)
            current = []
            continue
        x = (t - start) / HISTORY_SECONDS * width
        current.append((x, (1.0 - value) * height))
    if current:
        segments.append(current)
    return segments


def grid_shape(count: int) -> tuple[int, int]:
    """(rows, cols) of a near-square grid, the way meeting apps lay out galleries."""
    if count <= 0:
        return (0, 0)
    cols = math.ceil(math.sqrt(count))
    return (math.ceil(count / cols), cols)


def grid_cells(area: Rect, count: int, gap: int) -> list[Rect]:
    """`count` equal cells in a near-square grid filling `area`, row by row."""
    rows, cols = grid_shape(count)
    if not rows:
        return []
    cell_w = (area.w - gap * (cols - 1)) // cols
    cell_h = (area.h - gap * (rows - 1)) // rows
    if cell_w < 1 or cell_h < 1:
        return []
    return [
        Rect(
            area.x + (i % cols) * (cell_w + gap),
            area.y + (i // cols) * (cell_h + gap),
            cell_w,
            cell_h,
        )
        for i in range(count)
    ]


def emotion_segments(mix: Mapping[str, float]) -> list[tuple[str, float, float]]:
    """(emotion, start, width) in [0, 1] along one stacked bar, FER-2013 order, zeros dropped."""
    values = [(e, max(0.0, float(mix.get(e, 0.0)))) for e in EMOTIONS]
    total = sum(v for _, v in values)
    if total <= 0:
        return []
    segments = []
    start = 0.0
    for emotion, value in values:
        if value > 0:
            segments.append((emotion, start, value / total))
            start += value / total
    return segments
