"""Composition root: the store, the event bus and the outputs every session publishes to,
started in order and stopped in reverse, and at most one live session at a time.

    SessionRunner (capture -> analysis -> state) -> EventBus -> recorder, feed, vcam

Sessions themselves are run by meetwatch.session_runner; what to watch, and the requests of
the feed, are the controller's (meetwatch.controller), which every driver goes through.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.analysis.signals import FaceSignals
from meetwatch.capture.blank import CaptureBlocked
from meetwatch.capture.frame import Frame
from meetwatch.capture.source import FrameSource
from meetwatch.config import Config, config_dir, data_dir
from meetwatch.config.models import PrivacyConfig
from meetwatch.errors import CaptureError, MeetwatchError
from meetwatch.pipeline import Observation, Perception, RoomState
from meetwatch.runtime.metrics import Metrics
from meetwatch.session.recorder import SessionRecorder
from meetwatch.session.store import STORE_FILENAME, SessionStore
from meetwatch.session_runner import SessionRunner
from meetwatch.shared import SessionInfo

if TYPE_CHECKING:
    from meetwatch.outputs.feed.ws_server import SessionController
    from meetwatch.outputs.reports import ReportOptions

log = logging.getLogger(__name__)


@dataclass
class AppOptions:
    server: bool = True  # the websocket feed (when the config enables it and `requests` is given)
    vcam: str | None = None
    port: int | None = None


class App:
    """One meetwatch instance: a store, a bus, optional live outputs and at most one session.

    `requests` answers the feed's requests (the controller); without it no feed is served.
    """

    def __init__(
        self,
        config: Config,
        options: AppOptions | None = None,
        requests: SessionController | None = None,
    ) -> None:
        self.config = config
        self.options = options or AppOptions()
        # Every sink (recorder, feed, vcam, tray, terminal) subscribes here: the privacy gate
        # redacts what the sessions publish for the mode in use, in this one place.
        p = config.privacy
        self.bus = PrivacyGate(p.mode, p.min_faces, p.attention_only)
        self.metrics = Metrics()
        self._requests = requests
        self._detach_feed: Callable[[], None] = lambda: None
        self._lock = threading.RLock()
        self._session: SessionRunner | None = None
        self.store: SessionStore | None = None
        self.recorder: SessionRecorder | None = None
        self.feed: Any = None
        self.vcam: Any = None
        self.last_session: SessionInfo | None = None
        # why the last session's capture stopped, when a window hidden from capture gave only
        # blank frames
        self.capture_blocked: CaptureBlocked | None = None
        self._spare: Future[Perception] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Open the store and the live outputs; sessions start with `start_session`."""
        self._start_recording()
        if self.options.server and self.config.server.enabled and self._requests is not None:
            self._start_feed(self._requests)
        if self.options.vcam:
            self._start_vcam(self.options.vcam)

    def stop(self) -> None:
        self.stop_session()
        self._drop_spare()
        if self.vcam is not None:
            self.vcam.stop()
        if self.feed is not None:
            self.feed.stop()
        if self.recorder is not None:
            self.recorder.stop()
        if self.store is not None:
            self.store.close()

    def _start_recording(self) -> None:
        folder = data_dir(self.config)
        self.store = SessionStore.open(folder / STORE_FILENAME)
        self.prune()
        self.recorder = SessionRecorder(
            self.store, self.bus, config_json=self.config.model_dump_json()
        )
        self.recorder.start()

    def prune(self) -> int:
        """Delete the sessions older than the retention period; how many went."""
        days = self.config.store.retention_days
        if not days or self.store is None:
            return 0
        return self.store.prune(time.time() - days * 86400)

    def _start_feed(self, requests: SessionController) -> None:
        from meetwatch.outputs.feed.token import load_or_create_token
        from meetwatch.outputs.feed.ws_server import FeedServer, FeedSettings

        s = self.config.server
        settings = FeedSettings(
            host="0.0.0.0" if s.lan else "127.0.0.1",
            port=self.options.port if self.options.port is not None else s.port,
            max_clients=s.max_clients,
        )
        self.feed = FeedServer(requests, load_or_create_token(config_dir()), settings)
        self.feed.start()
        self._detach_feed = self.feed.attach(self.bus)

    def restart_feed(self) -> None:
        """Serve the feed anew with the current server settings and token (clients reconnect);
        the session goes on. Without the feed enabled, it stays off."""
        feed, self.feed = self.feed, None
        if feed is not None:
            self._detach_feed()
            feed.stop()
        if self.options.server and self.config.server.enabled and self._requests is not None:
            self._start_feed(self._requests)

    def _start_vcam(self, mode: str) -> None:
        from meetwatch.outputs.live.virtual_camera import VirtualCameraSink

        v = self.config.vcam
        try:
            sink = VirtualCameraSink(
                mode,  # type: ignore[arg-type]
                v.width,
                v.height,
                v.fps,
                view=self.bus.observed,
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

    def start_session(self, source: FrameSource) -> SessionInfo:
        """Start a live session on `source`; its frames go to the virtual camera too."""
        with self._lock:
            if self._session is not None:
                raise MeetwatchError("a session is already running; stop it first")
            runner = SessionRunner(
                source,
                self._take_perception(),
                self.config,
                self.bus,
                metrics=self.metrics,
                observe=self._to_vcam(),
            )
            try:
                info = runner.start_live()
            except BaseException:
                runner.perception.close()
                raise
            self._session = runner
            self.capture_blocked = None
            return info

    def _to_vcam(self) -> Callable[[Observation], None] | None:
        vcam = self.vcam
        if vcam is None:
            return None

        def submit(obs: Observation) -> None:
            vcam.submit(obs.frame, obs.tiles, obs.signals)

        return submit

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
            config = self.config

        def build() -> None:
            try:
                spare.set_result(Perception(config))
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

    def _drop_spare(self) -> None:
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None and spare.exception() is None:
            spare.result().close()

    def use_config(self, config: Config) -> None:
        """Settings for the next session (analysis, tracking, aggregation, capture rate); the
        running one goes on as it started. Models prepared under other settings are dropped."""
        with self._lock:
            previous, self.config = self.config, config
        if (previous.analysis, previous.privacy.attention_only) != (
            config.analysis,
            config.privacy.attention_only,
        ):
            self._drop_spare()

    def set_privacy(self, privacy: PrivacyConfig) -> None:
        """At once, the running session included (it keeps its id): the privacy gate applies
        the modes to everything that leaves from now on, and the next session starts in them."""
        with self._lock:
            self.config = self.config.model_copy(update={"privacy": privacy})
            runner = self._session
        self.bus.set_privacy(privacy.mode, privacy.min_faces, privacy.attention_only)
        if runner is not None and privacy.attention_only:
            runner.stop_emotion()

    def stop_session(self) -> SessionInfo | None:
        with self._lock:
            runner, self._session = self._session, None
        if runner is None:
            return None
        ended = runner.stop()
        self.capture_blocked = runner.capture_blocked
        self.last_session = ended
        return ended

    @property
    def session(self) -> SessionInfo | None:
        runner = self._session
        return None if runner is None else runner.info

    @property
    def room(self) -> RoomState | None:
        runner = self._session
        return None if runner is None else runner.room

    def wait(self, duration: float | None = None, frames: int = 0) -> None:
        """Block until the running session's source ends, `duration` seconds pass or `frames`
        were analysed. A session stopped meanwhile (a feed client's StopSession) does not end
        the wait: the client may start the next one, whose end then counts."""
        deadline = None if duration is None else time.monotonic() + duration
        while deadline is None or time.monotonic() < deadline:
            runner = self._session
            if runner is None:
                time.sleep(0.1)
                continue
            if runner.ended.wait(0.1):
                runner.join(10)  # let the last frame pass analysis and the state thread
                return
            room = runner.room
            if frames and room is not None and room.frames >= frames:
                return

    def mark_section(self, title: str) -> None:
        runner = self._session
        if runner is None:
            raise MeetwatchError("no session is running")
        runner.mark_section(title)


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
