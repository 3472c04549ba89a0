"""The desktop app's log file: a GUI app has no terminal, so every warning and error must land
somewhere a person (or a bug report) can find it. Rotated so it never grows without bound."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from platformdirs import user_log_dir

from meetwatch.private_files import private_file, private_folder

LOG_FILE = "meetwatch.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_dir() -> Path:
    return Path(user_log_dir("meetwatch"))


def setup_file_logging(folder: Path | None = None, level: int = logging.INFO) -> Path:
    """Send the root logger to a rotating file in `folder` (default: the user log dir).

    Idempotent: a second call (e.g. the tray restarted in the same process) adds no second
    handler. Returns the log file's path.
    """
    path = (folder or log_dir()) / LOG_FILE
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path:
            return path
    private_folder(path.parent)
    private_file(path)  # rotated files keep its mode; the folder is private anyway
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return path


def read_tail(path: Path, max_chars: int = 200_000) -> str:
    """The end of the log, for the log viewer (a missing log is not an error)."""
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - max_chars))
            return f.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
