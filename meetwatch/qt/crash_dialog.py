"""Uncaught exceptions: logged with their traceback and shown in a dialog that names the log
file, on whatever thread they happen. A GUI app without a terminal must never die silently,
and PyQt aborts the process on an exception in a slot unless sys.excepthook is replaced."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtWidgets import QMessageBox

log = logging.getLogger("meetwatch.crash")


class CrashReporter(QObject):
    """`install()` replaces sys.excepthook and threading.excepthook until `uninstall()`."""

    crashed = pyqtSignal(str)  # the one-line description; delivered on the GUI thread

    def __init__(self, log_path: Path) -> None:
        super().__init__()
        self.log_path = log_path
        self.dialog: QMessageBox | None = None
        self._previous = (sys.excepthook, threading.excepthook)
        self.crashed.connect(self._show)

    def install(self) -> None:
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous

    def _excepthook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        self.report(exc, kind, tb, "the main thread")

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "a worker thread"
        self.report(args.exc_value, args.exc_type, args.exc_traceback, f"thread {name!r}")

    def report(
        self,
        exc: BaseException,
        kind: type[BaseException] | None = None,
        tb: TracebackType | None = None,
        where: str = "the main thread",
    ) -> None:
        kind = kind or type(exc)
        text = "".join(traceback.format_exception(kind, exc, tb or exc.__traceback__))
        log.critical("uncaught exception in %s:\n%s", where, text.rstrip())
        self.crashed.emit(f"{kind.__name__}: {exc}")

    def _show(self, summary: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, "meetwatch - unexpected error", "")
        box.setObjectName("crash")
        box.setText("meetwatch hit an unexpected error and may not work correctly.")
        box.setInformativeText(
            f"{summary}\n\nThe details were written to the log file:\n{self.log_path}\n\n"
            "Please include that file when you report the problem."
        )
        box.setModal(False)
        box.show()
        self.dialog = box
