"""QPainter drawing of the presenter overlay from an OverlayState.

Painted by hand (no child widgets, no stylesheets) so it looks the same on every platform
and offscreen, where tests grab it and compare pixels. Everything that is not live (feed
down, numbers stale) is drawn in greys with "--" instead of figures.
"""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen

from meetwatch.geometry import Rect
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.overlay_state import (
    ATTENTION_ONLY_TEXT,
    OverlayState,
    emotion_segments,
    grid_cells,
)
from meetwatch.qt.overlay_layout import GAUGE_START, GAUGE_SWEEP, OverlayLayout, gauge_point

BACKGROUND_ALPHA = 232
GAUGE_RING = 11
GRID_GAP = 3
INK: palette.RGB = (20, 20, 24)  # text on coloured fills


def qcolor(rgb: palette.RGB, alpha: int = 255) -> QColor:
    return QColor(rgb[0], rgb[1], rgb[2], alpha)


def qrect(r: Rect) -> QRectF:
    return QRectF(r.x, r.y, r.w, r.h)


def gauge_text(state: OverlayState, now: float) -> str:
    """The figure in the middle of the gauge: only ever a live number."""
    if not state.live(now) or state.engagement is None:
        return "--"
    return f"{round(100 * state.engagement)}%"


def paint_overlay(p: QPainter, state: OverlayState, layout: OverlayLayout, now: float) -> None:
    live = state.live(now)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    w, h = layout.size
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(qcolor(palette.BACKGROUND, BACKGROUND_ALPHA))
    p.drawRoundedRect(QRectF(0, 0, w, h), 12, 12)
    _header(p, state, layout.header, live, now)
    _gauge(p, state, layout.gauge, live, now)
    if layout.attentive is not None:
        text = state.attentive_text if live else "attentive --"
        _text(p, layout.attentive, text, 13, palette.TEXT if live else palette.MUTED_TEXT)
    if layout.emotions is not None:
        _emotion_bar(p, state, layout.emotions, live)
    if layout.sparkline is not None:
        _sparkline(p, state, layout.sparkline, live)
    if layout.grid is not None:
        _grid(p, state, layout.grid, live)
    if layout.alert is not None:
        _alert(p, state, layout.alert, live)
    elif live and state.alerts:  # compact: a marker on the gauge instead of the text
        g = layout.gauge
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qcolor(palette.ALERT_COLOR))
        p.drawEllipse(QPointF(g.x + g.w - 6, g.y + 6), 6, 6)


def _text(
    p: QPainter,
    rect: Rect,
    text: str,
    size: int,
    color: palette.RGB,
    *,
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
    bold: bool = False,
) -> None:
    font = QFont()
    font.setPixelSize(size)
    font.setBold(bold)
    p.setFont(font)
    p.setPen(qcolor(color))
    elided = p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, rect.w)
    p.drawText(qrect(rect), int(align | Qt.AlignmentFlag.AlignVCenter), elided)


def _header(p: QPainter, state: OverlayState, r: Rect, live: bool, now: float) -> None:
    _text(p, r, "meetwatch" if r.w > 200 else "", 12, palette.MUTED_TEXT)
    if live and state.recording:
        status, dot = "REC", palette.REC_COLOR
    elif not state.connected:
        status, dot = state.status, palette.MUTED_TEXT
    elif state.stale(now):
        status, dot = "no data", palette.MUTED_TEXT
    else:
        status, dot = "no session", palette.MUTED_TEXT
    right = Rect(r.x + 16, r.y, r.w - 16, r.h)
    _text(
        p,
        right,
        status,
        12,
        palette.TEXT if live else palette.MUTED_TEXT,
        align=Qt.AlignmentFlag.AlignRight,
    )
    font_w = p.fontMetrics().horizontalAdvance(
        p.fontMetrics().elidedText(status, Qt.TextElideMode.ElideRight, right.w)
    )
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(qcolor(dot))
    p.drawEllipse(QPointF(r.x + r.w - font_w - 10, r.y + r.h / 2), 5, 5)


def _gauge(p: QPainter, state: OverlayState, r: Rect, live: bool, now: float) -> None:
    inset = GAUGE_RING / 2
    arc = QRectF(r.x + inset, r.y + inset, r.w - GAUGE_RING, r.h - GAUGE_RING)
    pen = QPen(qcolor(palette.TRACK), GAUGE_RING, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(pen)
    p.drawArc(arc, round(GAUGE_START * 16), round(-GAUGE_SWEEP * 16))
    value = state.engagement if live else None
    if value is not None and value > 0:
        pen.setColor(qcolor(palette.engagement_color(value)))
        p.setPen(pen)
        p.drawArc(arc, round(GAUGE_START * 16), round(-GAUGE_SWEEP * value * 16))
        x, y = gauge_point(r, value, inset)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qcolor(palette.TEXT))
        p.drawEllipse(QPointF(x, y), 2.5, 2.5)
    center = Rect(r.x, r.y + r.h // 2 - 16, r.w, 28)
    color = palette.TEXT if live else palette.MUTED_TEXT
    _text(
        p, center, gauge_text(state, now), 24, color, align=Qt.AlignmentFlag.AlignHCenter, bold=True
    )
    label = Rect(r.x, r.y + r.h // 2 + 14, r.w, 14)
    _text(p, label, "engagement", 10, palette.MUTED_TEXT, align=Qt.AlignmentFlag.AlignHCenter)


def _emotion_bar(p: QPainter, state: OverlayState, r: Rect, live: bool) -> None:
    if state.attention_only:  # no mix was measured: say why instead of an empty bar
        _text(p, r, ATTENTION_ONLY_TEXT, 10, palette.MUTED_TEXT)
        return
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(qcolor(palette.TRACK))
    p.drawRect(qrect(r))
    if not live:
        return
    for emotion, start, share in emotion_segments(state.emotion_mix):
        x0 = r.x + round(r.w * start)
        x1 = r.x + round(r.w * (start + share))
        p.setBrush(qcolor(palette.EMOTION_COLORS[emotion]))
        p.drawRect(QRectF(x0, r.y, x1 - x0, r.h))


def _sparkline(p: QPainter, state: OverlayState, r: Rect, live: bool) -> None:
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(qcolor(palette.TRACK), 1))
    p.drawRect(qrect(r))
    _text(p, Rect(r.x + 4, r.y + 2, r.w - 8, 12), "last 10 min", 9, palette.MUTED_TEXT)
    color = palette.TEXT if live else palette.MUTED_TEXT
    p.setPen(QPen(qcolor(color), 1.5))
    for segment in state.sparkline(r.w, r.h):
        path = QPainterPath(QPointF(r.x + segment[0][0], r.y + segment[0][1]))
        for x, y in segment[1:]:
            path.lineTo(r.x + x, r.y + y)
        p.drawPath(path)


def _grid(p: QPainter, state: OverlayState, r: Rect, live: bool) -> None:
    cells = grid_cells(r, len(state.tiles), GRID_GAP)
    for tile, cell in zip(state.tiles, cells, strict=True):
        color = palette.ATTENTION_COLORS[tile.attention] if live else palette.TRACK
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qcolor(color))
        p.drawRoundedRect(qrect(cell), 3, 3)
        if cell.w >= 22 and cell.h >= 12:
            _text(p, cell, tile.short_label, 10, INK, align=Qt.AlignmentFlag.AlignHCenter)


def _alert(p: QPainter, state: OverlayState, r: Rect, live: bool) -> None:
    if not live:
        return
    if state.alerts:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qcolor(palette.ALERT_COLOR))
        p.drawRoundedRect(qrect(r), 4, 4)
        inner = Rect(r.x + 6, r.y, r.w - 12, r.h)
        _text(p, inner, f"⚠ {state.alerts[-1].message}", 12, INK, bold=True)
    elif state.problems:
        stage, message = next(iter(state.problems.items()))
        _text(p, r, f"{stage}: {message}", 11, palette.MUTED_TEXT)
