"""The tray's view of the core: the one CoreController every driver uses, plus what only the
tray shows (its state icon and tooltip, the problems of the running session, the last
report) and keeps (settings saved to the config file).

The GUI calls everything here on its own thread; bus events reach `on_event` through the Qt
bridge, so the state needs no locks. Sessions started by a feed client fold into the same
state: the controller runs them, and their SessionStarted event resets the problems here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from meetwatch.app import AppOptions, report_options
from meetwatch.config import Config, data_dir
from meetwatch.controller import CoreController
from meetwatch.desktop.settings_file import save_config
from meetwatch.desktop.usage import mode_name
from meetwatch.errors import StoreError
from meetwatch.runtime.events import Event
from meetwatch.shared import StageStatus

TrayState = Literal["idle", "watching", "paused", "error"]
REPORTS_FOLDER = "reports"


class TrayController(CoreController):
    """The core for the desktop shell; settings changes are saved to `config_path`."""

    def __init__(self, config: Config, config_path: Path | None = None) -> None:
        super().__init__(
            config, AppOptions(server=True), save=lambda c: save_config(c, config_path)
        )
        self.config_path = config_path
        self.problems: dict[str, StageStatus] = {}

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
            head = f"recording - watching {self.watching}"
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
