"""The window picker (meeting apps first, live thumbnails) and the screen-region selector.

Offscreen there are no other windows, so the window list is given as data; the Xvfb test
runs the picker on a real X server's windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication

from meetwatch.capture.windows import WindowInfo, meeting_app_for
from meetwatch.config import load_config
from meetwatch.geometry import Rect
from meetwatch.qt.tray import TrayApp
from meetwatch.qt.window_picker import RegionSelector, WindowPicker
from tests.qt.tray_support import Home, running_tray, use_home


def window(wid: int, title: str, visible: bool = True) -> WindowInfo:
    """Side by side, so each window's rectangle is its own."""
    return WindowInfo(wid, title, "app", 330 * wid, 0, 320, 200, visible, meeting_app_for(title))


WINDOWS = [
    window(1, "Untitled - Text Editor"),
    window(2, "Meet - abc-defg-hij - Chromium"),
    window(3, "Hidden Zoom Meeting", visible=False),
    window(4, "meetwatch overlay"),
    window(5, "Zoom Meeting"),
    window(6, "Budget.ods - Spreadsheet"),
]
COLORS = {1: (200, 0, 0), 2: (0, 200, 0), 5: (0, 0, 200), 6: (90, 90, 90)}  # BGR per window


class Screen:
    """What each window shows; `shift` changes the pictures, as a live meeting does."""

    def __init__(self) -> None:
        self.shift = 0
        self.windows = list(WINDOWS)
        self.colors = dict(COLORS)

    def grab(self, rect: Rect) -> np.ndarray:
        [w] = [w for w in self.windows if w.rect == rect]
        image = np.zeros((rect.h, rect.w, 3), np.uint8)
        image[:] = np.roll(self.colors[w.id], self.shift)
        return image


def thumbnail_bgr(picker: WindowPicker, row: int) -> tuple[int, int, int]:
    image = picker.list.item(row).icon().pixmap(picker.list.iconSize()).toImage()
    c = image.pixelColor(image.width() // 2, image.height() // 2)
    return (c.blue(), c.green(), c.red())


def test_meeting_windows_come_first_with_live_thumbnails(qapp: QApplication) -> None:
    screen = Screen()
    picker = WindowPicker(lambda: screen.windows, screen.grab)
    titles = [w.title for w in picker.windows()]
    assert titles == [
        "Meet - abc-defg-hij - Chromium",
        "Zoom Meeting",
        "Budget.ods - Spreadsheet",
        "Untitled - Text Editor",
    ]  # hidden windows and meetwatch's own are not offered
    assert picker.list.currentItem().text() == "Meet - abc-defg-hij - Chromium\nGoogle Meet"
    assert thumbnail_bgr(picker, 0) == COLORS[2]
    assert thumbnail_bgr(picker, 1) == COLORS[5]
    screen.shift = 1
    picker.refresh()  # the timer's tick
    assert thumbnail_bgr(picker, 0) == tuple(np.roll(COLORS[2], 1))
    screen.windows.append(window(7, "Microsoft Teams"))
    screen.colors[7] = (1, 2, 3)
    picker.select("Zoom Meeting")
    picker.refresh()
    assert [w.title for w in picker.windows()][:3] == [
        "Meet - abc-defg-hij - Chromium",
        "Microsoft Teams",
        "Zoom Meeting",
    ]
    assert picker.list.currentItem().data(Qt.ItemDataRole.UserRole).title == "Zoom Meeting"
    picker.accept()
    assert picker.chosen is not None and picker.chosen.id == 5


def test_windows_under_the_picker_keep_their_earlier_thumbnail(qapp: QApplication) -> None:
    screen = Screen()
    picker = WindowPicker(lambda: screen.windows, screen.grab)  # grabbed before it is shown
    picker.show()
    picker.move(330 * 2 + 100, 0)  # over the Meet window only (windows are 330 px apart)
    screen.shift = 1
    picker.refresh()
    rows = {w.id: i for i, w in enumerate(picker.windows())}
    assert thumbnail_bgr(picker, rows[2]) == COLORS[2]  # covered: the clean earlier picture
    assert thumbnail_bgr(picker, rows[1]) == tuple(np.roll(COLORS[1], 1))  # live


def test_no_windows_says_so_and_offers_a_region(qapp: QApplication) -> None:
    picker = WindowPicker(lambda: [], lambda r: None)
    picker.show()
    assert picker.empty.isVisible() and not picker.watch_button.isEnabled()  # type: ignore[union-attr]
    picker.region_button.click()
    assert picker.region_requested and picker.chosen is None


def test_region_is_dragged_out_on_the_screen(qapp: QApplication) -> None:
    selector = RegionSelector()
    chosen: list[Rect] = []
    selector.selected.connect(chosen.append)
    selector.show()
    QTest.mousePress(selector, Qt.MouseButton.LeftButton, pos=QPoint(300, 200))
    QTest.mouseMove(selector, QPoint(500, 300))
    QTest.mouseRelease(selector, Qt.MouseButton.LeftButton, pos=QPoint(940, 560))
    assert chosen == [Rect(300, 200, 641, 361)]
    assert not selector.isVisible()


def test_a_click_or_escape_cancels_the_region(qapp: QApplication) -> None:
    for cancel in ("click", "escape"):
        selector = RegionSelector()
        outcome: list[object] = []
        selector.selected.connect(outcome.append)
        selector.cancelled.connect(lambda outcome=outcome: outcome.append("cancelled"))
        selector.show()
        if cancel == "click":
            QTest.mouseClick(selector, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
        else:
            QTest.keyClick(selector, Qt.Key.Key_Escape)
        assert outcome == ["cancelled"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    return use_home(tmp_path, monkeypatch)


def test_picked_window_is_watched_and_remembered(qapp: QApplication, home: Home) -> None:
    screen = Screen()
    with running_tray(home, list_windows=lambda: screen.windows, grab=screen.grab) as tray:
        picked = _pick(tray)
        picked.select("Zoom Meeting")
        picked.accept()
        qapp.processEvents()
        assert tray.picker is None
        assert tray.controller.target.window_title == "Zoom Meeting"
        assert load_config(home.config_path).capture.window == "Zoom Meeting"
        assert "Zoom Meeting" in tray.controller.status_text()


def _pick(tray: TrayApp) -> WindowPicker:
    tray.request_pick()
    assert tray.picker is not None and tray.picker.isVisible()
    return tray.picker
