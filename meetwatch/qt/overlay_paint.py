"""QPainter drawing of the presenter overlay from an OverlayView.

Painted by hand (no child widgets, no stylesheets) so it looks the same on every platform
and offscreen, where tests grab it and compare pixels. Every text, colour and figure comes
from the view (computed by the core, the same one the web overlay draws); this module only
places them in the rectangles of OverlayLayout.
"""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen

from meetwatch.geometry import Rect
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.overlay_state import grid_cells
from meetwatch.outputs.live.overlay_view import OverlayView, rgb_color
from meetwatch.qt.overlay_layout import GAUGE_START, GAUGE_SWEEP, OverlayLayout, gauge_point

BACKGROUND_ALPHA = 232
GAUGE_RING = 11
GRID_GAP = 3
INK: palette.RGB = (20, 20, 24)  # text on coloured fills
ATTENTIVE_CAPTION = "attentive"
GAUGE_CAPTION = "room engagement"


def qcolor(color: palette.RGB | str, alpha: int = 255) -> QColor:
    rgb = rgb_color(color) if isinstance(color, str) else color
    return QColor(rgb[0], rgb[1], rgb[2], alpha)


def qrect(r: Rect) -> QRectF:
    return QRectF(r.x, r.y, r.w, r.h)


class Painter:
    """Draws one view; `texts` keeps every string as drawn (after eliding), which is what a
    person reads on the overlay."""

    def __init__(self, p: QPainter) -> None:
        self.p = p
        self.texts: list[str] = []

    def text(
        self,
        rect: Rect,
        text: str,
        size: int,
        color: palette.RGB | str,
        *,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
        bold: bool = False,
    ) -> int:
        """Draw `text` elided to the rectangle; returns its width in pixels."""
        if not text:
            return 0
        p = self.p
        font = QFont()
        font.setPixelSize(size)
        font.setBold(bold)
        p.setFont(font)
        p.setPen(qcolor(color))
        elided = p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, rect.w)
        p.drawText(qrect(rect), int(align | Qt.AlignmentFlag.AlignVCenter), elided)
        self.texts.append(elided)
        return p.fontMetrics().horizontalAdvance(elided)


def paint_overlay(p: QPainter, view: OverlayView, layout: OverlayLayout) -> list[str]:
    """Paint the view; returns the texts drawn, in drawing order."""
    painter = Painter(p)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    w, h = layout.size
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(qcolor(palette.BACKGROUND, BACKGROUND_ALPHA))
    p.drawRoundedRect(QRectF(0, 0, w, h), 12, 12)
    _header(painter, view, layout.header)
    _gauge(painter, view, layout.gauge)
    live = view.state == "live"
    figure = palette.TEXT if live else palette.MUTED_TEXT
    if layout.section is not None and view.section:
        painter.text(layout.section, view.section, 10, palette.MUTED_TEXT)
    if layout.attentive is not None:
        width = painter.text(layout.attentive, view.attentive, 20, figure, bold=True)
        r = layout.attentive
        painter.text(
            Rect(r.x + width + 8, r.y, r.w - width - 8, r.h),
            ATTENTIVE_CAPTION,
            10,
            palette.MUTED_TEXT,
        )
    if layout.faces is not None:
        painter.text(layout.faces, view.faces, 10, palette.MUTED_TEXT)
    if layout.emotion_caption is not None:
        painter.text(layout.emotion_caption, view.emotion.caption, 9, palette.MUTED_TEXT)
    if layout.emotions is not None and view.emotion.bar:
        _emotion_bar(painter, view, layout.emotions)
    if layout.sparkline is not None:
        _sparkline(painter, view, layout.sparkline)
    if layout.grid is not None:
        _grid(painter, view, layout.grid)
    if layout.alert is not None:
        _alert(painter, view, layout.alert)
    elif view.alerts:  # compact: a marker on the gauge instead of the text
        g = layout.gauge
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qcolor(palette.ALERT_COLOR))
        p.drawEllipse(QPointF(g.x + g.w - 6, g.y + 6), 6, 6)
    if layout.disclosure is not None:
        d = layout.disclosure
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qcolor(palette.REC_COLOR))
        p.drawEllipse(QPointF(d.x + 4, d.y + d.h / 2), 3, 3)
        painter.text(Rect(d.x + 12, d.y, d.w - 12, d.h), view.disclosure, 10, palette.MUTED_TEXT)
    return painter.texts


def _header(painter: Painter, view: OverlayView, r: Rect) -> None:
    p = painter.p
    painter.text(r, "meetwatch" if r.w > 200 else "", 12, palette.MUTED_TEXT)
    right = Rect(r.x + 16, r.y, r.w - 16, r.h)
    color = palette.TEXT if view.state == "live" else palette.MUTED_TEXT
    width = painter.text(right, view.status, 12, color, align=Qt.AlignmentFlag.AlignRight)
    dot_x = r.x + r.w - width - 10
    if view.recording:  # the REC mark, left of the status
        rec = Rect(round(dot_x) - 40, r.y, 34, r.h)
        right_aligned = Qt.AlignmentFlag.AlignRight
        width_rec = painter.text(rec, "REC", 12, palette.REC_COLOR, align=right_aligned)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qcolor(palette.REC_COLOR))
        p.drawEllipse(QPointF(rec.x + rec.w - width_rec - 8, r.y + r.h / 2), 5, 5)


def _gauge(painter: Painter, view: OverlayView, r: Rect) -> None:
    p = painter.p
    inset = GAUGE_RING / 2
    arc = QRectF(r.x + inset, r.y + inset, r.w - GAUGE_RING, r.h - GAUGE_RING)
    pen = QPen(qcolor(palette.TRACK), GAUGE_RING, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(pen)
    p.drawArc(arc, round(GAUGE_START * 16), round(-GAUGE_SWEEP * 16))
    fill = view.gauge.fill
    if fill > 0:
        pen.setColor(qcolor(view.gauge.color))
        p.setPen(pen)
        p.drawArc(arc, round(GAUGE_START * 16), round(-GAUGE_SWEEP * fill * 16))
        x, y = gauge_point(r, fill, inset)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qcolor(palette.TEXT))
        p.drawEllipse(QPointF(x, y), 2.5, 2.5)
    center = Rect(r.x, r.y + r.h // 2 - 16, r.w, 28)
    color = palette.TEXT if view.state == "live" else palette.MUTED_TEXT
    painter.text(center, view.gauge.text, 24, color, align=Qt.AlignmentFlag.AlignHCenter, bold=True)
    label = Rect(r.x - 8, r.y + r.h - 13, r.w + 16, 14)  # in the ring's opening, clear of it
    painter.text(label, GAUGE_CAPTION, 9, palette.MUTED_TEXT, align=Qt.AlignmentFlag.AlignHCenter)


def _emotion_bar(painter: Painter, view: OverlayView, r: Rect) -> None:
    p = painter.p
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(qcolor(palette.TRACK))
    p.drawRect(qrect(r))
    for segment in view.emotion.segments:
        x0 = r.x + round(r.w * segment.start)
        x1 = r.x + round(r.w * (segment.start + segment.width))
        p.setBrush(qcolor(segment.color))
        p.drawRect(QRectF(x0, r.y, x1 - x0, r.h))


def _sparkline(painter: Painter, view: OverlayView, r: Rect) -> None:
    p = painter.p
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(qcolor(palette.TRACK), 1))
    p.drawRect(qrect(r))
    caption = Rect(r.x, r.y - 14, r.w, 12)  # above the box, where the line never runs
    painter.text(caption, view.sparkline.caption, 9, palette.MUTED_TEXT)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(qcolor(view.sparkline.color), 1.5))
    for segment in view.sparkline.segments:
        (x0, y0), rest = segment[0], segment[1:]
        path = QPainterPath(QPointF(r.x + x0 * r.w, r.y + y0 * r.h))
        for x, y in rest:
            path.lineTo(r.x + x * r.w, r.y + y * r.h)
        p.drawPath(path)


def _grid(painter: Painter, view: OverlayView, r: Rect) -> None:
    p = painter.p
    tiles = view.grid.tiles
    for tile, cell in zip(tiles, grid_cells(r, len(tiles), GRID_GAP), strict=False):
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qcolor(tile.color))
        p.drawRoundedRect(qrect(cell), 3, 3)
        if cell.w >= 22 and cell.h >= 12:
            painter.text(cell, tile.text, 10, INK, align=Qt.AlignmentFlag.AlignHCenter)


def _alert(painter: Painter, view: OverlayView, r: Rect) -> None:
    """The newest alert as a banner; otherwise the first stage problem, in muted text."""
    p = painter.p
    if view.alerts:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qcolor(palette.ALERT_COLOR))
        p.drawRoundedRect(qrect(r), 4, 4)
        inner = Rect(r.x + 6, r.y, r.w - 12, r.h)
        painter.text(inner, view.alerts[-1], 12, INK, bold=True)
    elif view.problems:
        painter.text(r, view.problems[0], 11, palette.ALERT_COLOR)
