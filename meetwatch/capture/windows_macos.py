"""macOS window discovery through Quartz (pyobjc-framework-Quartz).

Window titles are only visible to a process that has the Screen Recording permission;
without it every title is empty and nothing can match, so that case gets its own message.
Bounds are in points, the unit mss uses for its grab rectangles on macOS.
"""

from __future__ import annotations

from typing import Any

from meetwatch.capture.windows import WindowInfo, meeting_app_for
from meetwatch.errors import CaptureError

PERMISSION_HINT = (
    "macOS hides window titles from apps without the Screen Recording permission: allow "
    "meetwatch (or your terminal) in System Settings > Privacy & Security > Screen Recording."
)


class MacWindows:
    def __init__(self) -> None:
        try:
            import Quartz
        except ImportError as e:
            raise CaptureError(
                "Window capture on macOS needs pyobjc: pip install pyobjc-framework-Quartz"
            ) from e
        self._quartz: Any = Quartz

    def list_windows(self) -> list[WindowInfo]:
        q = self._quartz
        entries = q.CGWindowListCopyWindowInfo(
            q.kCGWindowListOptionAll | q.kCGWindowListExcludeDesktopElements, q.kCGNullWindowID
        )
        infos = [self._info(e) for e in entries or () if e.get(q.kCGWindowLayer, 0) == 0]
        if infos and not any(i.title for i in infos):
            raise CaptureError(PERMISSION_HINT)
        return [i for i in infos if i.title]

    def lookup(self, window_id: int) -> WindowInfo | None:
        q = self._quartz
        entries = q.CGWindowListCopyWindowInfo(q.kCGWindowListOptionIncludingWindow, window_id)
        return self._info(entries[0]) if entries else None

    def close(self) -> None:
        """Nothing is held between calls."""

    def _info(self, entry: Any) -> WindowInfo:
        q = self._quartz
        bounds = entry.get(q.kCGWindowBounds, {})
        title = str(entry.get(q.kCGWindowName) or "")
        return WindowInfo(
            id=int(entry[q.kCGWindowNumber]),
            title=title,
            app=str(entry.get(q.kCGWindowOwnerName) or ""),
            x=int(bounds.get("X", 0)),
            y=int(bounds.get("Y", 0)),
            w=int(bounds.get("Width", 0)),
            h=int(bounds.get("Height", 0)),
            visible=bool(entry.get(q.kCGWindowIsOnscreen, False)),
            meeting_app=meeting_app_for(title),
        )
