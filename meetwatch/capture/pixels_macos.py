"""macOS: a window's own pixels through ScreenCaptureKit (pyobjc).

mss copies the screen with CoreGraphics calls that macOS 15 deprecates (and warns about on
every grab) and that show whatever covers the window. ScreenCaptureKit's screenshot call
(macOS 14+) renders one window by itself, covered or not, at the display's pixel scale.

Nothing can be captured without the Screen Recording permission, and macOS does not say so:
it hands out empty pictures. So the permission is checked before anything else, and asked
for (macOS then lists meetwatch in System Settings) with a message that says where to
grant it.
"""

from __future__ import annotations

import logging
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from meetwatch.capture.windows import WindowInfo
from meetwatch.errors import CaptureError

if TYPE_CHECKING:
    from meetwatch.capture.window_pixels import WindowPixels

log = logging.getLogger(__name__)

PERMISSION_MESSAGE = (
    "meetwatch may not record the screen yet. Allow it (or the terminal you run it from) in "
    "System Settings > Privacy & Security > Screen Recording (on macOS 15: Screen & System "
    "Audio Recording), then quit and reopen it: macOS applies the permission at start."
)
_BGRA = 0x42475241  # kCVPixelFormatType_32BGRA, 'BGRA'
_CALL_TIMEOUT_S = 5.0
_LIST_WINDOWS = "getShareableContentExcludingDesktopWindows_onScreenWindowsOnly_completionHandler_"


def _import(name: str) -> ModuleType:
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise CaptureError(
            f"Window capture on macOS needs pyobjc's {name} bindings: "
            f"pip install pyobjc-framework-{name}"
        ) from e


def ensure_screen_recording_permission(quartz: Any) -> None:
    """Raise CaptureError naming where to grant the permission when it is missing."""
    if quartz.CGPreflightScreenCaptureAccess():
        return
    quartz.CGRequestScreenCaptureAccess()  # shows macOS's prompt once and lists the app
    raise CaptureError(PERMISSION_MESSAGE)


def _call(start: Any, what: str) -> Any:
    """Run a ScreenCaptureKit call that answers through a completion handler (on one of its
    own queues) and wait for the answer."""
    done = threading.Event()
    answer: list[Any] = [None, None]

    def handler(result: Any, error: Any) -> None:
        answer[0], answer[1] = result, error
        done.set()

    start(handler)
    if not done.wait(_CALL_TIMEOUT_S):
        raise CaptureError(f"ScreenCaptureKit did not answer ({what})")
    if answer[1] is not None:
        raise CaptureError(f"ScreenCaptureKit could not {what}: {answer[1]}")
    return answer[0]


class ScreenCaptureKitPixels:
    """One screenshot of the window per read; the content filter is kept per window."""

    def __init__(self, sck: ModuleType | None = None, quartz: ModuleType | None = None) -> None:
        self._quartz: Any = quartz or _import("Quartz")
        ensure_screen_recording_permission(self._quartz)
        self._sck: Any = sck or _import("ScreenCaptureKit")
        self._filter: Any = None
        self._window_id: int | None = None

    @staticmethod
    def available(sck: ModuleType) -> bool:
        """SCScreenshotManager arrived with macOS 14."""
        return hasattr(sck, "SCScreenshotManager")

    def grab(self, window: WindowInfo) -> np.ndarray | None:
        if window.id != self._window_id:
            self._filter = self._filter_for(window.id)
            self._window_id = window.id if self._filter is not None else None
        if self._filter is None:
            return None
        config = self._sck.SCStreamConfiguration.alloc().init()
        scale = float(self._filter.pointPixelScale())
        config.setWidth_(max(1, round(window.w * scale)))
        config.setHeight_(max(1, round(window.h * scale)))
        config.setPixelFormat_(_BGRA)
        config.setShowsCursor_(False)
        manager = self._sck.SCScreenshotManager
        try:
            image = _call(
                lambda h: manager.captureImageWithFilter_configuration_completionHandler_(
                    self._filter, config, h
                ),
                "capture the window",
            )
        except CaptureError as e:  # the window went away between lookup and capture
            log.info("%s", e)
            self._window_id = None
            return None
        return self._to_bgr(image)

    def close(self) -> None:
        self._filter, self._window_id = None, None

    def _filter_for(self, window_id: int) -> Any:
        list_windows = getattr(self._sck.SCShareableContent, _LIST_WINDOWS)
        # onScreenWindowsOnly=False: a window covered by others still counts
        content = _call(lambda h: list_windows(True, False, h), "list the shareable windows")
        for candidate in content.windows():
            if int(candidate.windowID()) == window_id:
                return self._sck.SCContentFilter.alloc().initWithDesktopIndependentWindow_(
                    candidate
                )
        return None

    def _to_bgr(self, image: Any) -> np.ndarray | None:
        q = self._quartz
        if image is None:
            return None
        width, height = int(q.CGImageGetWidth(image)), int(q.CGImageGetHeight(image))
        row = int(q.CGImageGetBytesPerRow(image))
        data = bytes(q.CGDataProviderCopyData(q.CGImageGetDataProvider(image)))
        pixels = np.frombuffer(data, np.uint8, count=row * height).reshape(height, row)
        bgra = pixels[:, : width * 4].reshape(height, width, 4)
        return cv2.cvtColor(bgra, cv2.COLOR_BGRA2BGR)


def open_macos_pixels() -> WindowPixels:
    """ScreenCaptureKit on macOS 14+; the screen under the window (mss) before that."""
    quartz, sck = _import("Quartz"), _import("ScreenCaptureKit")
    if ScreenCaptureKitPixels.available(sck):
        return ScreenCaptureKitPixels(sck, quartz)
    ensure_screen_recording_permission(quartz)
    from meetwatch.capture.window_pixels import ScreenPixels

    log.warning("macOS before 14: capturing the screen under the window instead")
    return ScreenPixels()
