"""Metrics over a sliding window, driven by a ManualClock."""

from __future__ import annotations

import pytest

from meetwatch.runtime.clock import ManualClock, SystemClock
from meetwatch.runtime.latest_queue import LatestQueue
from meetwatch.runtime.metrics import Metrics


def test_manual_clock_only_moves_forward() -> None:
    clock = ManualClock(10.0)
    assert clock.advance(2.5) == 12.5 and clock.now() == 12.5
    clock.set(20.0)
    with pytest.raises(ValueError):
        clock.set(19.0)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_system_clock_is_wall_time() -> None:
    assert SystemClock().now() > 1.6e9  # seconds since 1970, as stored in sessions


def test_fps_latency_and_drops() -> None:
    clock = ManualClock()
    inbox: LatestQueue[int] = LatestQueue()
    metrics = Metrics(clock, window_seconds=5.0)
    stage = metrics.stage("analysis", drops=lambda: inbox.dropped)
    assert metrics.snapshot()["analysis"].fps is None
    for _ in range(20):  # 10 items per second, 40 ms each
        start = clock.now()
        clock.advance(0.04)
        stage.record(start, clock.now())
        clock.advance(0.06)
    for i in range(4):
        inbox.put(i)
    stage.record_error()
    snap = metrics.snapshot()["analysis"]
    assert snap.fps == pytest.approx(10.0, rel=0.06)
    assert snap.latency_ms == pytest.approx(40.0)
    assert (snap.processed, snap.errors, snap.dropped) == (20, 1, 3)


def test_a_stalled_stage_shows_zero_fps_after_the_window() -> None:
    clock = ManualClock()
    metrics = Metrics(clock, window_seconds=2.0)
    stage = metrics.stage("faces")
    for _ in range(10):
        stage.record(clock.now(), clock.now())
        clock.advance(0.1)
    clock.advance(10.0)
    snap = metrics.stage("faces").snapshot()  # same object: one registry per name
    assert (snap.fps, snap.latency_ms, snap.processed) == (0.0, None, 10)


def test_a_new_input_queue_replaces_the_old_one() -> None:
    metrics = Metrics(ManualClock())
    first: LatestQueue[int] = LatestQueue()
    for i in range(3):
        first.put(i)
    metrics.stage("analysis", drops=lambda: first.dropped)
    second: LatestQueue[int] = LatestQueue()
    metrics.stage("analysis", drops=lambda: second.dropped)  # the next session's queue
    assert metrics.snapshot()["analysis"].dropped == 0
