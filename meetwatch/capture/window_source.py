"""Capture one window, found by title, wherever it goes.

The window's geometry is looked up again on every read because meeting apps move, resize
and minimise during a call. A window that cannot be seen yields `missing` frames so the
session's timeline keeps going, and capture resumes by itself when the window returns.
"""

from __future__ import annotations

import re

import numpy as np

from meetwatch.capture.frame import Frame
from meetwatch.capture.source import SourceBase
from meetwatch.capture.window_pixels import WindowPixels, open_window_pixels
from meetwatch.capture.windows import (
    MeetingApp,
    TitlePattern,
    WindowBackend,
    WindowInfo,
    find_windows,
    open_backend,
)
from meetwatch.errors import CaptureError
from meetwatch.runtime.clock import Clock, SystemClock

_LISTED_IN_ERRORS = 25


class WindowSource(SourceBase):
    """The content of the best window matching `title_pattern` and/or `meeting_app`.

    With neither given, the first window recognised as a Zoom/Teams/Meet meeting is used.
    A str pattern matches as a case-insensitive substring; pass re.compile(...) for a regex.
    """

    def __init__(
        self,
        title_pattern: TitlePattern | None = None,
        *,
        meeting_app: MeetingApp | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self.title_pattern = title_pattern
        self.meeting_app = meeting_app
        self._clock = clock or SystemClock()
        self._backend: WindowBackend | None = None
        self._pixels: WindowPixels | None = None
        self._window: WindowInfo | None = None
        self._last_size = (1, 1)

    @property
    def window(self) -> WindowInfo | None:
        """Where the captured window was at the last read (for overlays that follow it)."""
        return self._window

    def describe(self) -> str:
        if self.title_pattern is None:
            return f"window:{self.meeting_app or 'meeting'}"
        pattern = self.title_pattern
        return f"window:{pattern.pattern if isinstance(pattern, re.Pattern) else pattern}"

    def read(self) -> Frame:
        self._require_open()
        assert self._backend is not None and self._pixels is not None
        now = self._clock.now()
        info = self._locate(self._backend)
        image = None
        if info is not None and info.visible:  # minimised: missing, never stale pixels
            image = self._pixels.grab(info)
        if image is None:
            w, h = self._last_size
            return self._frame(np.zeros((h, w, 3), np.uint8), now, missing=True)
        self._last_size = (image.shape[1], image.shape[0])
        return self._screen_frame(image, now)

    def _open(self) -> None:
        backend = open_backend()
        try:
            windows = backend.list_windows()
            found = self._matching(windows)
            if not found:
                raise CaptureError(self._no_match_message(windows))
            self._pixels = open_window_pixels()
        except BaseException:
            backend.close()
            raise
        self._backend, self._window = backend, found[0]
        self._last_size = (1, 1)

    def _close(self) -> None:
        assert self._backend is not None and self._pixels is not None
        self._pixels.close()
        self._backend.close()
        self._backend = self._pixels = None

    def _locate(self, backend: WindowBackend) -> WindowInfo | None:
        """The window's current state, or the best match by title again when it was destroyed
        (apps recreate their meeting window, e.g. when leaving full screen) or its title no
        longer matches (a browser switched away from the Meet tab; X reused the window id)."""
        assert self._window is not None
        info = backend.lookup(self._window.id)
        if info is None or not self._matching([info]):
            found = self._matching(backend.list_windows())
            info = found[0] if found else None
        if info is not None:
            self._window = info
        return info

    def _matching(self, windows: list[WindowInfo]) -> list[WindowInfo]:
        found = find_windows(windows, self.title_pattern, self.meeting_app)
        if self.title_pattern is None and self.meeting_app is None:
            found = [w for w in found if w.meeting_app is not None]
        return found

    def _no_match_message(self, windows: list[WindowInfo]) -> str:
        wanted = self.describe().removeprefix("window:")
        if not windows:
            return f"No window matches {wanted!r}, and no window with a title is open."
        listed = "\n  ".join(w.describe() for w in windows[:_LISTED_IN_ERRORS])
        more = len(windows) - _LISTED_IN_ERRORS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        return f"No window matches {wanted!r}. Open windows:\n  {listed}{tail}"
