"""Windows: a window's own pixels through Windows.Graphics.Capture (`windows-capture`).

Unlike copying the desktop (mss), Graphics Capture reads the window's own surface from the
compositor, so a meeting window partly covered by another one is analysed as it really is.
The library pushes a frame whenever the window's content changes, on its own thread; the
newest one is kept (as a BGR copy, since the library's buffer is only valid during the
callback) and handed out on each read. Frames are in physical pixels at any DPI.

A minimised window delivers no new frames, so WindowSource asks the window backend first
and gives missing frames then, instead of the last picture before minimising.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

import cv2
import numpy as np

from meetwatch.capture.windows import WindowInfo
from meetwatch.errors import CaptureError

FIRST_FRAME_TIMEOUT_S = 2.0
# The window's content is wanted at about the analysis rate, not at 60 Hz.
MIN_UPDATE_INTERVAL_MS = 200


def _import_windows_capture() -> ModuleType:
    try:
        import windows_capture
    except ImportError as e:
        raise CaptureError(
            "Window capture on Windows needs the windows-capture package "
            "(pip install windows-capture; Windows 10 1903 or newer)"
        ) from e
    return windows_capture


class GraphicsCapturePixels:
    """One Graphics Capture session, on the window that was last asked for."""

    def __init__(
        self, library: ModuleType | None = None, first_frame_timeout: float = FIRST_FRAME_TIMEOUT_S
    ) -> None:
        self._library: Any = library or _import_windows_capture()
        self._timeout = first_frame_timeout
        self._lock = threading.Lock()
        self._latest: np.ndarray | None = None
        self._arrived = threading.Event()
        self._control: Any = None
        self._hwnd: int | None = None

    def grab(self, window: WindowInfo) -> np.ndarray | None:
        if window.id != self._hwnd or self._control is None or self._control.is_finished():
            self._start(window.id)  # a new window, or the capture ended (window recreated)
        if not self._arrived.wait(self._timeout):
            return None
        with self._lock:
            return self._latest

    def close(self) -> None:
        self._stop()

    def _start(self, hwnd: int) -> None:
        self._stop()
        capture = self._library.WindowsCapture(
            cursor_capture=False,
            minimum_update_interval=MIN_UPDATE_INTERVAL_MS,
            window_hwnd=hwnd,
        )

        def on_frame_arrived(frame: Any, control: Any) -> None:
            bgr = cv2.cvtColor(np.asarray(frame.frame_buffer), cv2.COLOR_BGRA2BGR)  # a copy
            with self._lock:
                self._latest = bgr
            self._arrived.set()

        def on_closed() -> None:
            """The window is gone; the next read looks it up again by title."""

        capture.event(on_frame_arrived)
        capture.event(on_closed)
        try:
            self._control = capture.start_free_threaded()
        except Exception as e:  # the library raises its own errors for an unusable window
            raise CaptureError(f"Windows Graphics Capture could not start: {e}") from e
        self._hwnd = hwnd

    def _stop(self) -> None:
        if self._control is not None:
            self._control.stop()
        self._control, self._hwnd = None, None
        self._arrived.clear()
        with self._lock:
            self._latest = None
