"""SessionRecorder: the event-bus sink that writes a session to the store.

It reads the bus through the PrivacyGate like every other sink, so an aggregate-only
session stores no participant, no per-participant sample and no alert about one person:
the reports built from the store have nothing per person to show.

The state thread publishes on the bus and must never wait for the disk, so the callback only
puts the event on this recorder's queue (dropping and counting when it is full) and a thread
of its own writes. `EngagementUpdated` is already one room per whole second (the aggregator
samples once, for the feed and the store alike), so each one is written as it comes; every
write is committed at once, so a killed process loses at most the second in flight. Store
failures (full disk) are reported as a StageStatus of stage "recorder" and retried with the
next event; they never reach the publisher. A session whose first write failed (the disk full
just as it started) is started again before each later write, so freeing space saves the
rest of it; every second whose samples could not be written is counted in `lost_seconds`, so
the end of the session can say so.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from meetwatch.aggregation.models import Alert, RoomEngagement
from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.errors import StoreError
from meetwatch.runtime.clock import Clock, SystemClock
from meetwatch.runtime.events import Event
from meetwatch.session.store import SessionStore
from meetwatch.shared import SessionInfo, StageStatus

STAGE = "recorder"
# bus events stored as rows of the events table of the running session, by store kind
_SESSION_EVENTS = {"SectionMarked": "section", "FramesMissing": "frames_missing"}
_RECORDED = frozenset(
    {
        "SessionStarted",
        "SessionEnded",
        "EngagementUpdated",
        "AlertRaised",
        "StageStatusChanged",
        *_SESSION_EVENTS,
    }
)

log = logging.getLogger(__name__)


class SessionRecorder:
    def __init__(
        self,
        store: SessionStore,
        bus: PrivacyGate,
        *,
        config_json: str = "{}",
        max_queue: int = 10_000,
        clock: Clock | None = None,
    ) -> None:
        self._store = store
        self._clock = clock or SystemClock()
        self._bus = bus
        self._config_json = config_json
        self._queue: queue.Queue[Event | None] = queue.Queue(max_queue)
        self._thread = threading.Thread(target=self._main, name="meetwatch-recorder", daemon=True)
        self._unsubscribe: Callable[[], None] | None = None
        self._session_id: str | None = None
        self._unstarted: SessionInfo | None = None  # its row could not be written yet
        self._lost_seconds = 0
        self.last_failure = ""  # the last store error of the session, for its summary
        self._stage_states: dict[str, str] = {}
        self._error = ""
        self._dropped = 0
        self._drop_lock = threading.Lock()

    @property
    def dropped(self) -> int:
        """Events lost because the writer fell more than max_queue events behind."""
        with self._drop_lock:
            return self._dropped

    @property
    def lost_seconds(self) -> int:
        """Seconds of the current (or last) session whose samples are not in the store."""
        return self._lost_seconds

    @property
    def session_saved(self) -> bool:
        """Whether the current (or last) session's row is in the store."""
        return self._unstarted is None

    def raise_if_lost(self) -> None:
        """After a session: one StoreError saying how much of it is not in the store."""
        if self._lost_seconds or not self.session_saved:
            raise StoreError(
                f"{self._lost_seconds} s of the session could not be written to the session "
                f"store: {self.last_failure}"
            )

    def start(self) -> None:
        self._unsubscribe = self._bus.subscribe(self._on_event)
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> bool:
        """Unsubscribe, write what is queued, and end the thread; True when it has ended."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._thread.is_alive():
            self._queue.put(None)  # after every queued event
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def __enter__(self) -> SessionRecorder:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _on_event(self, event: Event) -> None:
        if event.kind not in _RECORDED:
            return
        if event.kind == "StageStatusChanged" and event.payload.stage == STAGE:
            return  # our own status: writing it could fail the same way again
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            with self._drop_lock:
                self._dropped += 1

    def _main(self) -> None:
        while (event := self._queue.get()) is not None:
            try:
                self._write(event)
            except StoreError as e:
                self.last_failure = str(e)
                self._report(str(e))
            except Exception as e:  # a bug must not silently stop recording
                log.exception("recorder failed on %s", event.kind)
                self._report(f"{type(e).__name__}: {e}")
            else:
                self._report("")

    def _write(self, event: Event) -> None:
        payload = event.payload
        if event.kind == "SessionStarted":
            info: SessionInfo = payload
            self._session_id = info.session_id
            self._unstarted = info
            self._lost_seconds = 0
            self.last_failure = ""
            self._stage_states.clear()
            self._start_if_needed()
        elif event.kind == "EngagementUpdated":
            self._write_samples(payload)
        else:
            self._start_if_needed()
            self._write_other(event)

    def _start_if_needed(self) -> None:
        if self._unstarted is not None:
            self._store.start_session(self._unstarted, self._config_json)
            self._unstarted = None

    def _write_samples(self, room: RoomEngagement) -> None:
        """One second of the session; when it cannot be written it is counted lost."""
        try:
            self._start_if_needed()
            self._store.add_samples(room.session_id, room)
        except StoreError:
            self._lost_seconds += 1
            raise

    def _write_other(self, event: Event) -> None:
        payload = event.payload
        if event.kind == "SessionEnded":
            ended: SessionInfo = payload
            self._store.end_session(ended.session_id, ended.ended_at or event.timestamp)
            if ended.session_id == self._session_id:
                self._session_id = None
        elif event.kind == "AlertRaised":
            alert: Alert = payload
            self._store.add_event(alert.session_id, alert.timestamp, "alert", alert)
        elif self._session_id is not None:
            self._write_session_event(self._session_id, event)

    def _write_session_event(self, session_id: str, event: Event) -> None:
        if event.kind in _SESSION_EVENTS:
            self._store.add_event(
                session_id, event.timestamp, _SESSION_EVENTS[event.kind], event.payload
            )
            return
        status: StageStatus = event.payload
        if self._stage_states.get(status.stage) != status.state:  # changes, not the 1 Hz figures
            self._stage_states[status.stage] = status.state
            self._store.add_event(session_id, event.timestamp, "stage_status", status)

    def _report(self, error: str) -> None:
        """Publish a status when the recorder starts or stops failing (empty: it works)."""
        if error == self._error:
            return
        self._error = error
        if error:
            log.error("session recorder: %s", error)
        status = StageStatus(
            stage=STAGE, state="error" if error else "running", message=error, dropped=self.dropped
        )
        self._bus.publish(Event("StageStatusChanged", status, self._clock.now()))
