"""Per-stage figures for the status line: throughput, latency and dropped items.

Figures are over a sliding time window (not since start) so a stage that stalls shows it
within seconds instead of being averaged away by an hour of good history.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from meetwatch.runtime.clock import Clock, SystemClock


@dataclass(frozen=True)
class StageSnapshot:
    fps: float | None  # items finished per second over the window; None before two items
    latency_ms: float | None  # mean time per item over the window
    processed: int  # items finished since start
    errors: int  # items that raised since start
    dropped: int  # items discarded by the stage's input queue since start


class StageMetrics:
    def __init__(
        self, clock: Clock, window_seconds: float, drops: Callable[[], int] | None = None
    ) -> None:
        if window_seconds <= 0:
            raise ValueError(f"metrics window must be positive, got {window_seconds}")
        self._clock = clock
        self._window = window_seconds
        self.drops = drops
        self._done: deque[tuple[float, float]] = deque()  # (finished, duration)
        self._processed = 0
        self._errors = 0
        self._lock = threading.Lock()

    def record(self, started: float, finished: float) -> None:
        with self._lock:
            self._done.append((finished, max(0.0, finished - started)))
            self._processed += 1
            self._trim(finished)

    def record_error(self) -> None:
        with self._lock:
            self._errors += 1

    def snapshot(self) -> StageSnapshot:
        now = self._clock.now()
        with self._lock:
            self._trim(now)
            done = list(self._done)
            processed, errors = self._processed, self._errors
        fps = None
        latency = None
        if done:
            latency = 1000.0 * sum(d for _, d in done) / len(done)
        if len(done) >= 2 and now > done[0][0]:
            fps = (len(done) - 1) / (now - done[0][0])
        elif processed >= 2:
            fps = len(done) / self._window  # stalled or slowed to a crawl: say so, not None
        return StageSnapshot(
            fps=fps,
            latency_ms=latency,
            processed=processed,
            errors=errors,
            dropped=self.drops() if self.drops else 0,
        )

    def _trim(self, now: float) -> None:
        while self._done and self._done[0][0] <= now - self._window:
            self._done.popleft()


class Metrics:
    """The registry of every stage's metrics, shared by the runners and the status reporter."""

    def __init__(self, clock: Clock | None = None, window_seconds: float = 5.0) -> None:
        self._clock = clock or SystemClock()
        self._window = window_seconds
        self._stages: dict[str, StageMetrics] = {}
        self._lock = threading.Lock()

    def stage(self, name: str, drops: Callable[[], int] | None = None) -> StageMetrics:
        """The metrics of `name`, created on first use. `drops` reads its input queue's drops;
        a new one (a new session's queue) replaces the old."""
        with self._lock:
            if name not in self._stages:
                self._stages[name] = StageMetrics(self._clock, self._window, drops)
            elif drops is not None:
                self._stages[name].drops = drops
            return self._stages[name]

    def snapshot(self) -> dict[str, StageSnapshot]:
        with self._lock:
            stages = dict(self._stages)
        return {name: m.snapshot() for name, m in stages.items()}
