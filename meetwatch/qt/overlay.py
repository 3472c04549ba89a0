"""`meetwatch overlay`: the presenter's always-on-top glance at the room.

A frameless, translucent window that is its own websocket client (FeedClient), so it runs
beside `meetwatch run` on this machine or, opted in, against a feed on another host. What it
shows is the OverlayView the feed computes (the same one the web overlay draws); the tray,
which runs the core in process, folds its events into the same OverlayState instead. This
module only adds window behaviour: dragging with corner snapping, click-through, opacity,
compact mode.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import get_args

from PyQt6.QtCore import QPoint, Qt, QTimer
from PyQt6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QIcon,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
)
from PyQt6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from meetwatch.config import config_dir
from meetwatch.errors import MeetwatchError, OutputError
from meetwatch.geometry import Rect
from meetwatch.outputs.feed.protocol import OVERLAY_SUBSCRIPTIONS, Op
from meetwatch.outputs.feed.token import load_or_create_token
from meetwatch.outputs.feed.ws_server import DEFAULT_PORT
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.overlay_state import OverlayState
from meetwatch.outputs.live.overlay_view import OverlayView, blank_view
from meetwatch.qt import application
from meetwatch.qt.overlay_layout import Corner, OverlayLayout, corner_position, nearest_corner
from meetwatch.qt.overlay_paint import paint_overlay
from meetwatch.qt.ws_client import Backoff, FeedClient, check_url

log = logging.getLogger(__name__)

OPACITY_CHOICES = (1.0, 0.85, 0.7, 0.5)
MIN_OPACITY = 0.2
REPAINT_MS = 1000  # in process: greys figures out once they go stale, even with no event


class OverlayWidget(QWidget):
    """The overlay window. Feed it with `on_message` / `on_connection` (FeedClient's signals),
    or, in process, fold events into `state`."""

    def __init__(
        self,
        state: OverlayState | None = None,
        *,
        compact: bool = False,
        opacity: float = 0.92,
        click_through: bool = False,
        corner: Corner = "top-right",
        clock: Callable[[], float] = time.time,
    ) -> None:
        flags = (
            Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Tool  # no taskbar entry
        )
        super().__init__(None, flags)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setWindowTitle("meetwatch overlay")
        self.state = state or OverlayState()
        self.clock = clock
        self.connected = False
        self.status = "connecting"
        self.received: OverlayView | None = None  # the newest view from the feed
        self.drawn: list[str] = []  # the texts of the last paint, as a person reads them
        self.corner: Corner = corner
        self.compact = compact
        self.layout_spec = OverlayLayout.full()
        self._drag_offset: QPoint | None = None
        self.set_compact(compact)
        self.set_opacity(opacity)
        self.set_click_through(click_through)
        self._repaint = QTimer(self)
        self._repaint.timeout.connect(self.update)
        self._repaint.start(REPAINT_MS)

    # -- feed --------------------------------------------------------------------------------

    def on_message(self, message: object) -> None:
        """A parsed server message; only OverlayViewUpdated changes what is shown."""
        d = getattr(message, "d", None)
        if getattr(message, "op", None) == Op.EVENT and isinstance(
            getattr(d, "eventData", None), OverlayView
        ):
            self.received = d.eventData  # type: ignore[union-attr]
            self.update()

    def on_connection(self, connected: bool, status: str) -> None:
        self.connected = connected
        self.status = status
        self.received = None  # a view from a dead feed must not look current
        self.update()

    def view(self) -> OverlayView:
        """What the overlay shows now: nothing but the connection status without a feed."""
        if not self.connected:
            return blank_view().model_copy(update={"status": self.status})
        return self.received or self.state.view(self.clock())

    def gauge_text(self) -> str:
        """The figure the gauge shows right now."""
        return self.view().gauge.text

    # -- settings ------------------------------------------------------------------------------

    def set_compact(self, compact: bool) -> None:
        self.compact = compact
        self.layout_spec = OverlayLayout.compact() if compact else OverlayLayout.full()
        self.setFixedSize(*self.layout_spec.size)
        if self.isVisible():
            self.snap(self.corner)
        self.update()

    def set_opacity(self, opacity: float) -> None:
        self.setWindowOpacity(min(1.0, max(MIN_OPACITY, opacity)))

    def set_click_through(self, enabled: bool) -> None:
        """Let clicks pass to the window below (the slides). Changing a window flag hides
        the window, so it is shown again."""
        visible = self.isVisible()
        self.setWindowFlag(Qt.WindowType.WindowTransparentForInput, enabled)
        if visible:
            self.show()

    @property
    def click_through(self) -> bool:
        return bool(self.windowFlags() & Qt.WindowType.WindowTransparentForInput)

    def snap(self, corner: Corner | None = None) -> None:
        """Move into a corner of the current screen (the remembered one by default)."""
        self.corner = corner or self.corner
        self.move(*corner_position(self.corner, self.layout_spec.size, self._screen_area()))

    def _screen_area(self) -> Rect:
        screen = self.screen() or application().primaryScreen()
        if screen is None:
            raise OutputError("no screen to show the overlay on")
        g = screen.availableGeometry()
        return Rect(g.x(), g.y(), g.width(), g.height())

    def build_menu(self, parent: QWidget | None = None) -> QMenu:
        menu = QMenu(parent)
        toggles = [
            ("Compact", self.compact, self.set_compact),
            ("Click-through", self.click_through, self.set_click_through),
        ]
        for text, checked, slot in toggles:
            action = QAction(text, menu)
            action.setCheckable(True)
            action.setChecked(checked)
            action.toggled.connect(slot)
            menu.addAction(action)
        opacity = QMenu("Opacity", menu)
        for value in OPACITY_CHOICES:
            action = QAction(f"{round(value * 100)}%", opacity)
            action.triggered.connect(lambda _=False, v=value: self.set_opacity(v))
            opacity.addAction(action)
        corners = QMenu("Corner", menu)
        for corner in get_args(Corner):
            action = QAction(corner, corners)
            action.triggered.connect(lambda _=False, c=corner: self.snap(c))
            corners.addAction(action)
        menu.addMenu(opacity)
        menu.addMenu(corners)
        menu.addSeparator()
        quit_action = QAction("Quit overlay", menu)
        quit_action.triggered.connect(application().quit)
        menu.addAction(quit_action)
        return menu

    # -- Qt events ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        try:
            self.drawn = paint_overlay(painter, self.view(), self.layout_spec)
        finally:
            painter.end()

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            self._drag_offset = event.globalPosition().toPoint() - self.pos()

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and self._drag_offset is not None:
            self.move(event.globalPosition().toPoint() - self._drag_offset)

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:
        if self._drag_offset is None:
            return
        self._drag_offset = None
        window = Rect(self.x(), self.y(), self.width(), self.height())
        self.snap(nearest_corner(window, self._screen_area()))

    def contextMenuEvent(self, event: QContextMenuEvent | None) -> None:
        if event is not None:
            self.build_menu(self).exec(event.globalPos())


def _tray_icon(widget: OverlayWidget) -> QSystemTrayIcon:
    """The way back out of click-through: the window itself no longer takes clicks."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(*palette.ATTENTION_COLORS["on_screen"]))
    painter.drawEllipse(4, 4, 24, 24)
    painter.end()
    tray = QSystemTrayIcon(QIcon(pixmap), widget)
    tray.setToolTip("meetwatch overlay")
    tray.setContextMenu(widget.build_menu())
    return tray


def run_overlay(
    url: str,
    token: str | None,
    *,
    compact: bool = False,
    opacity: float = 0.92,
    click_through: bool = False,
    corner: Corner = "top-right",
    backoff: Backoff | None = None,
) -> int:
    """Show the overlay connected to the feed at `url` until the user quits; exit status."""
    check_url(url)
    app = application()
    app.setQuitOnLastWindowClosed(True)
    widget = OverlayWidget(
        compact=compact, opacity=opacity, click_through=click_through, corner=corner
    )
    client = FeedClient(url, token, subscriptions=OVERLAY_SUBSCRIPTIONS, backoff=backoff)
    client.message.connect(widget.on_message)
    client.connection.connect(widget.on_connection)
    app.aboutToQuit.connect(client.stop)
    if QSystemTrayIcon.isSystemTrayAvailable():
        _tray_icon(widget).show()
    elif click_through:
        log.warning("no system tray: the click-through overlay can only be closed with Ctrl+C")
    widget.show()
    widget.snap()
    client.start()
    # Qt's loop keeps Python from seeing Ctrl+C; a timer lets the handler run.
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    return app.exec()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The overlay's command-line options (also for `meetwatch overlay` in the CLI)."""
    parser.add_argument(
        "--url",
        default=f"ws://127.0.0.1:{DEFAULT_PORT}",
        help="feed address; another host only if its feed was started with --lan",
    )
    parser.add_argument(
        "--token", help="feed token (default: $MEETWATCH_TOKEN, else this install's)"
    )
    parser.add_argument("--compact", action="store_true", help="gauge only")
    parser.add_argument("--opacity", type=float, default=0.92, help="0.2 .. 1.0")
    parser.add_argument(
        "--click-through", action="store_true", help="clicks pass to the window below"
    )
    parser.add_argument("--corner", choices=get_args(Corner), default="top-right")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="meetwatch overlay", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        token = (
            args.token or os.environ.get("MEETWATCH_TOKEN") or load_or_create_token(config_dir())
        )
        return run_overlay(
            args.url,
            token,
            compact=args.compact,
            opacity=args.opacity,
            click_through=args.click_through,
            corner=args.corner,
        )
    except MeetwatchError as exc:
        print(f"meetwatch overlay: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
