"""Choosing what to watch: a window from a list with live thumbnails (Zoom/Teams/Meet first),
or a rectangle dragged out on the screen.

Titles alone are ambiguous (three browser windows, two "Zoom" windows), so the thumbnails
are refreshed every second to show what each window holds right now.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PyQt6.QtCore import QPoint, QRect, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QIcon, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from meetwatch.capture.display import WAYLAND_PICKS, is_wayland
from meetwatch.capture.windows import WindowInfo
from meetwatch.geometry import Rect
from meetwatch.qt import application

THUMB = QSize(240, 150)
REFRESH_MS = 1000
APP_NAMES = {"zoom": "Zoom", "teams": "Teams", "meet": "Google Meet"}
OWN_TITLE_PREFIX = "meetwatch"  # our own windows (picker, overlay) are never offered

ListWindows = Callable[[], list[WindowInfo]]
Grab = Callable[[Rect], np.ndarray | None]


def order_windows(windows: list[WindowInfo]) -> list[WindowInfo]:
    """Visible windows worth offering, meeting apps first, then by title."""
    shown = [
        w
        for w in windows
        if w.visible and w.w > 1 and w.h > 1 and not w.title.startswith(OWN_TITLE_PREFIX)
    ]
    return sorted(shown, key=lambda w: (w.meeting_app is None, w.title.lower()))


def bgr_to_pixmap(image: np.ndarray, size: QSize = THUMB) -> QPixmap:
    rgb = np.ascontiguousarray(image[:, :, ::-1])
    h, w = rgb.shape[:2]
    data = rgb.tobytes()
    qimage = QImage(data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()  # owns its pixels
    return QPixmap.fromImage(qimage).scaled(
        size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def _info(item: QListWidgetItem) -> WindowInfo:
    info = item.data(Qt.ItemDataRole.UserRole)
    assert isinstance(info, WindowInfo)
    return info


def _label(window: WindowInfo) -> str:
    app = APP_NAMES.get(window.meeting_app or "", "")
    return f"{window.title}\n{app}" if app else window.title


class WindowPicker(QDialog):
    """After `exec()`: `chosen` is the WindowInfo, or `region_requested` is True."""

    def __init__(
        self,
        list_windows: ListWindows,
        grab: Grab,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("picker")
        self.setWindowTitle("meetwatch - pick the meeting window")
        self.resize(820, 560)
        self._list_windows = list_windows
        self._grab = grab
        self.chosen: WindowInfo | None = None
        self.region_requested = False
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Which window shows the meeting's gallery view?"))
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(THUMB)
        self.list.setGridSize(QSize(THUMB.width() + 24, THUMB.height() + 56))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.itemDoubleClicked.connect(lambda _: self.accept())
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.list)
        self.empty = QLabel(
            WAYLAND_PICKS
            if is_wayland()
            else "No windows found. Open the meeting, or select a screen region."
        )
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        buttons = QDialogButtonBox()
        self.region_button = QPushButton("Select a screen region...")
        self.region_button.clicked.connect(self._request_region)
        buttons.addButton(self.region_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.watch_button = buttons.addButton(
            "Watch this window", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(REFRESH_MS)

    def windows(self) -> list[WindowInfo]:
        """What the list shows now, in order."""
        return [_info(self._item(i)) for i in range(self.list.count())]

    def _item(self, row: int) -> QListWidgetItem:
        item = self.list.item(row)
        assert item is not None
        return item

    def refresh(self) -> None:
        """Re-list the windows and re-grab the thumbnails, keeping the selection.

        A thumbnail is a screen grab, so a window under the picker would show the picker:
        such a window keeps the thumbnail it had before the picker covered it.
        """
        current = self.list.currentItem()
        selected = None if current is None else _info(current).id
        windows = order_windows(self._list_windows())
        if [w.id for w in windows] != [w.id for w in self.windows()]:
            self.list.clear()
            for w in windows:
                item = QListWidgetItem(_label(w))
                item.setData(Qt.ItemDataRole.UserRole, w)
                item.setToolTip(w.describe())
                self.list.addItem(item)
        for i, w in enumerate(windows):
            item = self._item(i)
            item.setData(Qt.ItemDataRole.UserRole, w)  # position and size may have changed
            if self._covers(w.rect) and not item.icon().isNull():
                image = None
            else:
                image = self._grab(w.rect)
            if image is not None:
                item.setIcon(QIcon(bgr_to_pixmap(image)))
            if w.id == selected or (selected is None and i == 0 and w.meeting_app):
                self.list.setCurrentItem(item)
        self.empty.setVisible(not windows)
        self._update_buttons()

    def _covers(self, rect: Rect) -> bool:
        if not self.isVisible():
            return False
        mine = self.frameGeometry()
        return Rect(mine.x(), mine.y(), mine.width(), mine.height()).intersection(rect) > 0

    def select(self, title: str) -> None:
        for i in range(self.list.count()):
            if _info(self._item(i)).title == title:
                self.list.setCurrentRow(i)
                return
        raise KeyError(title)

    def _update_buttons(self) -> None:
        if self.watch_button is not None:
            self.watch_button.setEnabled(self.list.currentItem() is not None)

    def _request_region(self) -> None:
        self.region_requested = True
        self.chosen = None
        super().accept()

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.chosen = _info(item)
        self.region_requested = False
        super().accept()

    def done(self, result: int) -> None:
        self._timer.stop()
        super().done(result)


class RegionSelector(QWidget):
    """A full-screen, dimmed still of the screen: drag a rectangle, release to choose it,
    Esc to cancel. Emits `selected(Rect)` in screen coordinates, or `cancelled`."""

    selected = pyqtSignal(object)
    cancelled = pyqtSignal()

    def __init__(self) -> None:
        super().__init__(
            None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setObjectName("region-selector")
        self.setWindowTitle("meetwatch - drag over the meeting gallery")
        self.setCursor(Qt.CursorShape.CrossCursor)
        screen = application().primaryScreen()
        assert screen is not None
        geometry = screen.virtualGeometry()
        self._origin = geometry.topLeft()
        self._still = screen.grabWindow(
            x=geometry.x(), y=geometry.y(), width=geometry.width(), height=geometry.height()
        )
        self.setGeometry(geometry)
        self._start: QPoint | None = None
        self._end: QPoint | None = None

    def selection(self) -> QRect | None:
        if self._start is None or self._end is None:
            return None
        return QRect(self._start, self._end).normalized()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = QPainter(self)
        try:
            p.drawPixmap(0, 0, self._still)
            p.setOpacity(0.45)
            p.fillRect(self.rect(), Qt.GlobalColor.black)
            p.setOpacity(1.0)
            rect = self.selection()
            if rect is not None:
                p.drawPixmap(rect, self._still, rect)
                p.setPen(Qt.GlobalColor.green)
                p.drawRect(rect.adjusted(0, 0, -1, -1))
            p.setPen(Qt.GlobalColor.white)
            p.drawText(24, 36, "Drag over the meeting's gallery; Esc cancels.")
        finally:
            p.end()

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            self._start = self._end = event.position().toPoint()
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and self._start is not None:
            self._end = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:
        if event is None or self._start is None:
            return
        self._end = event.position().toPoint()
        rect = self.selection()
        self.close()
        if rect is None or rect.width() < 8 or rect.height() < 8:  # a click, not a drag
            self.cancelled.emit()
            return
        self.selected.emit(
            Rect(
                rect.x() + self._origin.x(),
                rect.y() + self._origin.y(),
                rect.width(),
                rect.height(),
            )
        )

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        if event is not None and event.key() == Qt.Key.Key_Escape:
            self.close()
            self.cancelled.emit()
