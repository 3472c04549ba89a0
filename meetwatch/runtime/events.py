"""The event bus between the core and its sinks (store recorder, websocket, overlay, vcam).

The state thread publishes; sinks must never block it, so `publish` calls each subscriber
inline and a subscriber that needs to do slow work hands the event to its own queue/thread.
A subscriber that raises is logged and kept; it cannot stop the pipeline.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from meetwatch.shared import EventKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    kind: EventKind
    payload: Any
    timestamp: float


@dataclass
class EventBus:
    _subscribers: list[Callable[[Event], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Register a callback; returns a function that unsubscribes it."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for cb in subscribers:
            try:
                cb(event)
            except Exception:
                log.exception("event subscriber %r failed on %s", cb, event.kind)
