"""One session from its start to its end, for every driver: `run`, `demo`, the tray (live)
and `analyze` (batch).

The runner owns what makes a session a session: its info, the SessionStarted and
SessionEnded events, the section count, the close order and the timebase. A source whose
clock is the wall's (a screen, a window, the demo) gives session times as they are; a
recording's frames carry their position in the file, which becomes the session start plus
that position here and nowhere else, so a recording's report speaks recording time whether
it was played live or analysed in a batch.

Live mode runs the stages on their own threads with one-slot queues between them (the
newest frame wins, stale ones are dropped); batch mode runs the same stages one frame after
another in the caller's thread and drops nothing.

    live:  capture -> LatestQueue(1) -> analysis -> LatestQueue(1) -> state -> EventBus
    batch: read -> Perception -> RoomState -> EventBus, in one loop
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.capture.blank import CaptureBlocked
from meetwatch.capture.files import ImageSource
from meetwatch.capture.frame import Frame
from meetwatch.capture.source import FrameSource
from meetwatch.config import Config
from meetwatch.errors import MeetwatchError
from meetwatch.pipeline import Observation, Perception, RoomState
from meetwatch.runtime.clock import SystemClock
from meetwatch.runtime.events import Event
from meetwatch.runtime.latest_queue import LatestQueue
from meetwatch.runtime.metrics import Metrics
from meetwatch.runtime.stage import SourceExhausted, SourceThread, StageThread
from meetwatch.shared import SessionInfo

# Sections one session keeps: a presenter marks a handful, and each one is broadcast, stored
# and drawn in the report, so a client marking sections in a loop must not get further.
MAX_SECTIONS = 100


class SessionRunner:
    """Runs one session over `source` with `perception`, publishing on `bus`.

    Use `start_live()` then `stop()`, or `run_batch()` (which stops by itself). The runner
    opens and closes the source; it closes `perception` only when it owns it (a batch of
    files keeps one perception, and its loaded models, for all of them).
    """

    def __init__(
        self,
        source: FrameSource,
        perception: Perception,
        config: Config,
        bus: PrivacyGate,
        *,
        rate: float | None = None,
        owns_perception: bool = True,
        metrics: Metrics | None = None,
        observe: Callable[[Observation], None] | None = None,
    ) -> None:
        self.source = source
        self.perception = perception
        self.config = config
        self._bus = bus
        self._rate = rate or config.capture.rate_hz
        self._owns_perception = owns_perception
        self._clock = SystemClock()
        self._metrics = metrics
        self._observe = observe
        self._media = source.timebase == "media"
        # a video's frame stands for one sampling period; a still image has no length
        self._frame_length = 0.0 if isinstance(source, ImageSource) else 1.0 / self._rate
        self._last: float | None = None  # session time of the last frame read
        self._threads: list[Any] = []
        self._sections = 0
        self._lock = threading.Lock()
        self._stopped = False
        self.info: SessionInfo | None = None
        self.room: RoomState | None = None
        self.ended = threading.Event()  # set when the source runs out (a video's end)
        # why capture stopped, when a window hidden from capture gave only blank frames
        self.capture_blocked: CaptureBlocked | None = None

    # -- the timebase --------------------------------------------------------------------------

    def _session_time(self, frame: Frame) -> Frame:
        """The one place media time becomes session time: the session start plus the
        position in the recording (the start is a whole second, because samples are binned
        on whole seconds and second k of the file must be the session's second k)."""
        if self._media:
            assert self.info is not None
            frame = replace(frame, timestamp=self.info.started_at + frame.timestamp)
        self._last = frame.timestamp
        return frame

    def now(self) -> float:
        """The session's clock: the wall's, or for a recording the position reached in it."""
        if not self._media:
            return self._clock.now()
        assert self.info is not None
        return self._last if self._last is not None else self.info.started_at

    def _end_time(self) -> float:
        if not self._media:
            return self._clock.now()
        assert self.info is not None
        if self._last is None:
            return self.info.started_at
        return self._last + self._frame_length

    # -- start and end -------------------------------------------------------------------------

    def _begin(self) -> SessionInfo:
        """Open the source and announce the session; the source is closed again on failure."""
        self.source.open()
        started = self._clock.now()
        info = SessionInfo(
            session_id=uuid.uuid4().hex,
            started_at=float(int(started)) if self._media else started,
            source=self.source.describe(),
            analysis_rate=self._rate,
            privacy_mode=self.config.privacy.mode,
            attention_only=self.config.privacy.attention_only,
        )
        self.info = info
        try:
            self.room = RoomState(info, self.config, self._bus)
        except BaseException:
            self.source.close()
            raise
        self._bus.publish(Event("SessionStarted", info, info.started_at))
        return info

    def stop(self) -> SessionInfo:
        """End the session: capture, analysis and state stop in that order (each drains into
        the next), then the perception and the source close, then SessionEnded."""
        with self._lock:
            if self._stopped:
                raise MeetwatchError("the session has already ended")
            self._stopped = True
        for t in reversed(self._threads):
            t.stop()
        if self._owns_perception:
            self.perception.close()
        self.source.close()
        assert self.info is not None
        ended = self.info.model_copy(update={"ended_at": self._end_time()})
        self._bus.publish(Event("SessionEnded", ended, ended.ended_at or 0.0))
        return ended

    def stop_emotion(self) -> None:
        """Attention-only from now on, in this session: no emotion is computed any more and
        the rooms say so (the privacy gate strips what was already under way)."""
        self.perception.stop_emotion()
        if self.room is not None:
            self.room.mark_attention_only()

    def mark_section(self, title: str) -> None:
        if self._sections >= MAX_SECTIONS:
            raise MeetwatchError(f"this session has {MAX_SECTIONS} sections, the most one keeps")
        self._sections += 1
        self._bus.publish(Event("SectionMarked", {"title": title}, self.now()))

    # -- batch ---------------------------------------------------------------------------------

    def run_batch(
        self, progress: Callable[[int], None] | None = None
    ) -> tuple[SessionInfo, Observation | None]:
        """Every frame of the source through the stages in this thread, then the end; the
        ended session and the last observation. `progress` gets the frames analysed."""
        self._begin()
        room = self.room
        assert room is not None
        last = None
        try:
            while (frame := self.source.read()) is not None:
                last = self.perception(self._session_time(frame))
                if self._observe is not None:
                    self._observe(last)
                room(last)
                if progress is not None:
                    progress(room.frames)
        finally:
            ended = self.stop()
        return ended, last

    # -- live ----------------------------------------------------------------------------------

    def start_live(self) -> SessionInfo:
        """Start the session on threads: capture, analysis and state, with one-slot queues."""
        info = self._begin()
        room = self.room
        assert room is not None
        frames: LatestQueue[Frame] = LatestQueue(1)
        observed: LatestQueue[Observation] = LatestQueue(1)

        def produce() -> Frame | None:
            try:
                frame = self.source.read()
            except CaptureBlocked as exc:  # nothing worth analysing will come: end and say why
                self.capture_blocked = exc
                self.ended.set()
                raise
            if frame is None:
                self.ended.set()
                raise SourceExhausted
            return self._session_time(frame)

        def perceive(frame: Frame) -> Observation:
            obs = self.perception(frame)
            if self._observe is not None:
                self._observe(obs)
            return obs

        m = self._metrics
        capture = SourceThread(
            "capture", produce, frames, self._bus, min_interval=1.0 / self._rate, metrics=m
        )
        analysis = StageThread("analysis", perceive, frames, observed, self._bus, metrics=m)
        state: StageThread[Observation, None] = StageThread(
            "state", room, observed, None, self._bus, metrics=m
        )
        self._threads = [state, analysis, capture]
        for t in self._threads:  # consumers first, so nothing is produced into the void
            t.start()
        return info

    def join(self, timeout: float) -> None:
        """Let the last frame pass analysis and the state thread (after the source ended)."""
        for t in reversed(self._threads):
            t.join(timeout)
