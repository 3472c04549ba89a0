"""Core events -> Qt signals on the GUI thread.

The event bus calls subscribers on the core's threads (the state thread, a stage runner),
where Qt widgets must not be touched. EventBridge is a QObject living on the GUI thread:
emitting its signal from another thread queues the event into the GUI thread's loop.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject, pyqtSignal

from meetwatch.runtime.events import Event


class EventBridge(QObject):
    """Subscribe an instance to an EventBus; connect to `received` for GUI-thread delivery."""

    received = pyqtSignal(object)  # not "event": that is QObject's event handler

    def __call__(self, event: Event) -> None:
        self.received.emit(event)
