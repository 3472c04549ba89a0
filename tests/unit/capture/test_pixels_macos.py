"""The macOS glue (ScreenCaptureKit and Quartz through pyobjc) against fakes of the calls it
makes: the permission check, SCShareableContent's window list and SCScreenshotManager's
one-window screenshot, whose completion handlers run on another thread as on macOS, and the
CGImage accessors. These run everywhere; the real frameworks run only on macOS, which these
machines are not.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest
import skimage.data

from meetwatch.capture import WindowInfo
from meetwatch.capture.pixels_macos import ScreenCaptureKitPixels
from meetwatch.errors import CaptureError

FACE = np.ascontiguousarray(skimage.data.astronaut()[:, :, ::-1])
ROW_PADDING = 64  # CGImages pad their rows


def _later(handler: Callable[[Any, Any], None], *answer: Any) -> None:
    threading.Thread(target=handler, args=answer, daemon=True).start()


class CGImage:
    def __init__(self, bgr: np.ndarray) -> None:
        h, w = bgr.shape[:2]
        rows = np.zeros((h, w * 4 + ROW_PADDING), np.uint8)
        rows[:, : w * 4] = cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA).reshape(h, w * 4)
        self.width, self.height, self.row, self.data = w, h, w * 4 + ROW_PADDING, rows.tobytes()


def _quartz(permitted: bool) -> types.ModuleType:
    q = types.ModuleType("Quartz")
    q.asked = []  # type: ignore[attr-defined]
    q.CGPreflightScreenCaptureAccess = lambda: permitted  # type: ignore[attr-defined]
    q.CGRequestScreenCaptureAccess = lambda: q.asked.append(True)  # type: ignore[attr-defined]
    q.CGImageGetWidth = lambda image: image.width  # type: ignore[attr-defined]
    q.CGImageGetHeight = lambda image: image.height  # type: ignore[attr-defined]
    q.CGImageGetBytesPerRow = lambda image: image.row  # type: ignore[attr-defined]
    q.CGImageGetDataProvider = lambda image: image  # type: ignore[attr-defined]
    q.CGDataProviderCopyData = lambda provider: provider.data  # type: ignore[attr-defined]
    return q


class SCWindow:
    def __init__(self, window_id: int) -> None:
        self._id = window_id

    def windowID(self) -> int:
        return self._id


class Desktop:
    """What the fake ScreenCaptureKit renders: each window's own content at 2x (Retina)."""

    def __init__(self) -> None:
        self.windows: dict[int, np.ndarray] = {}
        self.listed = 0
        self.fail_next_capture = False


def _screencapturekit(desktop: Desktop) -> types.ModuleType:
    sck = types.ModuleType("ScreenCaptureKit")

    class Content:
        def windows(self) -> list[SCWindow]:
            return [SCWindow(i) for i in desktop.windows]

    class SCShareableContent:
        @staticmethod
        def getShareableContentExcludingDesktopWindows_onScreenWindowsOnly_completionHandler_(
            exclude_desktop: bool, on_screen_only: bool, handler: Callable[[Any, Any], None]
        ) -> None:
            assert not on_screen_only, "covered windows must be listed too"
            desktop.listed += 1
            _later(handler, Content(), None)

    class SCContentFilter:
        @classmethod
        def alloc(cls) -> SCContentFilter:
            return cls()

        def initWithDesktopIndependentWindow_(self, window: SCWindow) -> SCContentFilter:
            self.window_id = window.windowID()
            return self

        def pointPixelScale(self) -> float:
            return 2.0

    class SCStreamConfiguration:
        @classmethod
        def alloc(cls) -> SCStreamConfiguration:
            return cls()

        def init(self) -> SCStreamConfiguration:
            return self

        def setWidth_(self, width: int) -> None:
            self.width = width

        def setHeight_(self, height: int) -> None:
            self.height = height

        def setPixelFormat_(self, fmt: int) -> None:
            assert fmt == 0x42475241  # BGRA

        def setShowsCursor_(self, shows: bool) -> None:
            assert not shows

    class SCScreenshotManager:
        @staticmethod
        def captureImageWithFilter_configuration_completionHandler_(
            content_filter: SCContentFilter,
            config: SCStreamConfiguration,
            handler: Callable[[Any, Any], None],
        ) -> None:
            if desktop.fail_next_capture or content_filter.window_id not in desktop.windows:
                desktop.fail_next_capture = False
                _later(handler, None, "SCStreamErrorDomain -3815: the window is gone")
                return
            own = desktop.windows[content_filter.window_id]
            _later(handler, CGImage(cv2.resize(own, (config.width, config.height))), None)

    for cls in (SCShareableContent, SCContentFilter, SCStreamConfiguration, SCScreenshotManager):
        setattr(sck, cls.__name__, cls)
    return sck


def _window(window_id: int, w: int = 256, h: int = 256) -> WindowInfo:
    return WindowInfo(window_id, "Zoom Meeting", "zoom.us", 40, 60, w, h, True, "zoom")


def test_missing_permission_is_asked_for_and_explained() -> None:
    quartz = _quartz(permitted=False)
    with pytest.raises(CaptureError) as info:
        ScreenCaptureKitPixels(_screencapturekit(Desktop()), quartz)
    assert "Privacy & Security > Screen Recording" in str(info.value)
    assert "Screen & System Audio Recording" in str(info.value)
    assert quartz.asked == [True]  # type: ignore[attr-defined]


def test_the_window_is_captured_by_itself_at_retina_scale() -> None:
    desktop = Desktop()
    desktop.windows = {7: FACE, 8: np.zeros_like(FACE)}
    pixels = ScreenCaptureKitPixels(_screencapturekit(desktop), _quartz(permitted=True))
    image = pixels.grab(_window(7))  # 256x256 points, 512x512 pixels
    assert image is not None and image.shape == FACE.shape
    assert np.array_equal(image, FACE)  # row padding stripped, BGRA -> BGR
    assert pixels.grab(_window(7)) is not None and desktop.listed == 1  # the filter is kept


def test_a_vanished_window_gives_none_and_is_looked_up_again() -> None:
    desktop = Desktop()
    desktop.windows = {7: FACE}
    pixels = ScreenCaptureKitPixels(_screencapturekit(desktop), _quartz(permitted=True))
    assert pixels.grab(_window(9)) is None  # not shareable: nothing to give
    desktop.fail_next_capture = True
    assert pixels.grab(_window(7)) is None
    listed = desktop.listed
    assert pixels.grab(_window(7)) is not None and desktop.listed == listed + 1


def test_without_pyobjc_the_message_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "Quartz", None)
    with pytest.raises(CaptureError, match="pip install pyobjc-framework-Quartz"):
        ScreenCaptureKitPixels()
