"""Stage runner threads: run one stage's work between two LatestQueues.

A runner never dies silently: an exception in the work function is logged, counted and
reported as a StageStatus on the event bus, and the runner goes on with the next item
(a bad frame must not stop a meeting's analysis). When the input closes or `stop` is
called, the runner closes its output so the next stage finishes too: closing the first
queue drains the whole pipeline in order.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, Literal, TypeVar

from meetwatch.runtime.clock import Clock, SystemClock
from meetwatch.runtime.events import Event, EventBus
from meetwatch.runtime.latest_queue import LatestQueue, QueueClosed
from meetwatch.runtime.metrics import Metrics, StageMetrics
from meetwatch.shared import StageStatus

In = TypeVar("In")
Out = TypeVar("Out")
StageState = Literal["starting", "running", "degraded", "stopped", "error"]

log = logging.getLogger(__name__)


class SourceExhausted(Exception):
    """Raised by a source's produce function when there is nothing more (end of a video)."""


class _Runner(Generic[Out]):
    def __init__(
        self,
        name: str,
        outbox: LatestQueue[Out] | None,
        bus: EventBus,
        *,
        metrics: Metrics | None,
        drops: Callable[[], int] | None,
        clock: Clock | None,
        status_interval: float,
    ) -> None:
        self.name = name
        self._outbox = outbox
        self._bus = bus
        self._clock = clock or SystemClock()
        self._metrics: StageMetrics = (metrics or Metrics(self._clock)).stage(name, drops)
        self._status_interval = status_interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name=f"meetwatch-{name}", daemon=True)
        self._state: StageState = "stopped"
        self._message = ""
        self._last_status = float("-inf")

    @property
    def state(self) -> StageState:
        return self._state

    @property
    def message(self) -> str:
        """The last error, or empty while the stage runs cleanly."""
        return self._message

    def start(self) -> None:
        self._report("starting", "")
        self._thread.start()

    def stop(self, timeout: float | None = 5.0) -> bool:
        """Ask the runner to finish and wait for it; True when the thread has ended."""
        self._stop.set()
        return self.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _step(self) -> None:
        raise NotImplementedError

    def _main(self) -> None:
        self._report("running", "")
        crashed: BaseException | None = None
        try:
            while not self._stop.is_set():
                try:
                    self._step()
                except (QueueClosed, SourceExhausted):
                    break
                self._report(self._state, self._message)  # periodic figures, rate-limited
        except BaseException as e:  # the loop itself broke: say so before the thread ends
            crashed = e
            log.exception("stage %s stopped unexpectedly", self.name)
        finally:
            if self._outbox is not None:
                self._outbox.close()
            if crashed is not None:
                self._report("error", f"stopped unexpectedly: {_describe(crashed)}")
            else:
                self._report("stopped", self._message)

    def _run_work(self, work: Callable[[], Out | None]) -> None:
        started = self._clock.now()
        try:
            result = work()
        except (QueueClosed, SourceExhausted):
            raise
        except Exception as e:
            self._metrics.record_error()
            message = _describe(e)
            if message != self._message:
                log.exception("stage %s failed", self.name)
            self._report("error", message)
            return
        self._metrics.record(started, self._clock.now())
        if self._state != "running":
            self._report("running", "")
        if result is not None and self._outbox is not None:
            self._outbox.put(result)

    def _report(self, state: StageState, message: str) -> None:
        changed = (state, message) != (self._state, self._message)
        now = self._clock.now()
        if not changed and now - self._last_status < self._status_interval:
            return
        self._state, self._message, self._last_status = state, message, now
        snap = self._metrics.snapshot()
        status = StageStatus(
            stage=self.name,
            state=state,
            message=message,
            fps=snap.fps,
            latency_ms=snap.latency_ms,
            dropped=snap.dropped,
        )
        self._bus.publish(Event("StageStatusChanged", status, now))


class StageThread(_Runner[Out], Generic[In, Out]):
    """Runs `work(item)` for each item of `inbox`; non-None results go to `outbox`."""

    def __init__(
        self,
        name: str,
        work: Callable[[In], Out | None],
        inbox: LatestQueue[In],
        outbox: LatestQueue[Out] | None,
        bus: EventBus,
        *,
        metrics: Metrics | None = None,
        clock: Clock | None = None,
        status_interval: float = 2.0,
        poll_seconds: float = 0.2,
    ) -> None:
        super().__init__(
            name,
            outbox,
            bus,
            metrics=metrics,
            drops=lambda: inbox.dropped,
            clock=clock,
            status_interval=status_interval,
        )
        self._work = work
        self._inbox = inbox
        self._poll = poll_seconds

    def _step(self) -> None:
        item = self._inbox.get(timeout=self._poll)
        if item is not None:
            self._run_work(lambda: self._work(item))


class SourceThread(_Runner[Out]):
    """Calls `produce()` at most once per `min_interval` seconds and feeds `outbox`.

    `produce` returns None when it has nothing this time and raises SourceExhausted at the
    end of its input. After an error the runner waits `error_backoff` seconds so a source that
    fails at once (a closed window) does not spin a CPU core.
    """

    def __init__(
        self,
        name: str,
        produce: Callable[[], Out | None],
        outbox: LatestQueue[Out],
        bus: EventBus,
        *,
        min_interval: float = 0.0,
        error_backoff: float = 0.5,
        metrics: Metrics | None = None,
        clock: Clock | None = None,
        status_interval: float = 2.0,
    ) -> None:
        super().__init__(
            name,
            outbox,
            bus,
            metrics=metrics,
            drops=None,
            clock=clock,
            status_interval=status_interval,
        )
        self._produce = produce
        self._min_interval = min_interval
        self._error_backoff = error_backoff

    def _step(self) -> None:
        started = self._clock.now()
        self._run_work(self._produce)
        pause = self._error_backoff if self._state == "error" else self._min_interval
        wait = pause - (self._clock.now() - started)
        if wait > 0:
            self._stop.wait(wait)


def _describe(e: BaseException) -> str:
    text = str(e)
    return f"{type(e).__name__}: {text}" if text else type(e).__name__
