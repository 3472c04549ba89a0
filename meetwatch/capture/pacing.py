"""Capture at a steady rate (default 1 Hz, plenty for a meeting) without drift.

Ticks sit on an absolute grid (start, start + 1/rate, ...) rather than "sleep 1/rate after
each grab", so the time spent grabbing never accumulates into drift. After an overrun the
missed ticks are skipped, not replayed in a burst: live video wants the newest frame.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator

from meetwatch.capture.frame import Frame
from meetwatch.capture.source import FrameSource
from meetwatch.errors import CaptureError
from meetwatch.runtime.clock import Clock


class MonotonicClock:
    """Pacing needs a clock that never jumps (wall-clock time can, e.g. on NTP sync)."""

    def now(self) -> float:
        return time.monotonic()


class Pacer:
    """`wait()` blocks until the next tick.

    `sleep` may return early (pass `stop_event.wait` to make pacing interruptible); the
    caller then checks its stop condition, and the next wait() still targets the grid.
    """

    def __init__(
        self,
        rate_hz: float = 1.0,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        if not rate_hz > 0 or math.isinf(rate_hz):
            raise CaptureError(f"Capture rate must be a positive number of Hz, got {rate_hz}")
        self.period = 1.0 / rate_hz
        self._clock = clock or MonotonicClock()
        self._sleep = sleep
        self._next: float | None = None
        self.skipped = 0  # ticks missed because the work overran

    def wait(self) -> float:
        """Wait for the next tick and return its scheduled time; the first tick is now."""
        now = self._clock.now()
        if self._next is None:
            self._next = now
        elif now < self._next:
            self._sleep(self._next - now)
        else:
            missed = math.floor((now - self._next) / self.period)
            self._next += missed * self.period
            self.skipped += missed
        tick = self._next
        self._next += self.period
        return tick


def iter_frames(
    source: FrameSource, pacer: Pacer | None = None, stop: threading.Event | None = None
) -> Iterator[Frame]:
    """Frames of an opened source until it ends or `stop` is set, one per pacer tick
    (as fast as the source gives them without a pacer, e.g. for a video file)."""
    while stop is None or not stop.is_set():
        if pacer is not None:
            pacer.wait()
            if stop is not None and stop.is_set():
                return
        frame = source.read()
        if frame is None:
            return
        yield frame
