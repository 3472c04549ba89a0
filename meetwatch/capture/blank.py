"""Blank frames: what a meeting window that is hidden from capture looks like.

Meeting apps can exclude their windows from screen capture (Windows' WDA_EXCLUDEFROMCAPTURE,
macOS's NSWindow.sharingType = none, Zoom's "screen capture protection", Teams' protected
meetings, DRM-protected video views). Every capture API then delivers black or one flat colour
instead of the window. Analysing those frames would record "no face" for everyone, so live
sources mark them missing and, once they have lasted, stop with `CaptureBlocked` naming the
likely cause. A real gallery, however dark, has faces, names and borders: it is never flat.
"""

from __future__ import annotations

import cv2
import numpy as np

from meetwatch.errors import CaptureError

# The frame is averaged down to this many cells; a picture is flat when its brightest and
# darkest cells differ by at most FLAT_RANGE grey levels (video noise and compression stay
# well under it, a face or a line of text does not).
THUMBNAIL = (32, 18)
FLAT_RANGE = 8
# Smaller images (a 1-pixel probe region) are too small to tell anything from.
MIN_JUDGED_SIDE = 64
# Blankness must last this many frames and this long before capture stops: a window that is
# being repainted, or a slide transition, is blank for a moment only.
BLOCKED_AFTER_FRAMES = 5
BLOCKED_AFTER_SECONDS = 3.0


class CaptureBlocked(CaptureError):
    """The captured window or screen gives only flat frames: its pixels are withheld."""


def is_blank(image: np.ndarray) -> bool:
    """Whether a BGR image is one flat colour (black, grey, any colour) give or take noise."""
    h, w = image.shape[:2]
    if min(h, w) < MIN_JUDGED_SIDE:
        return False
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    thumb = cv2.resize(grey, THUMBNAIL, interpolation=cv2.INTER_AREA)
    return int(thumb.max()) - int(thumb.min()) <= FLAT_RANGE


def blocked_message(what: str, seconds: float) -> str:
    return (
        f"{what} has shown only one flat colour for {seconds:.0f} s: the meeting app is "
        "probably hiding its window from screen capture (Zoom's screen capture protection, a "
        "Teams meeting with protected content, a DRM-protected view). meetwatch stops here "
        "rather than record 'no face' for everyone. Turn that protection off in the meeting "
        "app, or capture another window or screen region if this one is really empty."
    )


class BlankWatch:
    """Counts consecutive blank frames of one live source."""

    def __init__(
        self, frames: int = BLOCKED_AFTER_FRAMES, seconds: float = BLOCKED_AFTER_SECONDS
    ) -> None:
        self.frames = frames
        self.seconds = seconds
        self._count = 0
        self._since = 0.0

    def reset(self) -> None:
        self._count = 0

    def check(self, image: np.ndarray, timestamp: float, what: str) -> bool:
        """True when the frame is blank (the caller marks it missing); raises CaptureBlocked
        once blank frames have lasted `frames` frames and `seconds` seconds."""
        if not is_blank(image):
            self._count = 0
            return False
        if self._count == 0:
            self._since = timestamp
        self._count += 1
        lasted = timestamp - self._since
        if self._count >= self.frames and lasted >= self.seconds:
            raise CaptureBlocked(blocked_message(what, lasted))
        return True
