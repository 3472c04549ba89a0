"""The report's plots, drawn onto axes the caller provides.

The HTML report gives each plot a figure of its own (inline SVG); the PDF puts several on a
page. Drawing onto given axes lets both use the same code, so a marker cannot appear on one
and not the other. Long sessions are binned (at most MAX_BINS columns) before drawing: a
plot cannot show 7200 points per line anyway, and SVG size and render time stay flat.
Colours come from the shared palette, so "happy" is the same yellow here as in the overlay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from meetwatch.outputs.live.palette import (
    ATTENTION_COLORS,
    ATTENTION_LABELS,
    EMOTION_COLORS,
    RGB,
)
from meetwatch.outputs.reports.data import ABSENT, ReportData
from meetwatch.outputs.reports.summary import ReportOptions, ReportSummary
from meetwatch.shared import ATTENTION_STATES, EMOTIONS

MAX_BINS = 720
BIN_CHOICES = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600)
LOW_COLOR = "#dc392f"
HIGH_COLOR = "#2eb85c"
LINE_COLOR = "#1f4e8c"
SECTION_COLOR = "#555b66"
THRESHOLD_COLOR = "#1d2129"  # not a state's colour: amber already means "away"
ABSENT_COLOR = "#ffffff"


def rgb(color: RGB) -> tuple[float, float, float]:
    return (color[0] / 255, color[1] / 255, color[2] / 255)


def bin_seconds(span_s: int) -> int:
    return next((b for b in BIN_CHOICES if span_s / b <= MAX_BINS), BIN_CHOICES[-1])


def bin_mean(values: np.ndarray, size: int) -> np.ndarray:
    """Mean of the known values in each bin of `size` rows (NaN when none is known)."""
    n = -(-len(values) // size) * size
    padded = np.full((n, *values.shape[1:]), np.nan)
    padded[: len(values)] = values
    blocks = padded.reshape(n // size, size, *values.shape[1:])
    known = ~np.isnan(blocks)
    counts = known.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, np.where(known, blocks, 0).sum(axis=1) / counts, np.nan)


def bin_mode(states: np.ndarray, size: int) -> np.ndarray:
    """Most frequent state per participant and bin; ABSENT when the participant had no row."""
    p, s = states.shape
    n = -(-s // size) * size
    padded = np.full((p, n), ABSENT, np.int8)
    padded[:, :s] = states
    blocks = padded.reshape(p, n // size, size)
    counts = np.stack([(blocks == c).sum(axis=2) for c in range(len(ATTENTION_STATES))])
    mode = counts.argmax(axis=0).astype(np.int8)
    mode[counts.sum(axis=0) == 0] = ABSENT
    return mode


@dataclass(frozen=True)
class PlotView:
    """Binned series with x positions in matplotlib date units, already in local time (or,
    for a recording, in time since its start)."""

    x: np.ndarray  # (B + 1,) bin edges
    bin_s: int
    engagement: np.ndarray  # (B,)
    attention_share: np.ndarray  # (B,)
    emotion: np.ndarray  # (B, 7), rows sum to 1 where known
    states: np.ndarray | None  # (P, B) state codes; None in aggregate-only mode
    labels: list[str]
    offset_s: float  # added to unix seconds for x: local UTC offset, or minus the origin
    span_s: float
    recording: bool = False  # the axis shows positions in the file, always with seconds
    narrow: bool = False  # drawn for a phone: legends below the plot, fewer ticks

    def for_phone(self) -> PlotView:
        return replace(self, narrow=True)

    def x_of(self, t: float) -> float:
        return (t + self.offset_s) / 86400.0

    @property
    def centers(self) -> np.ndarray:
        return (self.x[:-1] + self.x[1:]) / 2


def plot_view(data: ReportData, options: ReportOptions) -> PlotView:
    room = data.room
    size = bin_seconds(len(room))
    timeline = data.facts.timeline(options.zone)
    offset = timeline.utc_offset_s(float(room.t[0]))
    edges = room.t[0] + np.arange(0, -(-len(room) // size) * size + 1, size)
    emotion = bin_mean(room.emotion, size)
    with np.errstate(invalid="ignore", divide="ignore"):
        emotion = emotion / emotion.sum(axis=1, keepdims=True)
    return PlotView(
        x=(edges + offset) / 86400.0,
        bin_s=size,
        engagement=bin_mean(room.engagement, size),
        attention_share=bin_mean(room.attention_share, size),
        emotion=emotion,
        states=None if data.people is None else bin_mode(data.people.state, size),
        labels=[] if data.people is None else data.people.labels,
        offset_s=offset,
        span_s=float(len(room)),
        recording=timeline.recording,
    )


def _time_axis(ax: Axes, view: PlotView) -> None:
    ax.set_xlim(view.x[0], view.x[-1])
    ax.tick_params(labelsize=8)
    locator = mdates.AutoDateLocator(tz=UTC, minticks=3, maxticks=5 if view.narrow else 8)
    ax.xaxis.set_major_locator(locator)
    fmt = "%H:%M:%S" if view.span_s < 600 or view.recording else "%H:%M"
    ax.xaxis.set_major_formatter(mdates.DateFormatter(fmt, tz=UTC))
    ax.grid(axis="y", color="#e3e5e8", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _share_axis(ax: Axes) -> None:
    ax.set_ylim(0, 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _sections(ax: Axes, view: PlotView, summary: ReportSummary, titles: bool) -> None:
    for s in summary.sections:
        x = view.x_of(s.start)
        if x > view.x[0] + 0.5 / 86400:  # no line on the plot's left edge
            ax.axvline(x, color=SECTION_COLOR, linestyle="--", linewidth=0.8)
        if titles:
            ax.annotate(
                s.title,
                xy=(x, 0.93),  # below the high-moment strip
                xycoords=("data", "axes fraction"),
                xytext=(3, -2),
                textcoords="offset points",
                va="top",
                fontsize=7,
                color=SECTION_COLOR,
                clip_on=True,
            )


def draw_engagement(ax: Axes, view: PlotView, summary: ReportSummary) -> None:
    ax.plot(view.centers, view.engagement, color=LINE_COLOR, linewidth=1.4)
    for marks, color, prefix, low in (
        (summary.low_moments, LOW_COLOR, "L", True),
        (summary.high_moments, HIGH_COLOR, "H", False),
    ):  # strips at the bottom (low) and top (high) edge: they may overlap in time
        for i, m in enumerate(marks, start=1):
            a, b = view.x_of(m.start), view.x_of(m.end)
            y0, y1 = (0.0, 0.06) if low else (0.94, 1.0)
            ax.axvspan(a, b, ymin=y0, ymax=y1, facecolor=color, alpha=0.55, edgecolor="white")
            ax.annotate(
                f"{prefix}{i}",
                xy=((a + b) / 2, y1 + 0.01 if low else y0 - 0.01),
                xycoords=("data", "axes fraction"),
                ha="center",
                va="bottom" if low else "top",
                fontsize=8,
                color=color,
                fontweight="bold",
            )
    _sections(ax, view, summary, titles=True)
    _share_axis(ax)
    _time_axis(ax, view)
    ax.set_ylabel("Room engagement")


def draw_attention(ax: Axes, view: PlotView, summary: ReportSummary) -> None:
    on_screen = rgb(ATTENTION_COLORS["on_screen"])
    ax.fill_between(
        view.centers, view.attention_share, color=on_screen, alpha=0.3, linewidth=0, step="mid"
    )
    ax.plot(view.centers, view.attention_share, color=on_screen, linewidth=1.2)
    threshold = summary.parameters.low_attention_threshold
    ax.axhline(threshold, color=THRESHOLD_COLOR, linestyle=":", linewidth=1)
    for iv in summary.low_attention:
        ax.axvspan(view.x_of(iv.start), view.x_of(iv.end), color=LOW_COLOR, alpha=0.14, lw=0)
    _sections(ax, view, summary, titles=False)
    _share_axis(ax)
    _time_axis(ax, view)
    ax.set_ylabel("Attentive (on screen)")
    _legend(
        ax,
        view,
        [
            Line2D([], [], color=on_screen, linewidth=1.2, label="on screen"),
            Line2D([], [], color=THRESHOLD_COLOR, linestyle=":", label="low-attention line"),
            Patch(color=LOW_COLOR, alpha=0.14, label="low attention"),
        ],
    )


def draw_emotions(ax: Axes, view: PlotView, summary: ReportSummary) -> None:
    ax.stackplot(
        view.centers,
        view.emotion.T,
        labels=list(EMOTIONS),
        colors=[rgb(EMOTION_COLORS[e]) for e in EMOTIONS],
        linewidth=0,
    )
    _sections(ax, view, summary, titles=False)
    _share_axis(ax)
    _time_axis(ax, view)
    ax.set_ylabel("Emotion mix")
    _legend(ax, view, [Patch(color=rgb(EMOTION_COLORS[e]), label=e) for e in EMOTIONS])


def draw_heatmap(ax: Axes, view: PlotView, summary: ReportSummary) -> None:
    """Participants x time, coloured by attention state (the palette's colours)."""
    assert view.states is not None
    colors = [ABSENT_COLOR] + [rgb(ATTENTION_COLORS[s]) for s in ATTENTION_STATES]
    cmap = ListedColormap(colors)
    norm = BoundaryNorm(np.arange(-1.5, len(ATTENTION_STATES)), cmap.N)
    p = len(view.labels)
    ax.imshow(
        view.states,
        cmap=cmap,
        norm=norm,
        aspect="auto",
        interpolation="nearest",
        extent=(view.x[0], view.x[-1], p - 0.5, -0.5),
    )
    ax.set_yticks(range(p), view.labels, fontsize=7 if p <= 25 else 5)
    _sections(ax, view, summary, titles=False)
    _time_axis(ax, view)
    ax.grid(False)
    handles = [
        Patch(color=rgb(ATTENTION_COLORS[s]), label=ATTENTION_LABELS[s]) for s in ATTENTION_STATES
    ]
    handles.append(Patch(facecolor=ABSENT_COLOR, edgecolor="#999999", label="not in meeting"))
    _legend(ax, view, handles)


def _legend(ax: Axes, view: PlotView, handles: Sequence[Artist]) -> None:
    """Beside the plot on a page, below it on a phone (where beside it would fall off the
    screen or squeeze the plot to nothing)."""
    if view.narrow:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.14),
            ncol=3,
            fontsize=7,
            frameon=False,
        )
    else:
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False
        )


def heatmap_height(view: PlotView) -> float:
    """Inches: enough for readable participant rows, bounded for 49-tile galleries."""
    return min(9.0, 1.2 + 0.16 * len(view.labels))


@dataclass(frozen=True)
class ImageFigures:
    """A single image has no timeline: how many participants were in each attention state,
    and the emotion mix of the faces (the room's, never a person's)."""

    counts: np.ndarray  # (5,) ATTENTION_STATES order
    emotion: np.ndarray  # (7,) FER-2013 order; NaN when no face was read

    @classmethod
    def of(cls, data: ReportData) -> ImageFigures:
        room = data.room
        i = int(np.argmax(room.has_row))
        counts = room.attention_counts[i]
        if np.isnan(counts).any() and data.people is not None:  # rows of schema 1
            states = data.people.state[:, i]
            counts = np.array([(states == c).sum() for c in range(len(ATTENTION_STATES))], float)
        return cls(np.nan_to_num(counts), room.emotion[i])

    def has_emotion(self, attention_only: bool) -> bool:
        return not attention_only and not np.isnan(self.emotion).all()

    def figure(self, width: float, attention_only: bool) -> Figure:
        emotions = self.has_emotion(attention_only)
        rows = len(ATTENTION_STATES) + (len(EMOTIONS) if emotions else 0)
        fig = Figure(figsize=(width, 0.9 + 0.24 * rows), layout="constrained")
        axes = fig.subplots(2 if emotions else 1, 1, squeeze=False)[:, 0]
        self.draw_attention(axes[0])
        if emotions:
            self.draw_emotions(axes[1])
        return fig

    def draw_attention(self, ax: Axes) -> None:
        _bars(
            ax,
            [ATTENTION_LABELS[s] for s in ATTENTION_STATES],
            self.counts,
            [rgb(ATTENTION_COLORS[s]) for s in ATTENTION_STATES],
            "participants",
        )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))

    def draw_emotions(self, ax: Axes) -> None:
        _bars(
            ax,
            list(EMOTIONS),
            np.nan_to_num(self.emotion),
            [rgb(EMOTION_COLORS[e]) for e in EMOTIONS],
            "share of the faces' emotion",
        )
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _bars(ax: Axes, labels: list[str], values: np.ndarray, colors: list[Any], xlabel: str) -> None:
    ax.barh(range(len(labels)), values, color=colors)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
