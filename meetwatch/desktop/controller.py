"""The desktop app's hold on the core: one App, what to watch, and the state the tray shows.

The App reads its config once, when it is built (feed privacy, virtual camera, analysis
rate), so changing settings or the privacy mode rebuilds it; a session that was running
continues on the same target as a new session under the new rules. Privacy therefore
changes immediately, never "from the next session on".

The GUI calls everything here on its own thread; bus events reach `on_event` through the Qt
bridge, so the state needs no locks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from meetwatch.app import App, AppOptions, report_options
from meetwatch.capture.source import FrameSource
from meetwatch.capture.spec import open_source
from meetwatch.config import Config, data_dir
from meetwatch.desktop.settings_file import save_config
from meetwatch.desktop.usage import mode_name, with_attention_only
from meetwatch.errors import MeetwatchError, OutputError, StoreError
from meetwatch.geometry import Rect
from meetwatch.runtime.events import Event
from meetwatch.shared import SessionInfo, StageStatus

log = logging.getLogger(__name__)

TrayState = Literal["idle", "watching", "paused", "error"]
REPORTS_FOLDER = "reports"


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


AppFactory = Callable[[Config, bool], App]  # (config, serve the live feed)


class CoreController:
    """Owns the running App for the desktop shell; every method may raise MeetwatchError."""

    def __init__(
        self,
        config: Config,
        config_path: Path | None = None,
        *,
        app_factory: AppFactory | None = None,
    ) -> None:
        self.config = config
        self.config_path = config_path
        self.target: WatchTarget = configured_target(config)
        self._app_factory = app_factory or self._build_app
        self.app = self._app_factory(config, True)
        self.next_section = 1  # number of the section "Mark section" starts next
        self.problems: dict[str, StageStatus] = {}
        self.startup_problem: str | None = None
        self._subscribers: list[Callable[[Event], None]] = []
        self._detach: list[Callable[[], None]] = []

    def _build_app(self, config: Config, server: bool) -> App:
        """An App whose sessions watch the chosen target, or the source a feed client names
        in `StartSession` (the same strings the CLI takes)."""
        return App(config, AppOptions(server=server), source_factory=self._open_source)

    def _open_source(self, spec: str | None) -> FrameSource:
        return self.target.open_source() if spec is None else open_source(spec)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Open the store and outputs. A feed that cannot start (port in use) is reported in
        `startup_problem` and the core runs without it, so the tray still works."""
        self.startup_problem = None
        try:
            self.app.start()
        except OutputError as exc:
            self.app.stop()
            self.startup_problem = f"{exc}; running without the live feed"
            log.warning("%s", self.startup_problem)
            self.app = self._app_factory(self.config, False)
            self._attach()
            self.app.start()
        except MeetwatchError:
            self.app.stop()
            raise
        self.app.prepare_perception()

    def shutdown(self) -> None:
        for detach in self._detach:
            detach()
        self._detach = []
        self.app.stop()

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

    def set_target(self, target: WatchTarget) -> None:
        """Watch `target` from the next session on; a picked window is remembered."""
        self.target = target
        if target.window_title and target.window_title != self.config.capture.window:
            capture = self.config.capture.model_copy(update={"window": target.window_title})
            self.config = self.config.model_copy(update={"capture": capture})
            save_config(self.config, self.config_path)

    def start_session(self) -> SessionInfo:
        self.problems.clear()
        self.next_section = 1
        return self.app.start_session(self.target.open_source())

    def mark_section(self) -> None:
        """Start the next section of the talk; reports group their figures by section."""
        self.app.mark_section(f"Section {self.next_section}")
        self.next_section += 1

    def stop_session(self) -> SessionInfo | None:
        ended = self.app.stop_session()
        self.problems.clear()
        self._prune()
        self.app.prepare_perception()
        return ended

    def _prune(self) -> None:
        """Retention runs at start-up and after each session: a tray app may run for weeks."""
        days = self.config.store.retention_days
        if days and self.app.store is not None:
            removed = self.app.store.prune(time.time() - days * 86400)
            if removed:
                log.info("retention: deleted %d session(s) older than %d days", removed, days)

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
        """Rebuilt at once like every privacy change: a running session goes on as a new
        session without (or with) the emotion model."""
        self.apply_config(with_attention_only(self.config, enabled))

    def apply_config(self, config: Config) -> None:
        """Rebuild the core with `config`, then save it (see the module docstring). A config
        the core cannot start with (e.g. an unusable data folder) is refused: the previous
        one is restored and the error raised."""
        config = Config.model_validate(config.model_dump())  # model_copy skips validation
        was_running, previous = self.running, self.config
        try:
            self._rebuild(config)
        except MeetwatchError:
            self._rebuild(previous)
            raise
        save_config(config, self.config_path)
        if was_running:
            self.start_session()

    def _rebuild(self, config: Config) -> None:
        self.app.stop()
        self.config = config
        if self.target.window_title is None and config.capture.window:
            self.target = configured_target(config)
        self.app = self._app_factory(config, True)
        self._attach()
        self.start()

    # -- state -------------------------------------------------------------------------------

    def on_event(self, event: Event) -> bool:
        """Fold a core event into the tray state; returns whether the state may have changed."""
        if event.kind == "StageStatusChanged":
            status: StageStatus = event.payload
            if status.state in ("degraded", "error"):
                self.problems[status.stage] = status
            else:
                self.problems.pop(status.stage, None)
            return True
        if event.kind in ("SessionStarted", "SessionEnded"):
            self.problems.clear()
            return True
        return False

    @property
    def state(self) -> TrayState:
        states = {p.state for p in self.problems.values()}
        if "error" in states:
            return "error"
        if not self.running:
            return "idle"
        return "paused" if "degraded" in states else "watching"

    def status_text(self) -> str:
        """One line for the tooltip and the control window."""
        problems = "; ".join(f"{p.stage}: {p.message or p.state}" for p in self.problems.values())
        if self.running:
            head = f"recording - watching {self.target.label}"
        else:
            head = f"idle - will watch {self.target.label}"
        return f"{head} ({mode_name(self.config)})" + (f" - {problems}" if problems else "")

    # -- reports -----------------------------------------------------------------------------

    def last_session_id(self) -> str | None:
        if self.app.last_session is not None:
            return self.app.last_session.session_id
        if self.app.store is None:
            return None
        sessions = [s for s in self.app.store.list_sessions() if s.info.ended_at is not None]
        return sessions[0].session_id if sessions else None

    def last_report(self) -> Path:
        """The HTML report of the last finished session, built into the data folder if it is
        not there yet."""
        from meetwatch.outputs.reports import build_report

        session_id = self.last_session_id()
        if session_id is None or self.app.store is None:
            raise StoreError("no session has been recorded yet")
        folder = data_dir(self.config) / REPORTS_FOLDER
        existing = sorted(folder.glob(f"meetwatch-*-{session_id[:8]}.html"))
        if existing:
            return existing[-1]
        return build_report(
            self.app.store,
            session_id,
            formats=["html"],
            out_dir=folder,
            options=report_options(self.config),
        )[0]
