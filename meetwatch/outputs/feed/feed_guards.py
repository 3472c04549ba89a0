"""What keeps the local feed usable while another program on the machine misbehaves.

Binding to loopback keeps other machines out, but any local process (or a web page's
script, within what browsers allow) can open sockets to the feed. These pieces bound what
such a process can cost: connections still in their HTTP handshake and connections not yet
identified each have their own small pool in which the oldest gives way to the newest (so
an attacker cycling sockets cannot hold every place, and a real client that identifies in
milliseconds always gets through), repeated wrong tokens from one address are answered
ever more slowly, and every log line an attacker can provoke is rate-limited.
"""

from __future__ import annotations

import errno
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_OPEN_FILE_LIMIT_WANTED = 8192  # plenty for the feed; the hard limit may allow less


class OldestGivesWay(Generic[T]):
    """An ordered pool of at most `capacity` members: adding to a full pool evicts (and
    returns) the oldest member, which the caller then disconnects."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._members: OrderedDict[T, None] = OrderedDict()

    def add(self, member: T) -> T | None:
        self._members[member] = None
        if len(self._members) > self.capacity:
            oldest, _ = self._members.popitem(last=False)
            return oldest
        return None

    def discard(self, member: T) -> None:
        self._members.pop(member, None)

    def __contains__(self, member: object) -> bool:
        return member in self._members

    def __len__(self) -> int:
        return len(self._members)


class ThrottledLog:
    """A log line an attacker can trigger at will: written at most once per `interval`
    seconds, with the number of occurrences since the last one written."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger
        self._interval = interval
        self._clock = clock
        self._last = -float("inf")
        self._suppressed = 0

    def warning(self, message: str, *args: Any) -> bool:
        """Log (True) unless a line went out less than `interval` seconds ago."""
        now = self._clock()
        if now - self._last < self._interval:
            self._suppressed += 1
            return False
        if self._suppressed:
            message += " (and %d more like it since the last such line)"
            args = (*args, self._suppressed)
        self._log.warning(message, *args)
        self._last = now
        self._suppressed = 0
        return True


class FailedTokens:
    """Wrong tokens per remote address: the first few are answered at once, later ones
    after a delay that doubles with each failure (so guessing is slow), up to `max_delay`.
    Failures older than `window` seconds are forgotten; a right token is never delayed."""

    FREE_ATTEMPTS = 3

    def __init__(
        self,
        window: float = 60.0,
        base_delay: float = 0.25,
        max_delay: float = 4.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window = window
        self._base = base_delay
        self._max = max_delay
        self._clock = clock
        self._failures: dict[str, list[float]] = {}

    def record(self, address: str) -> tuple[int, float]:
        """Count one failure; (failures from this address in the window, delay to apply)."""
        now = self._clock()
        self._forget_before(now - self._window)
        times = self._failures.setdefault(address, [])
        times.append(now)
        extra = len(times) - self.FREE_ATTEMPTS
        delay = 0.0 if extra <= 0 else min(self._max, self._base * 2 ** (extra - 1))
        return len(times), delay

    def _forget_before(self, cutoff: float) -> None:
        for address in list(self._failures):
            kept = [t for t in self._failures[address] if t >= cutoff]
            if kept:
                self._failures[address] = kept
            else:
                del self._failures[address]


class TokenBucket:
    """`rate` actions per second on average, bursts of up to `burst`."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._last = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


def raise_open_file_limit(wanted: int = _OPEN_FILE_LIMIT_WANTED) -> tuple[int, int] | None:
    """Raise the soft limit on open files towards `wanted` (never above the hard limit);
    (before, after), or None where the platform has no such limit."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (OSError, ValueError):
            return soft, soft
        return soft, target
    return soft, soft


def is_out_of_files(exc: BaseException | None) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE)
