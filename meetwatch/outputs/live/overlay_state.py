"""The overlay's rules, in one place: events in, an OverlayView (what to draw) out.

The feed server folds the events it sends into one OverlayState and publishes its view as
`OverlayViewUpdated`; the web overlay and the Qt overlay draw that view, the terminal view
prints one computed by the same class. So which figures are current, when they must be
hidden because they stopped coming, which alerts are still current, what the texts say and
what the last ten minutes of room engagement look like is decided, and tested, here only.

The state is fed the wire payloads (`protocol.event_data`), i.e. what is left after the
privacy rules: in aggregate-only mode it never sees a participant, so no view can show one.
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
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.overlay_view import (
    ATTENTION_ONLY_TEXT,
    DISCLOSURE,
    EMOTION_CAPTION,
    NO_FIGURE,
    SPARKLINE_CAPTION,
    EmotionSegment,
    EmotionView,
    GaugeView,
    GridView,
    OverlayView,
    SparklineView,
    TileView,
    ViewState,
)
from meetwatch.outputs.live.palette import hex_color
from meetwatch.outputs.text import percent
from meetwatch.shared import EMOTIONS, SessionInfo, StageStatus

HISTORY_SECONDS = 600.0  # the sparkline spans the last ten minutes
ALERT_SECONDS = 60.0  # an alert stays on screen this long after it was raised
STALE_SECONDS = 5.0  # no update for this long while a session runs: figures are hidden
MAX_ALERTS = 3
LEGEND_SHARE = 0.05  # an emotion is named under the bar from this share on
LONE_POINT = 1 / 300  # a trend of one point is drawn this long, so that it shows

# The events the view is made of (everything but per-frame data and coverage gaps).
VIEW_INPUTS = frozenset(
    {
        "SessionStarted",
        "SessionEnded",
        "ParticipantsChanged",
        "EngagementUpdated",
        "AlertRaised",
        "StageStatusChanged",
        "SectionMarked",
    }
)

STATUS: dict[ViewState, str] = {
    "idle": "no session",
    "waiting": "waiting for the first figures",
    "live": "live",
    "stale": "no data for a while",
}


@dataclass
class OverlayState:
    """Mutable fold of the feed's events; `view(now)` says what to draw at `now`.

    Times: `now` is the local clock of whoever folds (when a message arrived, when the view
    is drawn); history and alert windows use the data's own timestamps, so a replayed feed
    looks the same.
    """

    session_id: str | None = None
    recording: bool = False
    room: RoomEngagement | None = None
    attention_only: bool = False  # the session does not analyse emotion: say so, draw no mix
    people: list[ParticipantEngagement] = field(default_factory=list)
    history: deque[tuple[float, float | None]] = field(default_factory=deque)
    alerts: list[Alert] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)  # stage -> message when not running
    section: str | None = None
    data_time: float | None = None  # timestamp of the newest data seen
    updated_at: float | None = None  # local time the newest room figures arrived

    # -- folding events -----------------------------------------------------------------------

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
            self.people = list(data.participants)
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

    def _clear_live(self) -> None:
        self.room = None
        self.people = []
        self.alerts = []
        self.updated_at = None

    def _enter_session(self, session_id: str) -> None:
        if session_id != self.session_id:
            self.session_id = session_id
            self.history.clear()
            self.section = None
            self.data_time = None
            self._clear_live()

    def _apply_room(self, room: RoomEngagement, now: float) -> None:
        self._enter_session(room.session_id)
        self.recording = True
        self.room = room
        self.attention_only = room.attention_only
        self.people = list(room.participants)
        self.history.append((room.timestamp, room.engagement))
        self.updated_at = now
        self._advance(room.timestamp)

    def _advance(self, timestamp: float) -> None:
        self.data_time = timestamp if self.data_time is None else max(self.data_time, timestamp)
        while self.history and self.history[0][0] < self.data_time - HISTORY_SECONDS:
            self.history.popleft()
        self.alerts = [a for a in self.alerts if a.timestamp >= self.data_time - ALERT_SECONDS]

    # -- the view -------------------------------------------------------------------------------

    def state_at(self, now: float) -> ViewState:
        if self.updated_at is not None:
            return "stale" if now - self.updated_at > STALE_SECONDS else "live"
        return "waiting" if self.recording else "idle"

    @property
    def withheld(self) -> str | None:
        return None if self.room is None else withheld_text(self.room)

    def view(self, now: float) -> OverlayView:
        """What every overlay draws at `now`. Only live figures are ever shown: stale ones
        (the pipeline stalled or paused) are replaced by "–" and greys."""
        state = self.state_at(now)
        room = self.room if state == "live" else None
        return OverlayView(
            session_id=self.session_id,
            state=state,
            status=STATUS[state],
            recording=self.recording,
            section=f"section: {self.section}" if self.section else None,
            gauge=gauge_view(room.engagement if room else None),
            attentive=_attentive(room),
            faces=_faces(room),
            emotion=self._emotion(room),
            sparkline=SparklineView(
                caption=SPARKLINE_CAPTION,
                color=hex_color(palette.TEXT if state == "live" else palette.MUTED_TEXT),
                segments=_rounded(sparkline_segments(self.history, self.data_time, 1.0, 1.0)),
            ),
            grid=_grid(self.people, live=room is not None),
            alerts=[a.message for a in self.alerts] if room else [],
            problems=[f"{stage}: {message}" for stage, message in self.problems.items()],
            disclosure=DISCLOSURE + (" - attention only" if self.attention_only else ""),
        )

    def _emotion(self, room: RoomEngagement | None) -> EmotionView:
        if self.attention_only:  # no mix was measured: say why instead of an empty bar
            return EmotionView(caption=ATTENTION_ONLY_TEXT, bar=False, segments=[])
        mix = room.emotion_mix if room is not None else {}
        segments = [
            EmotionSegment(
                emotion=emotion,
                start=round(start, 4),
                width=round(share, 4),
                color=hex_color(palette.EMOTION_COLORS[emotion]),
                text=f"{emotion} {percent(share)}",
                legend=share >= LEGEND_SHARE,
            )
            for emotion, start, share in emotion_segments(mix)
        ]
        return EmotionView(caption=EMOTION_CAPTION, bar=True, segments=segments)


def gauge_view(value: float | None) -> GaugeView:
    """The gauge: its fill and figure, coloured by the band a presenter reacts to."""
    band = None if value is None else engagement_band(value)
    return GaugeView(
        fill=0.0 if value is None else value,
        text=percent(value, NO_FIGURE),
        color=hex_color(palette.engagement_color(value)),
        band=band,
    )


def engagement_band(value: float) -> str:
    if value < palette.ENGAGEMENT_LOW:
        return "low"
    return "mid" if value < palette.ENGAGEMENT_HIGH else "high"


def _attentive(room: RoomEngagement | None) -> str:
    if room is None or room.attention_share is None or not room.participants_with_face:
        return NO_FIGURE
    return percent(room.attention_share)


def _faces(room: RoomEngagement | None) -> str:
    if room is None:
        return NO_FIGURE
    withheld = withheld_text(room)
    if withheld is not None:
        return withheld
    if room.attention_share is None or not room.participants_with_face:
        return NO_FIGURE
    faces = room.participants_with_face
    attentive = round(room.attention_share * faces)
    return f"{attentive} of {faces} faces · {room.participants_total} in call"


def _grid(people: list[ParticipantEngagement], live: bool) -> GridView:
    """One cell per participant in slot order; greys and no figures once they stopped coming."""
    tiles = [
        TileView(
            slot=p.slot,
            text=f"P{p.participant_id}"
            + (f" {percent(p.engagement)}" if live and p.engagement is not None else ""),
            detail=f"{p.label}: {palette.ATTENTION_LABELS[p.attention]}",
            label=p.label,
            attention=p.attention,
            attention_text=palette.ATTENTION_LABELS[p.attention],
            engagement_text=percent(p.engagement if live else None, NO_FIGURE),
            color=hex_color(palette.ATTENTION_COLORS[p.attention] if live else palette.TRACK),
        )
        for p in sorted(people, key=lambda p: p.slot)
    ]
    rows, cols = grid_shape(len(tiles))
    return GridView(rows=rows, cols=cols, tiles=tiles)


def _rounded(segments: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
    """Four decimals are finer than any overlay's pixels and keep the message small; a lone
    point becomes a short flat line, which every painter draws."""
    out = []
    for segment in segments:
        points = [(round(x, 4), round(y, 4)) for x, y in segment]
        if len(points) == 1:
            x, y = points[0]
            other = x + LONE_POINT if x + LONE_POINT <= 1 else x - LONE_POINT
            points = sorted([points[0], (round(other, 4), y)])
        out.append(points)
    return out


def withheld_text(room: RoomEngagement) -> str | None:
    """Why the room shows no figures, when aggregate-only mode withholds them (too few faces
    to average without singling anyone out); None when the figures are shown."""
    if room.participants_with_face >= room.min_faces:
        return None
    return f"room figures from {room.min_faces} faces ({room.participants_with_face} visible)"


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
