"""Where a window's pixels come from, per platform.

On X11 the screen is copied under the window's rectangle (mss): X has no per-window buffer
without a compositor, and a covered window is covered in the copy too. Windows and macOS
give the window's own pixels (Windows.Graphics.Capture, ScreenCaptureKit), so a meeting window
partly covered by another window is still analysed as it is.
"""

from __future__ import annotations

import sys
from typing import Protocol

import numpy as np

from meetwatch.capture.screen import ScreenGrabber
from meetwatch.capture.windows import WindowInfo


class WindowPixels(Protocol):
    def grab(self, window: WindowInfo) -> np.ndarray | None:
        """BGR pixels of the (visible) window; None when there are none to give (yet)."""
        ...

    def close(self) -> None: ...


class ScreenPixels:
    """The screen under the window's rectangle (X11)."""

    def __init__(self) -> None:
        self._grabber = ScreenGrabber()

    def grab(self, window: WindowInfo) -> np.ndarray | None:
        return self._grabber.grab(window.rect)

    def close(self) -> None:
        self._grabber.close()


def open_window_pixels() -> WindowPixels:
    """This platform's way to a window's pixels; raises CaptureError when it cannot work."""
    if sys.platform == "win32":
        from meetwatch.capture.pixels_win32 import GraphicsCapturePixels

        return GraphicsCapturePixels()
    if sys.platform == "darwin":
        from meetwatch.capture.pixels_macos import open_macos_pixels

        return open_macos_pixels()
    return ScreenPixels()
