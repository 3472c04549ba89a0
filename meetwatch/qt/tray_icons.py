"""The tray icon for each state, drawn rather than shipped, so every size is crisp and the
colours come from the same palette as the overlay.

The eye is the app icon (ui/icons/meetwatch.svg); watching adds a red recording dot, which
is the visible "you are being recorded" sign while a session runs.
"""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPixmap

from meetwatch.assets import ui_dir
from meetwatch.desktop.controller import TrayState

STATE_COLORS: dict[TrayState, str] = {
    "idle": "#8a93a6",
    "watching": "#2fa86b",
    "paused": "#e0a526",
    "error": "#d64541",
}
RECORDING_RED = "#e8262b"
_BACKGROUND = "#1f2a44"
_WHITE = "#f4f6fb"


def app_icon() -> QIcon:
    path = ui_dir() / "icons" / "meetwatch.svg"
    return QIcon(str(path)) if path.is_file() else state_icon("idle")


def state_pixmap(state: TrayState, size: int = 64) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.scale(size / 64, size / 64)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(_BACKGROUND))
        p.drawRoundedRect(QRectF(2, 2, 60, 60), 12, 12)
        eye = QPainterPath(QPointF(7, 32))
        eye.cubicTo(16, 16, 48, 16, 57, 32)
        eye.cubicTo(48, 48, 16, 48, 7, 32)
        p.setBrush(QColor(_WHITE))
        p.drawPath(eye)
        p.setBrush(QColor(STATE_COLORS[state]))
        p.drawEllipse(QPointF(32, 32), 11, 11)
        p.setBrush(QColor(_BACKGROUND))
        p.drawEllipse(QPointF(32, 32), 4.5, 4.5)
        _badge(p, state)
    finally:
        p.end()
    return pixmap


def _badge(p: QPainter, state: TrayState) -> None:
    """Bottom-right corner sign, readable at 16 px: dot, pause bars or exclamation mark."""
    if state == "idle":
        return
    centre = QPointF(50, 50)
    p.setBrush(QColor(_WHITE))
    p.drawEllipse(centre, 13, 13)
    if state == "watching":
        p.setBrush(QColor(RECORDING_RED))
        p.drawEllipse(centre, 10, 10)
    elif state == "paused":
        p.setBrush(QColor(STATE_COLORS["paused"]))
        p.drawRect(QRectF(44, 42, 4.5, 16))
        p.drawRect(QRectF(51.5, 42, 4.5, 16))
    else:
        p.setBrush(QColor(STATE_COLORS["error"]))
        p.drawEllipse(centre, 10, 10)
        p.setBrush(QColor(_WHITE))
        p.drawRect(QRectF(48.2, 42, 3.6, 10))
        p.drawEllipse(QPointF(50, 56), 2, 2)


def state_icon(state: TrayState) -> QIcon:
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        icon.addPixmap(state_pixmap(state, size))
    return icon
