"""Window discovery: which windows exist, where they are, and which one is the meeting.

One small backend per platform (X11, Windows, macOS) behind `WindowBackend`, imported lazily
so that a missing platform library only matters on the platform that needs it. Meeting
windows are recognised by title presets because that is the only thing all three platforms
expose the same way.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Literal, Protocol

from meetwatch.errors import CaptureError
from meetwatch.geometry import Rect

MeetingApp = Literal["zoom", "teams", "meet"]

# Ordered most-specific first; matched with re.search against the window title.
MEETING_TITLE_PRESETS: dict[MeetingApp, tuple[re.Pattern[str], ...]] = {
    "zoom": (
        re.compile(r"^Zoom Meeting\b"),
        re.compile(r"^Zoom Webinar\b"),
        re.compile(r"^Zoom Workplace\b"),
        re.compile(r"^Zoom$"),
    ),
    "teams": (
        re.compile(r"\|\s*Microsoft Teams"),
        re.compile(r"^Meeting (in|with) "),
        re.compile(r"^Microsoft Teams\b"),
    ),
    "meet": (
        re.compile(r"^Meet\s*[-–—]\s"),  # Chrome/Edge/Firefox tab title "Meet - abc-defg-hij"
        re.compile(r"meet\.google\.com"),
        re.compile(r"\bGoogle Meet\b"),
    ),
}


def meeting_app_for(title: str) -> MeetingApp | None:
    """The meeting app a window title belongs to, by the presets above."""
    for app, patterns in MEETING_TITLE_PRESETS.items():
        if any(p.search(title) for p in patterns):
            return app
    return None


@dataclass(frozen=True)
class WindowInfo:
    """A top-level window. x, y are absolute screen coordinates of its content area.

    `visible` is False when the window is minimised or unmapped; a window that is mapped but
    moved off-screen is still `visible` (compare `rect` with the screen for that).
    """

    id: int
    title: str
    app: str
    x: int
    y: int
    w: int
    h: int
    visible: bool
    meeting_app: MeetingApp | None = None

    @property
    def rect(self) -> Rect:
        return Rect(self.x, self.y, self.w, self.h)

    def describe(self) -> str:
        state = "" if self.visible else ", hidden"
        return f"{self.title!r} ({self.app or '?'}, {self.w}x{self.h} at {self.x},{self.y}{state})"


class WindowBackend(Protocol):
    def list_windows(self) -> list[WindowInfo]:
        """Top-level windows that have a title, in stacking or creation order."""
        ...

    def lookup(self, window_id: int) -> WindowInfo | None:
        """Current state of one window; None once it no longer exists."""
        ...

    def close(self) -> None: ...


def open_backend() -> WindowBackend:
    """The window backend for this platform; raises CaptureError when it cannot work here."""
    if sys.platform == "win32":
        from meetwatch.capture.windows_win32 import Win32Windows

        return Win32Windows()
    if sys.platform == "darwin":
        from meetwatch.capture.windows_macos import MacWindows

        return MacWindows()
    from meetwatch.capture.windows_x11 import X11Windows

    return X11Windows()


def list_windows() -> list[WindowInfo]:
    """All titled top-level windows on this desktop."""
    backend = open_backend()
    try:
        return backend.list_windows()
    finally:
        backend.close()


TitlePattern = str | re.Pattern[str]


def parse_title_pattern(text: str) -> TitlePattern:
    """How users write patterns (CLI, config): plain text is a case-insensitive substring;
    text wrapped in slashes, like /^Meet - .*Chrome$/, is a case-insensitive regex."""
    if len(text) > 2 and text.startswith("/") and text.endswith("/"):
        try:
            return re.compile(text[1:-1], re.IGNORECASE)
        except re.error as e:
            raise CaptureError(f"Invalid window title regex {text}: {e}") from e
    return text


def title_matches(title: str, pattern: TitlePattern) -> bool:
    """A str matches as a case-insensitive substring (so "| Microsoft Teams" means what it
    says); pass a compiled regex for anything fancier."""
    if isinstance(pattern, re.Pattern):
        return pattern.search(title) is not None
    return pattern.casefold() in title.casefold()


def find_windows(
    windows: list[WindowInfo],
    title: TitlePattern | None = None,
    meeting_app: MeetingApp | None = None,
) -> list[WindowInfo]:
    """Windows matching a title pattern and/or meeting app, best candidate first.

    Visible beats hidden and larger beats smaller, because a meeting app's main gallery is
    its largest window while its chat and toolbars are small ones with similar titles.
    """
    found = [
        w
        for w in windows
        if (title is None or title_matches(w.title, title))
        and (meeting_app is None or w.meeting_app == meeting_app)
    ]
    return sorted(found, key=lambda w: (w.visible, w.w * w.h), reverse=True)
