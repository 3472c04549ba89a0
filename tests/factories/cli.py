"""Run the real `meetwatch` command as a user would, with its folders inside a test folder.

XDG_DATA_HOME and XDG_CONFIG_HOME point into `home`, so the session store, the token and the
config file of the test never touch (or read) the real user's.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def cli_env(home: Path, **extra: str | None) -> dict[str, str]:
    """The environment for a child meetwatch; a None value removes that variable."""
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "PYTHONUNBUFFERED": "1",
        "TZ": "UTC",  # report times in the tests' own clock
    }
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def meetwatch(
    home: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    **popen: Any,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meetwatch", *args],
        env=dict(env) if env is not None else cli_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **popen,
    )


def meetwatch_process(env: Mapping[str, str], *args: str) -> subprocess.Popen[str]:
    """A running child meetwatch whose output (stdout and stderr together) the test reads."""
    return subprocess.Popen(
        [sys.executable, "-m", "meetwatch", *args],
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def store_path(home: Path) -> Path:
    return home / "data" / "meetwatch" / "sessions.sqlite3"


def store_rows(home: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{store_path(home)}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def rows_so_far(home: Path, sql: str) -> int:
    """How many rows a query of a running child's store returns; 0 while the store is still
    being created."""
    try:
        return len(store_rows(home, sql)) if store_path(home).exists() else 0
    except sqlite3.OperationalError:
        return 0


def config_file(home: Path, text: str) -> Path:
    """Write the user config file the child will read by default."""
    path = home / "config" / "meetwatch" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
