"""Stage runners: work between queues, errors reported as StageStatus, orderly shutdown."""

from __future__ import annotations

import threading

from meetwatch.runtime.events import Event, EventBus
from meetwatch.runtime.latest_queue import LatestQueue, QueueClosed
from meetwatch.runtime.stage import SourceExhausted, SourceThread, StageThread
from meetwatch.shared import StageStatus


def statuses(bus: EventBus) -> list[StageStatus]:
    seen: list[StageStatus] = []
    lock = threading.Lock()

    def on(event: Event) -> None:
        if event.kind == "StageStatusChanged":
            with lock:
                seen.append(event.payload)

    bus.subscribe(on)
    return seen


def drain(q: LatestQueue[int]) -> list[int]:
    out: list[int] = []
    while True:
        try:
            item = q.get(timeout=10)
        except QueueClosed:
            return out
        assert item is not None, "the pipeline stalled"
        out.append(item)


def test_a_failing_item_is_reported_and_the_stage_goes_on() -> None:
    bus = EventBus()
    seen = statuses(bus)
    inbox: LatestQueue[int] = LatestQueue(maxsize=10)
    outbox: LatestQueue[int] = LatestQueue(maxsize=10)

    def work(x: int) -> int | None:
        if x == 2:
            raise ValueError("bad frame")
        return None if x == 4 else x * 10

    stage = StageThread("analysis", work, inbox, outbox, bus)
    for x in range(6):
        inbox.put(x)
    inbox.close()
    stage.start()
    assert drain(outbox) == [0, 10, 30, 50]  # the None result is not forwarded
    assert stage.join(10)
    states = [(s.state, s.message) for s in seen]
    assert states[0] == ("starting", "")
    assert ("error", "ValueError: bad frame") in states
    assert states[states.index(("error", "ValueError: bad frame")) + 1] == ("running", "")
    assert states[-1][0] == "stopped"
    assert all(s.stage == "analysis" for s in seen)


def test_closing_the_first_queue_drains_a_whole_pipeline() -> None:
    bus = EventBus()
    frames = iter(range(5))

    def produce() -> int:
        for x in frames:
            return x
        raise SourceExhausted

    q1: LatestQueue[int] = LatestQueue(100)
    q2: LatestQueue[int] = LatestQueue(100)
    q3: LatestQueue[int] = LatestQueue(100)
    source = SourceThread("capture", produce, q1, bus)
    double = StageThread("faces", lambda x: 2 * x, q1, q2, bus)
    plus = StageThread("analysis", lambda x: x + 1, q2, q3, bus)
    for runner in (plus, double, source):
        runner.start()
    assert drain(q3) == [1, 3, 5, 7, 9]
    assert all(r.join(10) for r in (source, double, plus))
    assert (source.state, double.state, plus.state) == ("stopped",) * 3


def test_stop_ends_a_waiting_stage_and_closes_its_output() -> None:
    bus = EventBus()
    inbox: LatestQueue[int] = LatestQueue()
    outbox: LatestQueue[int] = LatestQueue()
    stage = StageThread("layout", lambda x: x, inbox, outbox, bus, poll_seconds=0.01)
    stage.start()
    assert stage.stop(10)
    assert outbox.closed and stage.state == "stopped"


def test_a_source_that_keeps_failing_reports_and_keeps_trying() -> None:
    bus = EventBus()
    seen = statuses(bus)
    calls = 0
    enough = threading.Event()

    def produce() -> int:
        nonlocal calls
        calls += 1
        if calls >= 3:
            enough.set()
        raise OSError("window closed")

    source = SourceThread("capture", produce, LatestQueue(), bus, error_backoff=0.01)
    source.start()
    assert enough.wait(10)
    assert source.stop(10)
    errors = [s for s in seen if s.state == "error"]
    assert errors and errors[0].message == "OSError: window closed"
    assert len(errors) == 1  # reported on change, not once per failure
    assert seen[-1].state == "stopped" and seen[-1].message == "OSError: window closed"


def test_a_broken_loop_is_reported_before_the_thread_ends() -> None:
    bus = EventBus()
    seen = statuses(bus)

    class Exploding(LatestQueue[int]):
        def get(self, timeout: float | None = None) -> int | None:
            raise RuntimeError("queue broke")

    stage = StageThread("state", lambda x: x, Exploding(), None, bus)
    stage.start()
    assert stage.join(10)
    assert (seen[-1].state, seen[-1].message) == (
        "error",
        "stopped unexpectedly: RuntimeError: queue broke",
    )
