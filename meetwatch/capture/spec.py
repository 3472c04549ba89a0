"""Capture sources named by one string: what the CLI's flags, the tray's targets and the feed's
`StartSession` request all resolve through, and what each source's `describe()` gives back.

    window:TITLE        the window whose title contains TITLE ("window:" or "window:meeting":
                        the first Zoom/Teams/Meet window found)
    screen:N            monitor N (0 = all monitors together)
    region:X,Y,WxH      a screen region (X,Y,W,H also reads)
    video:FILE          a recorded meeting, analysed at its own pace

On Wayland, windows and screens are shared through the desktop portal (the user picks in the
desktop's dialog), so every driver gets the same source on the same desktop.
"""

from __future__ import annotations

import re
from pathlib import Path

from meetwatch.capture.source import FrameSource
from meetwatch.errors import CaptureError

SOURCE_FORMS = "window:TITLE, screen:N, region:X,Y,WxH or video:FILE"
_MEETING = ("", "meeting")


def open_source(spec: str, *, video_rate: float = 1.0) -> FrameSource:
    """A new, unopened source for `spec`; CaptureError names the accepted forms."""
    kind, sep, value = spec.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in ("window", "screen", "region", "video"):
        raise CaptureError(f"unknown capture source {spec!r}: use {SOURCE_FORMS}")
    if kind in ("window", "screen") and _wayland():
        from meetwatch.capture.portal_source import PortalSource

        return PortalSource()
    if kind == "window":
        from meetwatch.capture.window_source import WindowSource

        title = value.strip()
        return WindowSource() if title.lower() in _MEETING else WindowSource(title)
    if kind == "screen":
        from meetwatch.capture.screen import ScreenSource

        if not value.strip().isdigit():
            raise CaptureError(f"screen:N needs a monitor number, got {spec!r}")
        return ScreenSource(int(value))
    if kind == "region":
        from meetwatch.capture.screen import RegionSource

        numbers = re.fullmatch(r"\s*(-?\d+),(-?\d+),(\d+)[x,](\d+)\s*", value)
        if numbers is None:
            raise CaptureError(f"region:X,Y,WxH needs four whole numbers, got {spec!r}")
        x, y, w, h = (int(n) for n in numbers.groups())
        return RegionSource(x, y, w, h)
    from meetwatch.capture.files import VideoSource

    if not value:
        raise CaptureError("video:FILE needs a file name")
    return VideoSource(Path(value), rate=video_rate)


def is_portal(source: FrameSource) -> bool:
    """Whether the user picks what is shared in the desktop's dialog (Wayland)."""
    from meetwatch.capture.portal_source import PortalSource

    return isinstance(source, PortalSource)


def _wayland() -> bool:
    from meetwatch.capture.display import is_wayland

    return is_wayland()
