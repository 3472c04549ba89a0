"""What an overlay draws, as one typed, versioned value: the `OverlayViewUpdated` payload.

The rules that turn events into something to look at (which figures are current, the
gauge's colour band, the texts, which alerts are still news, the emotion mix only where
emotion is analysed, the tile grid, the ten-minute trend) run once, in the core
(overlay_state.OverlayState). The web page, the Qt overlay and the terminal only place what
this model says: every text is final, every colour is chosen, every coordinate is a
fraction of the box it is drawn in. A client adds nothing but its own connection status.

Nothing per participant is in here unless the stream it was computed from carried it: in
aggregate-only mode that stream has no participants, so `grid.tiles` is empty.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from meetwatch.outputs.live import palette
from meetwatch.shared import AttentionState, FrozenModel

VIEW_VERSION: Literal[1] = 1  # bumped when a field changes meaning or goes away
NO_FIGURE = "–"
DISCLOSURE = "engagement analysis on"
ATTENTION_ONLY_TEXT = "attention only: emotion not analysed"
EMOTION_CAPTION = "emotion mix"
SPARKLINE_CAPTION = "last 10 minutes"

ViewState = Literal["idle", "waiting", "live", "stale"]


class GaugeView(FrozenModel):
    fill: float = Field(ge=0, le=1, description="Share of the arc to fill; 0 with no figure")
    text: str = Field(description='The figure in the middle, e.g. "73%", or "–"')
    color: str = Field(description="Colour of the filled arc (#rrggbb): its engagement band")
    band: Literal["low", "mid", "high"] | None = Field(description="None: no current figure")


class EmotionSegment(FrozenModel):
    emotion: str
    start: float = Field(ge=0, le=1, description="Where the segment starts along the bar")
    width: float = Field(ge=0, le=1)
    color: str
    text: str = Field(description='e.g. "happy 40%"')
    legend: bool = Field(description="Large enough to be named under the bar")


class EmotionView(FrozenModel):
    caption: str = Field(description="Says why there is no bar in attention-only mode")
    bar: bool = Field(description="Whether a bar is drawn at all")
    segments: list[EmotionSegment] = Field(description="FER-2013 order; empty: no current mix")


class SparklineView(FrozenModel):
    caption: str
    color: str
    segments: list[list[tuple[float, float]]] = Field(
        description="Polylines of (x, y) in 0..1 of the box, y down; broken where no face "
        "was seen; a lone point comes as a short flat line so that it shows"
    )


class TileView(FrozenModel):
    slot: int
    text: str = Field(description='What the cell says, e.g. "P3 62%"')
    detail: str = Field(description='A longer description, e.g. "Participant 3: away"')
    label: str = Field(description='"Participant N"')
    attention: AttentionState
    attention_text: str = Field(description='e.g. "eyes closed"')
    engagement_text: str = Field(description='e.g. "62%", or "–"')
    color: str


class GridView(FrozenModel):
    rows: int = Field(ge=0)
    cols: int = Field(ge=0)
    tiles: list[TileView] = Field(
        description="Slot order, row by row; empty in aggregate-only mode"
    )


class OverlayView(FrozenModel):
    view_version: Literal[1] = VIEW_VERSION
    session_id: str | None = None
    state: ViewState = Field(
        description="idle: no session; waiting: a session without figures yet; live; stale: "
        "the figures stopped coming (they are hidden, never shown as if current)"
    )
    status: str = Field(description="Short text for the corner of the overlay")
    recording: bool = Field(description="A session is recording: show the REC mark")
    section: str | None = Field(default=None, description='e.g. "section: Q&A"')
    gauge: GaugeView
    attentive: str = Field(description='Share of faces looking at the screen, e.g. "50%"')
    faces: str = Field(
        description='e.g. "2 of 4 faces · 6 in call", or why aggregate-only mode withholds '
        "the room figures"
    )
    emotion: EmotionView
    sparkline: SparklineView
    grid: GridView
    alerts: list[str] = Field(description="Current alerts, newest last")
    problems: list[str] = Field(description='Stages not running well, e.g. "capture: ..."')
    disclosure: str = Field(description="The mark that tells viewers faces are analysed")


def rgb_color(hex_text: str) -> palette.RGB:
    """'#rrggbb' back to RGB, for painters that take numbers."""
    value = int(hex_text.removeprefix("#"), 16)
    return ((value >> 16) & 255, (value >> 8) & 255, value & 255)


def blank_view(disclosure: str = DISCLOSURE) -> OverlayView:
    """What an overlay shows with no feed: no figure at all (the client says why)."""
    muted = palette.hex_color(palette.MUTED_TEXT)
    return OverlayView(
        state="idle",
        status="",
        recording=False,
        gauge=GaugeView(fill=0.0, text=NO_FIGURE, color=muted, band=None),
        attentive=NO_FIGURE,
        faces=NO_FIGURE,
        emotion=EmotionView(caption=EMOTION_CAPTION, bar=True, segments=[]),
        sparkline=SparklineView(caption=SPARKLINE_CAPTION, color=muted, segments=[]),
        grid=GridView(rows=0, cols=0, tiles=[]),
        alerts=[],
        problems=[],
        disclosure=disclosure,
    )
