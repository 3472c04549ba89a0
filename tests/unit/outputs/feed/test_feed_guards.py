"""The feed's guards on an injected clock: pools, throttled log lines, slowed guesses, rates."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from meetwatch.outputs.feed.feed_guards import (
    FailedTokens,
    OldestGivesWay,
    ThrottledLog,
    TokenBucket,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_oldest_gives_way_and_leavers_free_their_place() -> None:
    pool: OldestGivesWay[str] = OldestGivesWay(2)
    assert pool.add("a") is None and pool.add("b") is None
    assert pool.add("c") == "a"
    pool.discard("b")
    assert pool.add("d") is None and len(pool) == 2 and "c" in pool and "a" not in pool


def test_throttled_log_counts_what_it_left_out(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    log = ThrottledLog(logging.getLogger("meetwatch.test"), interval=10, clock=clock)
    with caplog.at_level(logging.WARNING):
        assert log.warning("refused %s", "x")
        assert not log.warning("refused %s", "y")
        assert not log.warning("refused %s", "z")
        clock.now += 10
        assert log.warning("refused %s", "w")
    assert [r.getMessage() for r in caplog.records] == [
        "refused x",
        "refused w (and 2 more like it since the last such line)",
    ]


def test_failed_tokens_slow_down_per_address_and_are_forgotten() -> None:
    clock = Clock()
    failed = FailedTokens(window=60, base_delay=0.25, max_delay=4, clock=clock)
    delays = [failed.record("10.0.0.1")[1] for _ in range(10)]
    assert delays == [0, 0, 0, 0.25, 0.5, 1, 2, 4, 4, 4]
    assert failed.record("10.0.0.2") == (1, 0)  # another address starts afresh
    clock.now += 61
    assert failed.record("10.0.0.1") == (1, 0)


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=0.5, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 2
    assert [bucket.take() for _ in range(2)] == [True, False]
    clock.now += 1000
    assert sum(bucket.take() for _ in range(10)) == 3  # never more than the burst


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX open-file limits")
def test_the_soft_open_file_limit_is_raised_up_to_the_hard_one() -> None:
    script = (
        "import resource\n"
        "from meetwatch.outputs.feed.feed_guards import raise_open_file_limit\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, 2048))\n"
        "print(raise_open_file_limit(), resource.getrlimit(resource.RLIMIT_NOFILE))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "(256, 2048) (2048, 2048)"
