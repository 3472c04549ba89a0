"""The Windows glue (Windows.Graphics.Capture through `windows-capture`) against a fake of
that library's Python API, as published in windows-capture 2.0: `WindowsCapture(...,
window_hwnd=...)`, handlers registered with `@capture.event` by function name, frames pushed
from the library's own thread with a BGRA `frame_buffer` that is only valid during the
callback, and `start_free_threaded()` returning a control with `stop()` and `is_finished()`.

These run everywhere; the real library runs only on Windows, which these machines are not.
"""

from __future__ import annotations

import ctypes
import sys
import threading
import types
from collections.abc import Callable, Iterator
from typing import ClassVar

import cv2
import numpy as np
import pytest
import skimage.data

from meetwatch.capture import WindowInfo, WindowSource, window_source
from meetwatch.capture.pixels_win32 import GraphicsCapturePixels
from meetwatch.capture.windows_win32 import make_dpi_aware
from meetwatch.errors import CaptureError

FACE = np.ascontiguousarray(skimage.data.astronaut()[:, :, ::-1])  # the meeting window's pixels


class FakeControl:
    def __init__(self) -> None:
        self.stopped = threading.Event()
        self.finished = False

    def stop(self) -> None:
        self.stopped.set()

    def is_finished(self) -> bool:
        return self.finished or self.stopped.is_set()


class FakeFrame:
    def __init__(self, frame_buffer: np.ndarray) -> None:
        self.frame_buffer = frame_buffer
        self.height, self.width = frame_buffer.shape[:2]


class FakeWindowsCapture:
    """Delivers each window's own surface from `surfaces` (hwnd -> BGR), never the screen."""

    surfaces: ClassVar[dict[int, np.ndarray]] = {}
    started: ClassVar[list[FakeWindowsCapture]] = []

    def __init__(
        self,
        cursor_capture: bool | None = True,
        draw_border: bool | None = None,
        secondary_window: bool | None = None,
        minimum_update_interval: int | None = None,
        dirty_region: bool | None = None,
        monitor_index: int | None = None,
        window_name: str | None = None,
        window_hwnd: int | None = None,
    ) -> None:
        self.cursor_capture = cursor_capture
        self.minimum_update_interval = minimum_update_interval
        self.window_hwnd = window_hwnd
        self.monitor_index = monitor_index
        self.handlers: dict[str, Callable[..., None]] = {}
        self.control = FakeControl()

    def event(self, handler: Callable[..., None]) -> Callable[..., None]:
        if handler.__name__ not in ("on_frame_arrived", "on_closed"):
            raise ValueError("Invalid Event Handler Use on_frame_arrived Or on_closed")
        self.handlers[handler.__name__] = handler
        return handler

    def start_free_threaded(self) -> FakeControl:
        if set(self.handlers) != {"on_frame_arrived", "on_closed"}:
            raise RuntimeError("on_frame_arrived Event Handler Is Not Set")
        FakeWindowsCapture.started.append(self)
        surface = self.surfaces.get(self.window_hwnd or 0)
        if surface is not None:
            threading.Thread(target=self._deliver, args=(surface,), daemon=True).start()
        return self.control

    def _deliver(self, surface: np.ndarray) -> None:
        buffer = cv2.cvtColor(surface, cv2.COLOR_BGR2BGRA)
        self.handlers["on_frame_arrived"](FakeFrame(buffer), None)
        buffer[:] = 0  # the library reuses its mapped buffer once the callback returns


@pytest.fixture
def library() -> Iterator[types.ModuleType]:
    module = types.ModuleType("windows_capture")
    module.WindowsCapture = FakeWindowsCapture  # type: ignore[attr-defined]
    FakeWindowsCapture.surfaces = {}
    FakeWindowsCapture.started = []
    yield module


def _window(hwnd: int, visible: bool = True) -> WindowInfo:
    return WindowInfo(hwnd, "Zoom Meeting", "Zoom", 100, 100, 512, 512, visible, "zoom")


def test_the_window_s_own_pixels_are_captured_by_handle(library: types.ModuleType) -> None:
    FakeWindowsCapture.surfaces = {42: FACE}
    pixels = GraphicsCapturePixels(library)
    image = pixels.grab(_window(42))
    pixels.close()
    assert image is not None and np.array_equal(image, FACE)  # a copy: the buffer was reused
    (capture,) = FakeWindowsCapture.started
    assert (capture.window_hwnd, capture.monitor_index, capture.cursor_capture) == (42, None, False)
    assert capture.minimum_update_interval and capture.minimum_update_interval >= 100
    assert capture.control.stopped.is_set()


def test_another_window_restarts_the_capture(library: types.ModuleType) -> None:
    FakeWindowsCapture.surfaces = {1: FACE, 2: FACE[:, ::-1].copy()}
    pixels = GraphicsCapturePixels(library)
    first, second = pixels.grab(_window(1)), pixels.grab(_window(2))
    assert first is not None and second is not None and np.array_equal(second, FACE[:, ::-1])
    old, new = FakeWindowsCapture.started
    assert old.control.stopped.is_set() and not new.control.stopped.is_set()
    assert pixels.grab(_window(2)) is not None and len(FakeWindowsCapture.started) == 2


def test_no_frame_in_time_gives_none_and_a_finished_capture_restarts(
    library: types.ModuleType,
) -> None:
    pixels = GraphicsCapturePixels(library, first_frame_timeout=0.05)
    assert pixels.grab(_window(7)) is None  # nothing drawn yet
    FakeWindowsCapture.started[-1].control.finished = True  # the window was recreated
    FakeWindowsCapture.surfaces = {7: FACE}
    image = pixels.grab(_window(7))
    assert image is not None and np.array_equal(image, FACE)
    assert len(FakeWindowsCapture.started) == 2


def test_without_the_library_the_message_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "windows_capture", None)  # import fails
    with pytest.raises(CaptureError, match="pip install windows-capture"):
        GraphicsCapturePixels()


class FakeBackend:
    """Win32Windows as WindowSource sees it: the window, minimised when `visible` is False."""

    def __init__(self, window: WindowInfo) -> None:
        self.window = window

    def list_windows(self) -> list[WindowInfo]:
        return [self.window]

    def lookup(self, window_id: int) -> WindowInfo | None:
        return self.window if window_id == self.window.id else None

    def close(self) -> None:
        pass


def test_covered_then_minimised_then_restored_window(
    library: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Covered: still the window's own pixels; minimised: missing frames (Graphics Capture
    keeps its last picture, which must not be analysed as live); restored: pixels again."""
    FakeWindowsCapture.surfaces = {5: FACE}
    backend = FakeBackend(_window(5))
    pixels = GraphicsCapturePixels(library)
    monkeypatch.setattr(window_source, "open_backend", lambda: backend)
    monkeypatch.setattr(window_source, "open_window_pixels", lambda: pixels)
    with WindowSource("Zoom Meeting") as source:
        covered = source.read()
        backend.window = _window(5, visible=False)
        minimised = [source.read(), source.read()]
        backend.window = _window(5)
        restored = source.read()
    assert not covered.missing and np.array_equal(covered.image, FACE)
    assert all(f.missing and f.image.max() == 0 for f in minimised)
    assert not restored.missing and np.array_equal(restored.image, FACE)


class OldUser32:
    """user32 before Windows 10 1703: no SetProcessDpiAwarenessContext."""

    def __init__(self) -> None:
        self.calls: list[object] = []

    def SetProcessDPIAware(self) -> int:
        self.calls.append("system aware")
        return 1


class User32(OldUser32):
    def SetProcessDpiAwarenessContext(self, context: ctypes.c_void_p) -> int:
        self.calls.append(context.value)
        return 1


def test_per_monitor_dpi_awareness_v2_is_asked_for_first() -> None:
    user32 = User32()
    make_dpi_aware(user32)
    minus_four = (1 << (8 * ctypes.sizeof(ctypes.c_void_p))) - 4  # (HANDLE)-4 as a pointer
    assert user32.calls == [minus_four]  # DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2


def test_older_windows_fall_back_to_system_dpi_awareness(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(ctypes, "WinDLL", raising=False)  # and no shcore either
    user32 = OldUser32()
    make_dpi_aware(user32)
    assert user32.calls == ["system aware"]
