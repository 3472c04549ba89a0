"""Start at login, the way each desktop expects it: an XDG autostart entry on Linux, a
LaunchAgent on macOS, the per-user Run key on Windows. Nothing needs admin rights, and
turning it off removes exactly what turning it on wrote.

`platform` defaults to this machine's but can be given, so every writer is testable anywhere
(the Windows registry itself only exists on Windows).
"""

from __future__ import annotations

import os
import plistlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from meetwatch.errors import ConfigError

APP_ID = "io.meetwatch.tray"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "meetwatch"


def launch_command() -> list[str]:
    """How this installation starts the tray app."""
    if getattr(sys, "frozen", False):  # the PyInstaller app
        return [sys.executable, "tray"]
    return [sys.executable, "-m", "meetwatch", "tray"]


def autostart_path(platform: str = sys.platform) -> Path | None:
    """The file that makes meetwatch start at login (None on Windows: it is a registry value)."""
    if platform.startswith("linux"):
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(base) / "autostart" / "meetwatch.desktop"
    if platform == "darwin":
        return Path.home() / "Library" / "LaunchAgents" / f"{APP_ID}.plist"
    if platform == "win32":
        return None
    raise ConfigError(f"starting at login is not supported on {platform}")


def desktop_entry(command: Sequence[str]) -> str:
    exec_line = " ".join(_desktop_quote(arg) for arg in command)
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=meetwatch\n"
        "Comment=Meeting engagement companion (tray)\n"
        f"Exec={exec_line}\n"
        "Icon=meetwatch\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def launch_agent(command: Sequence[str]) -> bytes:
    return plistlib.dumps(
        {
            "Label": APP_ID,
            "ProgramArguments": list(command),
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
    )


def run_value(command: Sequence[str]) -> str:
    """The Windows Run key's command line (quoted the way CreateProcess parses it)."""
    return subprocess.list2cmdline(list(command))


def enable_autostart(command: Sequence[str] | None = None, platform: str = sys.platform) -> str:
    """Start `command` (default: this installation's tray) at login; returns where it went."""
    command = list(command or launch_command())
    path = autostart_path(platform)
    if path is None:
        _set_run_value(run_value(command))
        return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{RUN_VALUE}"
    content = launch_agent(command) if platform == "darwin" else desktop_entry(command).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc
    return str(path)


def disable_autostart(platform: str = sys.platform) -> bool:
    """Stop starting at login; returns whether there was anything to remove."""
    path = autostart_path(platform)
    if path is None:
        return _delete_run_value()
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise ConfigError(f"cannot remove {path}: {exc.strerror}") from exc
    return True


def autostart_enabled(platform: str = sys.platform) -> bool:
    path = autostart_path(platform)
    if path is None:
        return _get_run_value() is not None
    return path.is_file()


def _desktop_quote(arg: str) -> str:
    """Quote one Exec argument as the Desktop Entry Specification requires."""
    if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


# -- Windows registry (only importable on Windows) ---------------------------------------------


def _winreg() -> Any:
    """The registry module; typed loosely because type checkers on other systems see an
    empty one."""
    import winreg

    return winreg


def _set_run_value(value: str) -> None:
    reg = _winreg()
    with reg.CreateKey(reg.HKEY_CURRENT_USER, RUN_KEY) as key:
        reg.SetValueEx(key, RUN_VALUE, 0, reg.REG_SZ, value)


def _get_run_value() -> str | None:
    reg = _winreg()
    try:
        with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY) as key:
            return str(reg.QueryValueEx(key, RUN_VALUE)[0])
    except FileNotFoundError:
        return None


def _delete_run_value() -> bool:
    reg = _winreg()
    try:
        with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
            reg.DeleteValue(key, RUN_VALUE)
    except FileNotFoundError:
        return False
    return True
