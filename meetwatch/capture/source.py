"""The FrameSource contract every capture input fulfils, and the bookkeeping they share."""

from __future__ import annotations

import math
from types import TracebackType
from typing import Literal, Protocol, Self, runtime_checkable

import numpy as np

from meetwatch.capture.blank import BlankWatch
from meetwatch.capture.frame import Frame

# What a frame's timestamp counts: "wall" is the time it was grabbed (seconds since 1970:
# screens, windows, the demo), "media" the position in a recording (seconds from its start),
# which the session runner maps onto the session's clock.
Timebase = Literal["wall", "media"]


@runtime_checkable
class FrameSource(Protocol):
    """open() -> read()... -> close(); usable as a context manager.

    read() returns None at the end of the stream (a video's end) and a `missing` Frame when
    the input is temporarily unavailable (a minimised window); live sources never end.
    Sources raise CaptureError for anything the user can fix.
    """

    timebase: Timebase

    def open(self) -> None: ...

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...

    def describe(self) -> str: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class SourceBase:
    """Context management and frame numbering shared by the concrete sources."""

    timebase: Timebase = "wall"

    def __init__(self) -> None:
        self._opened = False
        self._index = 0
        self._blank = BlankWatch()
        self._last_timestamp: float | None = None

    def open(self) -> None:
        if self._opened:
            raise RuntimeError(f"{self.describe()}: open() twice")
        self._open()
        self._opened = True
        self._index = 0
        self._last_timestamp = None
        self._blank.reset()

    def close(self) -> None:
        if self._opened:
            self._opened = False
            self._close()

    def describe(self) -> str:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _open(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        """Release what _open acquired; only called after a successful open."""

    def _require_open(self) -> None:
        if not self._opened:
            raise RuntimeError(f"{self.describe()}: read() before open()")

    def _frame(self, image: np.ndarray, timestamp: float, missing: bool = False) -> Frame:
        frame = Frame(image, self._sane(timestamp), self._index, self.describe(), missing)
        self._index += 1
        return frame

    def _sane(self, timestamp: float) -> float:
        """Timestamps that never go back and are always finite: a broken stream or file
        (NaN, -3.7e20, a clock stepping back) must not reach tracking and aggregation,
        whose time windows assume both. Such a frame keeps the last good time."""
        last = self._last_timestamp
        if not math.isfinite(timestamp) or (last is not None and timestamp < last):
            timestamp = 0.0 if last is None else last
        self._last_timestamp = timestamp
        return timestamp

    def _screen_frame(self, image: np.ndarray, timestamp: float) -> Frame:
        """A frame of live screen pixels: a blank one is missing, and lasting blankness (a
        window hidden from capture) raises CaptureBlocked; see capture/blank.py."""
        blank = self._blank.check(image, timestamp, f"Capture of {self.describe()}")
        return self._frame(image, timestamp, missing=blank)
