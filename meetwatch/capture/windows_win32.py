"""Windows window discovery through user32/dwmapi with ctypes (no pywin32 needed).

Coordinates are physical pixels: the process is made per-monitor DPI-aware (v2), so a window
on a 150 % monitor next to a 100 % one reports its real pixel size on both, matching what
Graphics Capture delivers. Bounds come from DWM's extended frame, which excludes the
invisible resize border that GetWindowRect includes on Windows 10+.
"""

from __future__ import annotations

import ctypes
from ctypes import wintypes
from pathlib import Path
from typing import Any

from meetwatch.capture.windows import WindowInfo, meeting_app_for

_DWMWA_EXTENDED_FRAME_BOUNDS = 9
_DWMWA_CLOAKED = 14
_PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
_PER_MONITOR_AWARE_V2 = -4  # DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2 (Windows 10 1703+)
_PROCESS_PER_MONITOR_DPI_AWARE = 2  # shcore's PROCESS_PER_MONITOR_DPI_AWARE (Windows 8.1+)


class Win32Windows:
    def __init__(self) -> None:
        self._user32 = ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined]
        self._dwm = ctypes.WinDLL("dwmapi")  # type: ignore[attr-defined]
        self._kernel32 = ctypes.WinDLL(  # type: ignore[attr-defined]
            "kernel32", use_last_error=True
        )
        self._kernel32.OpenProcess.restype = wintypes.HANDLE  # default int would truncate
        make_dpi_aware(self._user32)

    def list_windows(self) -> list[WindowInfo]:
        handles: list[int] = []
        callback_type = ctypes.WINFUNCTYPE(  # type: ignore[attr-defined]
            wintypes.BOOL, wintypes.HWND, wintypes.LPARAM
        )

        def collect(hwnd: int, _: int) -> bool:
            if self._user32.IsWindowVisible(hwnd):
                handles.append(hwnd)
            return True

        self._user32.EnumWindows(callback_type(collect), 0)
        infos = (self.lookup(h) for h in handles)
        return [i for i in infos if i is not None and i.title]

    def lookup(self, window_id: int) -> WindowInfo | None:
        hwnd = wintypes.HWND(window_id)
        if not self._user32.IsWindow(hwnd):
            return None
        length = self._user32.GetWindowTextLengthW(hwnd)
        buffer = ctypes.create_unicode_buffer(length + 1)
        self._user32.GetWindowTextW(hwnd, buffer, length + 1)
        rect = wintypes.RECT()
        if self._dwm.DwmGetWindowAttribute(
            hwnd, _DWMWA_EXTENDED_FRAME_BOUNDS, ctypes.byref(rect), ctypes.sizeof(rect)
        ):
            self._user32.GetWindowRect(hwnd, ctypes.byref(rect))
        cloaked = wintypes.DWORD(0)
        self._dwm.DwmGetWindowAttribute(
            hwnd, _DWMWA_CLOAKED, ctypes.byref(cloaked), ctypes.sizeof(cloaked)
        )
        visible = (
            bool(self._user32.IsWindowVisible(hwnd))
            and not self._user32.IsIconic(hwnd)
            and not cloaked.value
        )
        title = buffer.value
        return WindowInfo(
            id=int(window_id),
            title=title,
            app=self._process_name(hwnd),
            x=rect.left,
            y=rect.top,
            w=max(0, rect.right - rect.left),
            h=max(0, rect.bottom - rect.top),
            visible=visible,
            meeting_app=meeting_app_for(title),
        )

    def close(self) -> None:
        """Nothing is held between calls."""

    def _process_name(self, hwnd: wintypes.HWND) -> str:
        pid = wintypes.DWORD()
        self._user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        process = self._kernel32.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not process:
            return ""
        try:
            size = wintypes.DWORD(1024)
            buffer = ctypes.create_unicode_buffer(size.value)
            if not self._kernel32.QueryFullProcessImageNameW(
                process, 0, buffer, ctypes.byref(size)
            ):
                return ""
            return Path(buffer.value).stem
        finally:
            self._kernel32.CloseHandle(process)


def make_dpi_aware(user32: Any) -> None:
    """Per-monitor DPI awareness, falling back to what older Windows versions have. A call
    that fails because awareness was already set (by mss or Qt) is fine: it stays set."""
    try:
        if user32.SetProcessDpiAwarenessContext(ctypes.c_void_p(_PER_MONITOR_AWARE_V2)):
            return
    except AttributeError:  # before Windows 10 1703
        pass
    try:
        shcore = ctypes.WinDLL("shcore")  # type: ignore[attr-defined]
        shcore.SetProcessDpiAwareness(_PROCESS_PER_MONITOR_DPI_AWARE)
    except (OSError, AttributeError):  # before Windows 8.1
        user32.SetProcessDPIAware()
