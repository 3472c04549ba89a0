"""LatestQueue: the hand-off between live stages.

Live video must never queue stale frames: when the consumer is slower than the producer
the oldest item is discarded, so the consumer always works on the newest one and the
pipeline's latency stays bounded. Drops are counted so the status line can show them.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class QueueClosed(Exception):
    """Raised by `get` once the queue is closed and empty: the producer has finished."""


class LatestQueue(Generic[T]):
    def __init__(self, maxsize: int = 1) -> None:
        if maxsize < 1:
            raise ValueError(f"LatestQueue needs maxsize >= 1, got {maxsize}")
        self._items: deque[T] = deque()
        self._maxsize = maxsize
        self._cond = threading.Condition()
        self._closed = False
        self._dropped = 0
        self._put_count = 0

    @property
    def dropped(self) -> int:
        """Items discarded because a newer one arrived before the consumer took them."""
        with self._cond:
            return self._dropped

    @property
    def put_count(self) -> int:
        with self._cond:
            return self._put_count

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)

    def put(self, item: T) -> bool:
        """Never blocks. Returns False (and drops the item) once the queue is closed."""
        with self._cond:
            if self._closed:
                return False
            if len(self._items) >= self._maxsize:
                self._items.popleft()
                self._dropped += 1
            self._items.append(item)
            self._put_count += 1
            self._cond.notify()
            return True

    def get(self, timeout: float | None = None) -> T | None:
        """The oldest kept item; None on timeout; QueueClosed when closed and drained."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._items:
                if self._closed:
                    raise QueueClosed
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._items.popleft()

    def close(self) -> None:
        """Refuse further puts and wake every waiting getter; kept items can still be read."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
