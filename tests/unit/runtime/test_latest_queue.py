"""LatestQueue: newest wins, drops are counted, put never blocks, close wakes getters."""

from __future__ import annotations

import threading

import pytest

from meetwatch.runtime.latest_queue import LatestQueue, QueueClosed


@pytest.mark.parametrize(
    ("maxsize", "puts", "kept", "dropped"),
    [
        (1, [1], [1], 0),
        (1, [1, 2, 3], [3], 2),
        (2, [1, 2, 3, 4], [3, 4], 2),
        (3, [1, 2], [1, 2], 0),
    ],
)
def test_newest_items_win(maxsize: int, puts: list[int], kept: list[int], dropped: int) -> None:
    q: LatestQueue[int] = LatestQueue(maxsize)
    for item in puts:
        assert q.put(item)
    assert [q.get(0) for _ in kept] == kept
    assert q.get(0) is None
    assert (q.dropped, q.put_count) == (dropped, len(puts))


def test_get_times_out_with_none() -> None:
    assert LatestQueue[int]().get(timeout=0.01) is None


def test_close_wakes_a_waiting_getter_and_refuses_puts() -> None:
    q: LatestQueue[int] = LatestQueue()
    outcome: list[str] = []
    started = threading.Event()

    def consumer() -> None:
        started.set()
        try:
            q.get()  # no timeout: only close can end this
        except QueueClosed:
            outcome.append("closed")

    thread = threading.Thread(target=consumer, daemon=True)
    thread.start()
    started.wait(5)
    q.close()
    thread.join(10)
    assert outcome == ["closed"]
    assert not q.put(1) and q.put_count == 0


def test_items_put_before_close_can_still_be_read() -> None:
    q: LatestQueue[int] = LatestQueue()
    q.put(7)
    q.close()
    assert q.get(0) == 7
    with pytest.raises(QueueClosed):
        q.get(0)


def test_maxsize_must_be_positive() -> None:
    with pytest.raises(ValueError):
        LatestQueue(0)
