"""On Wayland the window picker cannot list windows: it says that the desktop's own dialog
picks, instead of "no windows found"."""

from __future__ import annotations

import pytest
from PyQt6.QtWidgets import QApplication

from meetwatch.capture.display import WAYLAND_PICKS
from meetwatch.qt.window_picker import WindowPicker


def test_on_wayland_the_picker_says_the_portal_picks(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    picker = WindowPicker(lambda: [], lambda r: None)
    assert picker.empty.text() == WAYLAND_PICKS
    assert "screen-sharing dialog" in WAYLAND_PICKS and "remembered" in WAYLAND_PICKS
    picker.close()


def test_on_x11_an_empty_list_says_no_windows(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    monkeypatch.setenv("DISPLAY", ":0")
    picker = WindowPicker(lambda: [], lambda r: None)
    assert picker.empty.text().startswith("No windows found")
    picker.close()
