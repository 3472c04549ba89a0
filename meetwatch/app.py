"""Composition root: builds the live pipeline from the config, starts it in order and stops
it in reverse.

    capture -> LatestQueue(1) -> analysis worker -> LatestQueue(1) -> state thread -> EventBus
                                                                         -> recorder, feed, vcam

Live video drops stale frames (LatestQueue keeps the newest) and never queues them. The
headless CLI and the tray app both drive this class; the Qt shell only adapts it.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from meetwatch.aggregation.models import ParticipantEngagement
from meetwatch.analysis.signals import FaceSignals
from meetwatch.capture.blank import CaptureBlocked
from meetwatch.capture.files import ImageSource, VideoSource
from meetwatch.capture.frame import Frame
from meetwatch.capture.source import FrameSource
from meetwatch.capture.spec import SOURCE_FORMS, open_source
from meetwatch.config import Config, config_dir, data_dir
from meetwatch.errors import CaptureError, MeetwatchError
from meetwatch.pipeline import Observation, Perception, RoomState
from meetwatch.runtime.clock import SystemClock
from meetwatch.runtime.events import Event, EventBus
from meetwatch.runtime.latest_queue import LatestQueue
from meetwatch.runtime.metrics import Metrics
from meetwatch.runtime.stage import SourceExhausted, SourceThread, StageThread
from meetwatch.session.recorder import SessionRecorder
from meetwatch.session.store import STORE_FILENAME, SessionStore
from meetwatch.shared import SessionInfo

if TYPE_CHECKING:
    from meetwatch.outputs.reports import ReportOptions

log = logging.getLogger(__name__)

# Sections one session keeps: a presenter marks a handful, and each one is broadcast, stored
# and drawn in the report, so a client marking sections in a loop must not get further.
MAX_SECTIONS = 100


@dataclass
class AppOptions:
    server: bool = True
    vcam: str | None = None
    port: int | None = None


@dataclass
class _Running:
    info: SessionInfo
    source: FrameSource
    room: RoomState
    perception: Perception
    threads: list[Any] = field(default_factory=list)
    queues: list[LatestQueue[Any]] = field(default_factory=list)
    detach: list[Callable[[], None]] = field(default_factory=list)
    sections: int = 0


class App:
    """One meetwatch instance: a store, a bus, optional live outputs and at most one session."""

    def __init__(
        self,
        config: Config,
        options: AppOptions | None = None,
        source_factory: Callable[[str | None], FrameSource] | None = None,
    ) -> None:
        self.config = config
        self.options = options or AppOptions()
        self.bus = EventBus()
        self.metrics = Metrics()
        self._clock = SystemClock()
        self._source_factory = source_factory or _named_source
        self._lock = threading.RLock()
        self._session: _Running | None = None
        self.store: SessionStore | None = None
        self.recorder: SessionRecorder | None = None
        self.feed: Any = None
        self.vcam: Any = None
        self.last_session: SessionInfo | None = None
        self.ended = threading.Event()  # set when a session's source runs out (end of a video)
        # why capture stopped, when a window hidden from capture gave only blank frames
        self.capture_blocked: CaptureBlocked | None = None
        self._spare: Future[Perception] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Open the store and the live outputs; sessions start with `start_session`."""
        folder = data_dir(self.config)
        self.store = SessionStore.open(folder / STORE_FILENAME)
        days = self.config.store.retention_days
        if days:
            self.store.prune(time.time() - days * 86400)
        self.recorder = SessionRecorder(
            self.store, self.bus, config_json=self.config.model_dump_json()
        )
        self.recorder.start()
        if self.options.server and self.config.server.enabled:
            self._start_feed()
        if self.options.vcam:
            self._start_vcam(self.options.vcam)

    def stop(self) -> None:
        self.stop_session()
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None and spare.exception() is None:
            spare.result().close()
        if self.vcam is not None:
            self.vcam.stop()
        if self.feed is not None:
            self.feed.stop()
        if self.recorder is not None:
            self.recorder.stop()
        if self.store is not None:
            self.store.close()

    def _start_feed(self) -> None:
        from meetwatch.outputs.feed.token import load_or_create_token
        from meetwatch.outputs.feed.ws_server import FeedServer, FeedSettings

        s = self.config.server
        settings = FeedSettings(
            host="0.0.0.0" if s.lan else "127.0.0.1",
            port=self.options.port if self.options.port is not None else s.port,
            max_clients=s.max_clients,
            aggregate_only=self.config.privacy.mode == "aggregate_only",
        )
        self.feed = FeedServer(self, load_or_create_token(config_dir()), settings)
        self.feed.start()
        self.feed.attach(self.bus)

    def _start_vcam(self, mode: str) -> None:
        from meetwatch.outputs.live.virtual_camera import VirtualCameraSink

        v = self.config.vcam
        try:
            sink = VirtualCameraSink(
                mode,  # type: ignore[arg-type]
                v.width,
                v.height,
                v.fps,
                individual=self.config.privacy.mode != "aggregate_only",
                attention_only=self.config.privacy.attention_only,
                expression_reader=_webcam_reader(self.config)
                if mode == "emoji" and not self.config.privacy.attention_only
                else None,
            )
            sink.start()
        except MeetwatchError as exc:  # no backend or no webcam: say so, keep the rest running
            log.info("virtual camera off: %s", exc)  # info: the warning is printed once, here
            print(f"warning: virtual camera off: {exc}")
            return
        self.bus.subscribe(sink.on_event)
        self.vcam = sink

    # -- sessions ----------------------------------------------------------------------------

    def start_session(self, source: FrameSource | str | None = None) -> SessionInfo:
        with self._lock:
            if self._session is not None:
                raise MeetwatchError("a session is already running; stop it first")
            if source is None or isinstance(source, str):
                source = self._source_factory(source)
            source.open()
            try:
                perception = self._take_perception()
            except BaseException:
                source.close()
                raise
            info = SessionInfo(
                session_id=uuid.uuid4().hex,
                started_at=self._clock.now(),
                source=source.describe(),
                analysis_rate=self.config.capture.rate_hz,
                privacy_mode=self.config.privacy.mode,
                attention_only=self.config.privacy.attention_only,
            )
            room = RoomState(info, self.config, self.bus)
            run = _Running(info, source, room, perception)
            self.bus.publish(Event("SessionStarted", info, info.started_at))
            self._start_threads(run)
            self._session = run
            self.ended.clear()
            self.capture_blocked = None
            return info

    def _start_threads(self, run: _Running) -> None:
        frames: LatestQueue[Frame] = LatestQueue(1)
        observed: LatestQueue[Observation] = LatestQueue(1)
        vcam = self.vcam
        # A file's frames carry their position in it: on the session's clock they become the
        # session start plus that position, as `meetwatch analyze` records them, so a
        # `run --video` session's report speaks recording time (not 1970).
        from_file = isinstance(run.source, VideoSource | ImageSource)
        file_start = float(int(run.info.started_at))  # whole: seconds are binned on the clock

        def produce() -> Frame | None:
            try:
                frame = run.source.read()
            except CaptureBlocked as exc:  # nothing worth analysing will come: end and say why
                self.capture_blocked = exc
                self.ended.set()
                raise
            if frame is None:
                self.ended.set()
                raise SourceExhausted
            if from_file:
                frame = replace(frame, timestamp=file_start + frame.timestamp)
            return frame

        def perceive(frame: Frame) -> Observation:
            obs = run.perception(frame)
            if vcam is not None:
                vcam.submit(obs.frame, obs.tiles, obs.signals)
            return obs

        capture = SourceThread(
            "capture",
            produce,
            frames,
            self.bus,
            min_interval=1.0 / self.config.capture.rate_hz,
            metrics=self.metrics,
        )
        analysis = StageThread(
            "analysis", perceive, frames, observed, self.bus, metrics=self.metrics
        )
        state: StageThread[Observation, None] = StageThread(
            "state", run.room, observed, None, self.bus, metrics=self.metrics
        )
        run.queues = [frames, observed]
        run.threads = [state, analysis, capture]
        for t in run.threads:  # consumers first, so nothing is produced into the void
            t.start()

    def prepare_perception(self) -> None:
        """Load the next session's models in the background.

        Loading the face and emotion models takes a second or two; the tray calls this while
        idle so that pressing Start does not freeze its menu. A load that fails is simply
        retried by `start_session`, which then reports the error where the user acted.
        """
        with self._lock:
            if self._spare is not None:
                return
            spare: Future[Perception] = Future()
            self._spare = spare

        def build() -> None:
            try:
                spare.set_result(Perception(self.config))
            except BaseException as exc:  # kept for start_session, which retries and reports
                spare.set_exception(exc)

        threading.Thread(target=build, name="prepare-models", daemon=True).start()

    @property
    def perception_ready(self) -> bool:
        """Whether models loaded by `prepare_perception` are waiting for the next session."""
        spare = self._spare
        return spare is not None and spare.done() and spare.exception() is None

    def _take_perception(self) -> Perception:
        spare, self._spare = self._spare, None
        if spare is not None and spare.exception() is None:
            return spare.result()
        return Perception(self.config)

    def stop_session(self) -> SessionInfo | None:
        with self._lock:
            run, self._session = self._session, None
        if run is None:
            return None
        for t in reversed(run.threads):  # capture, analysis, state: each drains into the next
            t.stop()
        run.perception.close()
        run.source.close()
        ended = run.info.model_copy(update={"ended_at": self._clock.now()})
        self.bus.publish(Event("SessionEnded", ended, ended.ended_at or 0.0))
        self.last_session = ended
        return ended

    @property
    def session(self) -> SessionInfo | None:
        run = self._session
        return None if run is None else run.info

    @property
    def room(self) -> RoomState | None:
        run = self._session
        return None if run is None else run.room

    def wait(self, duration: float | None = None, frames: int = 0) -> None:
        """Block until the source ends, `duration` seconds pass or `frames` were analysed."""
        deadline = None if duration is None else time.monotonic() + duration
        while not self.ended.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                return
            room = self.room
            if frames and room is not None and room.frames >= frames:
                return
            self.ended.wait(0.1)
        # let the last frame pass analysis and the state thread
        run = self._session
        if run is not None:
            for t in reversed(run.threads):
                t.join(10)

    # -- SessionController (the websocket feed's requests) -----------------------------------

    def summary(self) -> dict[str, Any]:
        run = self._session
        info = run.info if run is not None else self.last_session
        latest = run.room.latest if run is not None else None
        return {
            "running": run is not None,
            "session": None if info is None else json.loads(info.model_dump_json()),
            "engagement": None if latest is None else latest.engagement,
            "attentionShare": None if latest is None else latest.attention_share,
            "participants": 0 if latest is None else latest.participants_total,
            "framesAnalysed": 0 if run is None else run.room.frames,
        }

    def participants(self) -> list[ParticipantEngagement]:
        room = self.room
        return [] if room is None else room.participants()

    def mark_section(self, title: str) -> None:
        run = self._session
        if run is None:
            raise MeetwatchError("no session is running")
        if run.sections >= MAX_SECTIONS:
            raise MeetwatchError(f"this session has {MAX_SECTIONS} sections, the most one keeps")
        run.sections += 1
        self.bus.publish(Event("SectionMarked", {"title": title}, self._clock.now()))


def _named_source(spec: str | None) -> FrameSource:
    """Without a driver's own default, a session needs its source named (capture.spec)."""
    if not spec:
        raise CaptureError(f"no capture source given: name one of {SOURCE_FORMS}")
    return open_source(spec)


def _webcam_reader(config: Config) -> Callable[[np.ndarray], FaceSignals]:
    """The presenter's own expression for the 'emoji' camera, with perception of its own
    (the sink calls it from its sender thread, never the analysis worker's)."""
    perception = Perception(config)
    counter = itertools.count()

    def read(image: np.ndarray) -> FaceSignals:
        signals = perception(Frame(image, time.time(), next(counter), "webcam")).signals
        if signals is None:  # only missing frames have none, and a webcam frame is never one
            raise CaptureError("the webcam gave no picture")
        return signals

    return read


def store_path(config: Config) -> Path:
    return data_dir(config) / STORE_FILENAME


def report_options(config: Config) -> ReportOptions:
    """The report rules of the user's configuration (imported late: reports pull in plotting)."""
    from meetwatch.outputs.reports import ReportOptions

    return ReportOptions(**config.report.model_dump())
