"""`meetwatch tray` / `meetwatch-tray`: meetwatch as a presenter uses it during a meeting.

A tray icon whose menu is rebuilt from the core's state each time it opens (a control window
instead where the desktop has no tray). The core is held by the same CoreController the CLI
and the feed's requests use (meetwatch.controller); this module only adapts it: menu,
dialogs, notifications, the overlay, and the events that reach the GUI thread through
EventBridge.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, QTimer, QUrl, pyqtSignal
from PyQt6.QtGui import QCursor, QDesktopServices
from PyQt6.QtWidgets import QDialog, QMenu, QMessageBox, QSystemTrayIcon

from meetwatch.capture.windows import WindowInfo
from meetwatch.config import Config, config_dir, load_config
from meetwatch.controller import region_target, window_target
from meetwatch.desktop.autostart import autostart_enabled, disable_autostart, enable_autostart
from meetwatch.desktop.controller import TrayController, TrayState
from meetwatch.desktop.logs import setup_file_logging
from meetwatch.desktop.notice import acknowledge, acknowledged
from meetwatch.errors import CaptureError, MeetwatchError
from meetwatch.geometry import Rect
from meetwatch.outputs.feed.protocol import event_data
from meetwatch.outputs.feed.token import rotate_token
from meetwatch.qt import application
from meetwatch.qt.bridge import EventBridge
from meetwatch.qt.consent import ConsentDialog, copy_participant_notice
from meetwatch.qt.crash_dialog import CrashReporter
from meetwatch.qt.log_viewer import LogViewer
from meetwatch.qt.overlay import OverlayWidget
from meetwatch.qt.placement import place_clear_of, watched_rect
from meetwatch.qt.settings_dialog import SettingsDialog
from meetwatch.qt.single_instance import SingleInstance, instance_name, send_command
from meetwatch.qt.tray_actions import Entry, fill_menu, separator
from meetwatch.qt.tray_icons import app_icon, state_icon
from meetwatch.qt.tray_window import ControlWindow
from meetwatch.qt.window_picker import RegionSelector, WindowPicker
from meetwatch.runtime.events import Event

log = logging.getLogger(__name__)

NOTIFY_MS = 8000
KEPT_NOTIFICATIONS = 20


def _list_windows() -> list[WindowInfo]:
    from meetwatch.capture.windows import list_windows

    return list_windows()


class _Thumbnails:
    """Grabs window thumbnails; a desktop that refuses screen grabs just shows none."""

    def __init__(self) -> None:
        self._grabber: Any = None

    def __call__(self, rect: Rect) -> np.ndarray | None:
        from meetwatch.capture.screen import ScreenGrabber

        try:
            if self._grabber is None:
                self._grabber = ScreenGrabber()
            return self._grabber.grab(rect)  # type: ignore[no-any-return]
        except CaptureError as exc:
            log.warning("no window thumbnails: %s", exc)
            return None

    def close(self) -> None:
        if self._grabber is not None:
            self._grabber.close()
            self._grabber = None


class TrayApp(QObject):
    """The tray (or control window) around one TrayController."""

    state_changed = pyqtSignal(str)

    def __init__(
        self,
        controller: TrayController,
        log_path: Path,
        *,
        use_tray: bool | None = None,
        list_windows: Callable[[], list[WindowInfo]] = _list_windows,
        grab: Callable[[Rect], np.ndarray | None] | None = None,
    ) -> None:
        super().__init__()
        self.controller = controller
        self.log_path = log_path
        self.notifications: list[tuple[str, str]] = []
        self._list_windows = list_windows
        self._screen = _Thumbnails()
        self._grab = grab or self._screen
        self._last_state: TrayState = controller.state
        self.consent_dialog: ConsentDialog | None = None
        self.picker: WindowPicker | None = None
        self.region_selector: RegionSelector | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.log_viewer: LogViewer | None = None

        self.bridge = EventBridge()
        self.bridge.received.connect(self._on_event)
        controller.subscribe(self.bridge)
        look = controller.config.overlay
        self.overlay = OverlayWidget(
            compact=look.compact,
            opacity=look.opacity,
            click_through=look.click_through,
            corner=look.corner,
        )
        self.overlay.on_connection(True, "in process")  # fed by the bridge, never disconnected
        self.menu = QMenu()
        self.menu.setObjectName("tray-menu")
        self.menu.aboutToShow.connect(self.refresh_menu)
        self.refresh_menu()

        if use_tray is None:
            use_tray = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray: QSystemTrayIcon | None = None
        self.window: ControlWindow | None = None
        if use_tray:
            self.tray = QSystemTrayIcon(state_icon(controller.state), self)
            self.tray.setContextMenu(self.menu)
            self.tray.activated.connect(self._tray_clicked)
        else:
            self.window = ControlWindow(self.entries, self.quit)
        self.refresh_state()

    # -- showing -----------------------------------------------------------------------------

    def show(self) -> None:
        if self.tray is not None:
            self.tray.show()
        if self.window is not None:
            self.window.show()
        if self.controller.startup_problem:
            self.notify("Live feed off", self.controller.startup_problem)

    def close(self) -> None:
        self._screen.close()
        self.overlay.close()
        if self.tray is not None:
            self.tray.hide()
        if self.window is not None:
            self.window.hide()

    def entries(self) -> list[Entry]:
        """The menu as the core's state asks for it now."""
        c = self.controller
        running = c.running
        return [
            Entry("status", f"meetwatch: {c.status_text()}"),
            separator(),
            Entry("stop", "Stop session", self._guard(self.stop_session))
            if running
            else Entry("start", "Start session", self._guard(self.request_start)),
            *(
                [Entry("section", f"Mark section {c.next_section}", self._guard(c.mark_section))]
                if running
                else []
            ),
            Entry("pick", "Pick meeting window...", self._guard(self.request_pick)),
            Entry(
                "overlay",
                "Hide overlay" if self.overlay.isVisible() else "Show overlay",
                self.toggle_overlay,
            ),
            Entry(
                "aggregate",
                "Aggregate-only mode (nobody individually)",
                self._guard(lambda: self.set_aggregate_only(not c.aggregate_only)),
                checked=c.aggregate_only,
            ),
            Entry(
                "attention",
                "Attention-only mode (no emotion analysis)",
                self._guard(lambda: self.set_attention_only(not c.attention_only)),
                checked=c.attention_only,
            ),
            separator(),
            Entry(
                "report",
                "Open last report",
                self._guard(self.open_last_report),
                enabled=c.last_session_id() is not None,
            ),
            Entry("notice", "Copy participant notice", self.copy_notice),
            separator(),
            Entry("settings", "Settings...", self._guard(self.open_settings)),
            Entry("log", "Show log...", self.show_log),
            Entry(
                "autostart",
                "Start at login",
                self._guard(self.toggle_autostart),
                checked=_autostart_state(),
            ),
            separator(),
            Entry("quit", "Quit", self.quit),
        ]

    def refresh_menu(self) -> None:
        fill_menu(self.menu, self.entries())

    def refresh_state(self) -> None:
        state = self.controller.state
        text = self.controller.status_text()
        if self.tray is not None:
            self.tray.setIcon(state_icon(state))
            self.tray.setToolTip(f"meetwatch - {text}")
        if self.window is not None:
            self.window.refresh(state, text)
        if state != self._last_state:
            self._last_state = state
            self.state_changed.emit(state)

    def notify(self, title: str, message: str, error: bool = True) -> None:
        """A tray notification (or the control window's status line), always logged."""
        (log.warning if error else log.info)("%s: %s", title, message)
        self.notifications = [*self.notifications, (title, message)][-KEPT_NOTIFICATIONS:]
        if self.tray is not None:
            icon = (
                QSystemTrayIcon.MessageIcon.Warning
                if error
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.tray.showMessage(f"meetwatch: {title}", message, icon, NOTIFY_MS)
        if self.window is not None:
            self.window.status.setText(f"{title}: {message}")

    def _guard(self, action: Callable[[], None]) -> Callable[[], None]:
        """What a person can cause ends as a notification, never as a crash."""

        def run() -> None:
            try:
                action()
            except MeetwatchError as exc:
                self.notify("Error", str(exc))
            self.refresh_state()

        return run

    def _tray_clicked(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:  # left click: same menu
            self.menu.popup(QCursor.pos())

    # -- core events -------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if event.kind == "FaceSignals":  # per frame and per face; nothing here shows them
            return
        before = self.controller.state
        if self.controller.on_event(event):
            after = self.controller.state
            if after != before and after in ("paused", "error"):
                status = self.controller.problems.get("capture") or next(
                    iter(self.controller.problems.values())
                )
                title = "Paused" if after == "paused" else "Error"
                self.notify(title, f"{status.stage}: {status.message or status.state}")
            self.refresh_state()
        try:
            data = event_data(event)  # redacted by the privacy gate the controller reads
        except MeetwatchError as exc:
            log.warning("%s", exc)
            return
        if self.overlay.state.apply_event(event.kind, data, time.time()):
            self.overlay.update()

    # -- actions -----------------------------------------------------------------------------

    def request_start(self) -> None:
        """Show the session-start notice; the session starts when the presenter accepts."""
        if self.consent_dialog is not None:
            self.consent_dialog.raise_()
            return
        dialog = ConsentDialog(self.controller.config, first_run=False)
        self.consent_dialog = dialog

        def done(result: int) -> None:
            self.consent_dialog = None
            if result == QDialog.DialogCode.Accepted:
                self._guard(lambda: self._start(dialog.aggregate_only, dialog.attention_only))()

        dialog.finished.connect(done)
        dialog.open()
        place_clear_of(dialog, self._watched())
        dialog.raise_()
        dialog.activateWindow()

    def _start(self, aggregate_only: bool, attention_only: bool) -> None:
        if aggregate_only != self.controller.aggregate_only:
            self.controller.set_aggregate_only(aggregate_only)
        if attention_only != self.controller.attention_only:
            self.controller.set_attention_only(attention_only)
        info = self.controller.start_session()
        self.notify("Recording", f"session started, watching {self.controller.target.label}", False)
        log.info("session %s started on %s", info.session_id, info.source)

    def stop_session(self) -> None:
        ended = self.controller.stop_session()
        if ended is not None:
            self.notify("Stopped", "session ended and saved", False)

    def request_pick(self) -> None:
        if self.picker is not None:
            self.picker.raise_()
            return
        picker = WindowPicker(self._list_windows_safely, self._grab)
        self.picker = picker

        def done(result: int) -> None:
            self.picker = None
            if result != QDialog.DialogCode.Accepted:
                return
            if picker.region_requested:
                self._select_region()
            elif (chosen := picker.chosen) is not None:
                self._guard(lambda: self.controller.set_target(window_target(chosen.title)))()

        picker.finished.connect(done)
        picker.open()
        place_clear_of(picker, self._watched())
        picker.raise_()
        picker.activateWindow()

    def _list_windows_safely(self) -> list[WindowInfo]:
        try:
            return self._list_windows()
        except CaptureError as exc:
            self.notify("Cannot list windows", str(exc))
            return []

    def _select_region(self) -> None:
        selector = RegionSelector()
        self.region_selector = selector
        selector.selected.connect(
            lambda rect: self._guard(lambda: self.controller.set_target(region_target(rect)))()
        )
        selector.show()
        selector.activateWindow()

    def _watched(self) -> Rect | None:
        """The captured window, which none of meetwatch's own windows may cover."""
        return watched_rect(self.controller.target.window_title)

    def toggle_overlay(self) -> None:
        if self.overlay.isVisible():
            self.overlay.hide()
        else:
            self.overlay.show()
            self.overlay.snap()
            place_clear_of(self.overlay, self._watched())

    def set_aggregate_only(self, enabled: bool) -> None:
        self.controller.set_aggregate_only(enabled)
        mode = "on: room figures only" if enabled else "off: individual figures shown"
        self.notify("Aggregate-only mode", mode, False)

    def set_attention_only(self, enabled: bool) -> None:
        self.controller.set_attention_only(enabled)
        if enabled:  # no emotion may stay on screen from before
            self.overlay.state.attention_only = True
            self.overlay.update()
        mode = "on: emotion is not analysed" if enabled else "off: emotion is analysed"
        self.notify("Attention-only mode", mode, False)

    def open_last_report(self) -> None:
        path = self.controller.last_report()
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def copy_notice(self) -> None:
        copy_participant_notice(self.controller.config)
        self.notify("Copied", "the participant notice is on the clipboard", False)

    def open_settings(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            return
        dialog = SettingsDialog(
            self.controller.config,
            extra_actions=[("server", "Rotate feed token", self._guard(self.rotate_token))],
        )
        self.settings_dialog = dialog

        def done(result: int) -> None:
            self.settings_dialog = None
            config = dialog.result_config
            if result == QDialog.DialogCode.Accepted and config is not None:
                self._guard(lambda: self.apply_settings(config))()

        dialog.finished.connect(done)
        dialog.open()

    def apply_settings(self, config: Config) -> None:
        self.controller.apply_config(config)
        look = config.overlay
        self.overlay.set_compact(look.compact)
        self.overlay.set_opacity(look.opacity)
        self.overlay.set_click_through(look.click_through)
        if self.overlay.isVisible():
            self.overlay.snap(look.corner)
        else:
            self.overlay.corner = look.corner
        self.notify("Settings saved", "the new settings are in effect", False)

    def rotate_token(self) -> None:
        """New token; the feed restarts with it, so clients holding the old one drop out."""
        rotate_token(config_dir())
        self.controller.restart_feed()
        if self.controller.startup_problem:
            self.notify("Live feed off", self.controller.startup_problem)
        self.notify("Token rotated", "overlay links and clients need the new token", False)

    def show_log(self) -> None:
        if self.log_viewer is None:
            self.log_viewer = LogViewer(self.log_path)
        self.log_viewer.reload()
        self.log_viewer.show()
        self.log_viewer.raise_()

    def toggle_autostart(self) -> None:
        if _autostart_state():
            disable_autostart()
            self.notify("Start at login", "off", False)
        else:
            where = enable_autostart()
            self.notify("Start at login", f"on ({where})", False)

    def quit(self) -> None:
        application().quit()

    # -- the single-instance channel ---------------------------------------------------------

    def handle_command(self, command: str, arg: str) -> dict[str, Any]:
        """Requests from a second launch or a script (see single_instance)."""
        c = self.controller
        if command == "activate":
            if self.window is not None:
                self.window.show()
                self.window.raise_()
            self.notify("Already running", "meetwatch is in the tray", False)
        elif command == "status":
            return self.status()
        elif command == "start-session":
            if arg:
                c.set_target(window_target(arg))
            self.request_start()
        elif command == "stop-session":
            self._guard(self.stop_session)()
        elif command == "pick-window":
            self.request_pick()
        elif command == "quit":
            QTimer.singleShot(0, self.quit)
        else:
            raise MeetwatchError(f"unknown command {command!r}")
        return {"ok": True}

    def status(self) -> dict[str, Any]:
        c = self.controller
        geometry = self.tray.geometry() if self.tray is not None else None
        session = c.session
        return {
            "ok": True,
            "state": c.state,
            "running": c.running,
            "session_id": None if session is None else session.session_id,
            "last_session_id": c.last_session_id(),
            "target": c.target.label,
            "aggregate_only": c.aggregate_only,
            "tray": None
            if geometry is None or geometry.isEmpty()
            else [geometry.x(), geometry.y(), geometry.width(), geometry.height()],
            "dialogs": [
                d.objectName()
                for d in (self.consent_dialog, self.picker, self.settings_dialog)
                if d is not None
            ],
            "notifications": self.notifications[-5:],
        }


def _autostart_state() -> bool:
    try:
        return autostart_enabled()
    except MeetwatchError:
        return False


def _quit_on_signals() -> QTimer:
    """Ctrl+C and SIGTERM end the app cleanly (the session is stopped and saved); Qt's loop
    only lets Python run its signal handlers when something wakes it."""
    app = application()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    return wake


def _first_run(config: Config, config_path: Path | None) -> Config | None:
    """The notice on first run: None when the presenter declines (the app then quits)."""
    folder = config_dir()
    if acknowledged(folder):
        return config
    dialog = ConsentDialog(config, first_run=True)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    acknowledge(folder)
    chosen = dialog.chosen_config()  # where meetwatch is used, and the modes
    if chosen != config:
        from meetwatch.desktop.settings_file import save_config

        save_config(chosen, config_path)
    return chosen


def run_tray(config: Config, config_path: Path | None = None) -> int:
    """Run the tray app until the user quits; the exit status."""
    log_path = setup_file_logging()
    app = application()
    app.setQuitOnLastWindowClosed(False)
    app.setApplicationName("meetwatch")
    app.setWindowIcon(app_icon())
    crash = CrashReporter(log_path)
    crash.install()
    holder: list[TrayApp] = []

    def handle(command: str, arg: str) -> dict[str, Any]:
        if not holder:
            raise MeetwatchError("meetwatch is still starting")
        return holder[0].handle_command(command, arg)

    instance = SingleInstance(instance_name(config_dir()), handle)
    if not instance.claim():
        send_command(instance.name, "activate")
        print("meetwatch is already running (see its tray icon)")
        return 0
    controller: TrayController | None = None
    try:
        accepted = _first_run(config, config_path)
        if accepted is None:
            return 0
        controller = TrayController(accepted, config_path)
        controller.start()
        tray = TrayApp(controller, log_path)
        holder.append(tray)
        tray.show()
        wake = _quit_on_signals()
        log.info("tray started (log: %s)", log_path)
        status = app.exec()
        wake.stop()
        tray.close()
        return status
    except MeetwatchError as exc:
        log.error("%s", exc)
        _fatal(str(exc))
        return exc.exit_code
    finally:
        if controller is not None:
            controller.shutdown()
        instance.close()
        crash.uninstall()


def _fatal(message: str) -> None:
    print(f"meetwatch: {message}", file=sys.stderr)
    QMessageBox.critical(None, "meetwatch", message)


def main(argv: Sequence[str] | None = None) -> int:
    """The `meetwatch-tray` GUI entry point."""
    parser = argparse.ArgumentParser(prog="meetwatch-tray", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="config file (default: the user config file)")
    parser.add_argument(
        "--send",
        metavar="COMMAND",
        help="send a command to the running tray app (status, start-session [TITLE], "
        "stop-session, pick-window, activate, quit) and print its reply",
    )
    args = parser.parse_args(argv)
    if args.send:
        reply = send_command(instance_name(config_dir()), args.send)
        print(json.dumps(reply))
        return 0 if reply and reply.get("ok") else 1
    try:
        config = load_config(args.config)
    except MeetwatchError as exc:
        application()
        _fatal(str(exc))
        return exc.exit_code
    return run_tray(config, args.config)


if __name__ == "__main__":
    sys.exit(main())
