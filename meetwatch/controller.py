"""The one hold every driver has on the core: the CLI's `run` and `demo`, the tray, and the
feed's requests (StartSession, StopSession, MarkSection) all start, stop and mark sessions,
choose what to watch and change settings here, so a session behaves the same whoever
started it.

Settings apply per section of the config:
  overlay, report          at once; the core does not read them (views and reports do)
  analysis, tracking,      from the next session: the running one goes on as it started
  aggregation, capture
  privacy                  at once, in the running session (same session id): the privacy
                           gate on the core's bus applies the mode where data leaves, and
                           attention-only switched on stops the emotion model too
  attention-only off       at once, as a new session: the emotion model has to be loaded, and
                           a session stored as attention-only never holds emotion
  server                   the feed restarts with it; the session goes on
  store, vcam              the core reopens its outputs; a running session goes on as a new
                           session (the store may be another one)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from meetwatch.aggregation.models import ParticipantEngagement
from meetwatch.app import App, AppOptions
from meetwatch.capture.source import FrameSource
from meetwatch.capture.spec import open_source
from meetwatch.config import Config
from meetwatch.errors import MeetwatchError, OutputError
from meetwatch.geometry import Rect
from meetwatch.runtime.events import Event
from meetwatch.shared import SessionInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WatchTarget:
    """What a session watches; `open_source` builds a fresh FrameSource for each session."""

    label: str
    open_source: Callable[[], FrameSource] = field(compare=False)
    window_title: str | None = None  # remembered in the config when set


def window_target(title: str) -> WatchTarget:
    return WatchTarget(
        f"window {title!r}", lambda: open_source(f"window:{title}"), window_title=title
    )


def meeting_target() -> WatchTarget:
    """Whichever Zoom/Teams/Meet window is open when the session starts."""
    return WatchTarget("the first meeting window found", lambda: open_source("window:"))


def region_target(rect: Rect) -> WatchTarget:
    return WatchTarget(
        f"screen region {rect.w}x{rect.h} at {rect.x},{rect.y}",
        lambda: open_source(f"region:{rect.x},{rect.y},{rect.w}x{rect.h}"),
    )


def configured_target(config: Config) -> WatchTarget:
    return window_target(config.capture.window) if config.capture.window else meeting_target()


class CoreController:
    """Owns the running core (an App) for one driver; every method may raise MeetwatchError.

    It answers the feed's requests too (the App's feed is given this controller), so a
    session a feed client starts is started here like the driver's own.
    """

    def __init__(
        self,
        config: Config,
        options: AppOptions | None = None,
        *,
        target: WatchTarget | None = None,
        save: Callable[[Config], object] | None = None,
    ) -> None:
        self.config = config
        self.options = options or AppOptions()
        self.target: WatchTarget = target or configured_target(config)
        self._save = save  # where settings changes are kept (the tray's config file)
        self.app = self._new_app(config, self.options.server)
        self.next_section = 1  # number of the section `mark_section` names next
        self.watching = self.target.label  # what the running (or last) session watches
        self.startup_problem: str | None = None
        self._subscribers: list[Callable[[Event], None]] = []
        self._detach: list[Callable[[], None]] = []

    def _new_app(self, config: Config, server: bool) -> App:
        return App(config, replace(self.options, server=server), requests=self)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, *, feed_required: bool = False) -> None:
        """Open the store and outputs. A feed that cannot start (port in use) is an error when
        `feed_required`; otherwise it is reported in `startup_problem` and the core runs
        without it, so the tray (or the demo) still works."""
        self.startup_problem = None
        try:
            self.app.start()
        except OutputError as exc:
            self.app.stop()
            if feed_required:
                raise
            self._feed_off(exc)
            self.app = self._new_app(self.config, False)
            self._attach()
            self.app.start()
        except MeetwatchError:
            self.app.stop()
            raise
        self.app.prepare_perception()

    def shutdown(self) -> SessionInfo | None:
        """Stop the session, if one runs, and the core; the session that ended."""
        ended = self.app.stop_session()
        for detach in self._detach:
            detach()
        self._detach = []
        self.app.stop()
        return ended

    def subscribe(self, callback: Callable[[Event], None]) -> None:
        """Receive the core's events, across rebuilds of the App."""
        self._subscribers.append(callback)
        self._detach.append(self.app.bus.subscribe(callback))

    def _attach(self) -> None:
        for detach in self._detach:
            detach()
        self._detach = [self.app.bus.subscribe(cb) for cb in self._subscribers]

    # -- sessions ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.app.session is not None

    @property
    def session(self) -> SessionInfo | None:
        return self.app.session

    def set_target(self, target: WatchTarget) -> None:
        """Watch `target` from the next session on; a picked window is remembered."""
        self.target = target
        if target.window_title and target.window_title != self.config.capture.window:
            capture = self.config.capture.model_copy(update={"window": target.window_title})
            self.config = self.config.model_copy(update={"capture": capture})
            self.app.use_config(self.config)
            self._keep(self.config)

    def start_session(self, source: str | None = None) -> SessionInfo:
        """Start watching the chosen target, or the source named in the words the CLI, the
        feed and `describe()` share (window:, screen:, region:, video:)."""
        opened = (
            self.target.open_source()
            if source is None
            else open_source(source, video_rate=self.config.capture.rate_hz)
        )
        info = self.app.start_session(opened)
        self.next_section = 1
        self.watching = self.target.label if source is None else source
        return info

    def mark_section(self, title: str | None = None) -> None:
        """Start the next section of the talk; reports group their figures by section."""
        self.app.mark_section(title or f"Section {self.next_section}")
        self.next_section += 1

    def stop_session(self) -> SessionInfo | None:
        ended = self.app.stop_session()
        self._prune()
        self.app.prepare_perception()
        return ended

    def _prune(self) -> None:
        """Retention runs at start-up and after each session: a tray app may run for weeks."""
        removed = self.app.prune()
        if removed:
            days = self.config.store.retention_days
            log.info("retention: deleted %d session(s) older than %d days", removed, days)

    # -- the feed's other requests -----------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        info = self.app.session or self.app.last_session
        room = self.app.room
        latest = None if room is None else room.latest
        return {
            "running": self.running,
            "session": None if info is None else json.loads(info.model_dump_json()),
            "engagement": None if latest is None else latest.engagement,
            "attentionShare": None if latest is None else latest.attention_share,
            "participants": 0 if latest is None else latest.participants_total,
            "framesAnalysed": 0 if room is None else room.frames,
        }

    def participants(self) -> list[ParticipantEngagement]:
        room = self.app.room  # the privacy gate refuses in aggregate-only mode, session or not
        return self.app.bus.participants([]) if room is None else room.participants()

    # -- settings ----------------------------------------------------------------------------

    @property
    def aggregate_only(self) -> bool:
        return self.config.privacy.mode == "aggregate_only"

    def set_aggregate_only(self, enabled: bool) -> None:
        mode = "aggregate_only" if enabled else "individual"
        privacy = self.config.privacy.model_copy(update={"mode": mode})
        self.apply_config(self.config.model_copy(update={"privacy": privacy}))

    @property
    def attention_only(self) -> bool:
        return self.config.privacy.attention_only

    def set_attention_only(self, enabled: bool) -> None:
        privacy = self.config.privacy.model_copy(update={"attention_only": enabled})
        self.apply_config(self.config.model_copy(update={"privacy": privacy}))

    def apply_config(self, config: Config) -> None:
        """Apply `config` section by section (see the module docstring) and keep it; a session
        that goes on as a new one starts after that, so a start that fails (a missing model)
        leaves the settings kept. A config the core cannot start with (e.g. an unusable data
        folder) is refused: the previous one is restored and the error raised."""
        config = Config.model_validate(config.model_dump())  # model_copy skips validation
        previous, was_running = self.config, self.running
        if (config.store, config.vcam) != (previous.store, previous.vcam):
            self._reopen(config, previous)
            renew = was_running
        else:
            self.config = config
            self.app.use_config(config)
            if config.privacy != previous.privacy:
                self.app.set_privacy(config.privacy)
            if config.server != previous.server:
                self.restart_feed()
            renew = (
                was_running
                and previous.privacy.attention_only
                and not config.privacy.attention_only
            )
            if renew:
                self.app.stop_session()
            elif not was_running:
                self.app.prepare_perception()
        self._keep(config)
        if renew:
            self.start_session()

    def restart_feed(self) -> None:
        """Serve the feed anew (new port or token); clients reconnect, the session goes on.
        A feed that cannot start is reported in `startup_problem`."""
        self.startup_problem = None
        try:
            self.app.restart_feed()
        except OutputError as exc:
            self._feed_off(exc)

    def _feed_off(self, exc: OutputError) -> None:
        """The core runs on without the feed; the driver shows `startup_problem`."""
        self.startup_problem = f"{exc}; running without the live feed"
        log.warning("%s", self.startup_problem)

    def _reopen(self, config: Config, previous: Config) -> None:
        """A new core for new outputs (store, camera), or the previous one again when the new
        one cannot start."""
        try:
            self._rebuild(config)
        except MeetwatchError:
            self._rebuild(previous)
            raise

    def _rebuild(self, config: Config) -> None:
        self.app.stop()
        self.config = config
        if self.target.window_title is None and config.capture.window:
            self.target = configured_target(config)
        self.app = self._new_app(config, self.options.server)
        self._attach()
        self.start()

    def _keep(self, config: Config) -> None:
        if self._save is not None:
            self._save(config)
