"""Talking to a tray app running in another process, inside a private HOME."""

from __future__ import annotations

import json
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meetwatch.qt.single_instance import instance_name


@dataclass
class Home:
    """A user's folders (config, data, logs) inside a test's tmp_path."""

    root: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
        env.update(
            HOME=str(self.root),
            XDG_CONFIG_HOME=str(self.root / "config"),
            XDG_DATA_HOME=str(self.root / "data"),
            XDG_STATE_HOME=str(self.root / "state"),
            XDG_CACHE_HOME=str(self.root / "cache"),
            PYTHONUNBUFFERED="1",
            **extra,
        )
        return env

    @property
    def config_dir(self) -> Path:
        return self.root / "config" / "meetwatch"

    @property
    def store(self) -> Path:
        return self.root / "data" / "meetwatch" / "sessions.sqlite3"

    @property
    def log(self) -> Path:
        return self.root / "state" / "meetwatch" / "log" / "meetwatch.log"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ask(home: Home, line: str) -> dict[str, Any] | None:
    """One request on the tray app's single-instance channel (a Unix socket in the temp
    folder, where Qt's QLocalServer puts it); None when no tray app answers."""
    path = Path(tempfile.gettempdir()) / instance_name(home.config_dir)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(str(path))
            s.sendall(line.encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return None
    reply = json.loads(data or b"null")
    return reply if isinstance(reply, dict) else None
