"""Process-level behaviour of the tray app: one instance per config, the first-run notice,
and uncaught exceptions that end in a dialog naming the log file instead of a silent death."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication, QMessageBox

from meetwatch.config import Config, load_config
from meetwatch.desktop.logs import read_tail, setup_file_logging
from meetwatch.desktop.notice import acknowledged
from meetwatch.errors import MeetwatchError
from meetwatch.qt.consent import ConsentDialog
from meetwatch.qt.crash_dialog import CrashReporter
from meetwatch.qt.single_instance import SingleInstance, instance_name, send_command
from meetwatch.qt.tray import _first_run
from tests.qt.feed import wait_until
from tests.qt.tray_support import Home, use_home


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    return use_home(tmp_path, monkeypatch)


def ask_in_thread(name: str, line: str) -> list[dict[str, Any] | None]:
    """A second process's request, sent while this process's Qt loop keeps running."""
    replies: list[dict[str, Any] | None] = []
    thread = threading.Thread(target=lambda: replies.append(send_command(name, line)))
    thread.start()
    return replies


def test_second_instance_is_refused_and_talks_to_the_first(qapp: QApplication, home: Home) -> None:
    name = instance_name(home.config_dir)
    assert name != instance_name(home.root / "another")
    seen: list[tuple[str, str]] = []

    def handler(command: str, arg: str) -> dict[str, Any]:
        seen.append((command, arg))
        if command == "boom":
            raise MeetwatchError("no such thing")
        return {"ok": True, "state": "idle"}

    first = SingleInstance(name, handler)
    assert first.claim()
    try:
        assert not SingleInstance(name, handler).claim()
        replies = ask_in_thread(name, "start-session Zoom Meeting - demo")
        wait_until(qapp, lambda: bool(replies))
        assert replies == [{"ok": True, "state": "idle"}]
        assert seen == [("start-session", "Zoom Meeting - demo")]
        replies = ask_in_thread(name, "boom")
        wait_until(qapp, lambda: bool(replies))
        assert replies == [{"ok": False, "error": "no such thing"}]
    finally:
        first.close()
    assert send_command(name, "status", 500) is None  # nobody answers any more
    again = SingleInstance(name, handler)
    assert again.claim()  # a stale socket never blocks the next start
    again.close()


def _answer_when_shown(accept: bool, aggregate_only: bool = False) -> None:
    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ConsentDialog):
            QTimer.singleShot(20, act)
            return
        dialog.aggregate_box.setChecked(aggregate_only)
        if accept:
            dialog.accept()
        else:
            dialog.reject()

    QTimer.singleShot(20, act)


def test_first_run_notice_must_be_accepted_once(qapp: QApplication, home: Home) -> None:
    _answer_when_shown(accept=False)
    assert _first_run(Config(), None) is None  # declined: the app quits
    assert not acknowledged(home.config_dir)
    _answer_when_shown(accept=True, aggregate_only=True)
    config = _first_run(Config(), None)
    assert config is not None and config.privacy.mode == "aggregate_only"
    assert acknowledged(home.config_dir)
    assert load_config(home.config_path).privacy.mode == "aggregate_only"
    assert _first_run(Config(), None) == Config()  # no dialog the second time


@pytest.fixture
def crash_reporter(qapp: QApplication, tmp_path: Path) -> Any:
    root = logging.getLogger()
    before = list(root.handlers)
    reporter = CrashReporter(setup_file_logging(tmp_path))
    reporter.install()
    yield reporter
    reporter.uninstall()
    if reporter.dialog is not None:
        reporter.dialog.close()
    for h in set(root.handlers) - set(before):
        root.removeHandler(h)
        h.close()


def _dialog_text(reporter: CrashReporter) -> str:
    box = reporter.dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    return box.text() + "\n" + box.informativeText()


def test_exception_in_a_slot_opens_a_dialog_with_the_log_path(
    qapp: QApplication, crash_reporter: CrashReporter
) -> None:
    def broken_slot() -> None:
        raise RuntimeError("slot went wrong")

    QTimer.singleShot(0, broken_slot)
    wait_until(qapp, lambda: crash_reporter.dialog is not None)
    text = _dialog_text(crash_reporter)
    assert "RuntimeError: slot went wrong" in text and str(crash_reporter.log_path) in text
    logged = read_tail(crash_reporter.log_path)
    assert "uncaught exception in the main thread" in logged and "broken_slot" in logged


def test_exception_in_a_worker_thread_is_shown_on_the_gui_thread(
    qapp: QApplication, crash_reporter: CrashReporter
) -> None:
    def work() -> None:
        raise ValueError("worker went wrong")

    thread = threading.Thread(target=work, name="capture")
    thread.start()
    thread.join()
    wait_until(qapp, lambda: crash_reporter.dialog is not None)
    assert "ValueError: worker went wrong" in _dialog_text(crash_reporter)
    assert "uncaught exception in thread 'capture'" in read_tail(crash_reporter.log_path)
