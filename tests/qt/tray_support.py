"""Helpers for the tray tests: a private home folder, a real core on the demo gallery."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from meetwatch.capture.windows import WindowInfo
from meetwatch.config import Config, config_dir, default_config_path
from meetwatch.config.models import ServerConfig
from meetwatch.controller import WatchTarget
from meetwatch.demo.scenario import DemoScenario, ScenarioSource
from meetwatch.desktop.controller import TrayController
from meetwatch.geometry import Rect
from meetwatch.qt.tray import TrayApp


@dataclass(frozen=True)
class Home:
    """A user's folders, all inside the test's tmp_path (config, data, logs, autostart)."""

    root: Path

    @property
    def config_dir(self) -> Path:
        return config_dir()

    @property
    def config_path(self) -> Path:
        return default_config_path()

    @property
    def log_path(self) -> Path:
        return self.root / "state" / "meetwatch.log"


def use_home(root: Path, mp: pytest.MonkeyPatch) -> Home:
    for name, sub in [
        ("HOME", ""),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ]:
        (root / sub).mkdir(parents=True, exist_ok=True)
        mp.setenv(name, str(root / sub))
    return Home(root)


def demo_target() -> WatchTarget:
    """The demo gallery rendered straight into the pipeline (no screen needed)."""
    return WatchTarget("the demo gallery", lambda: ScenarioSource(DemoScenario()))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def local_config() -> Config:
    """Defaults, but the feed on a free port, so tests never collide with each other or with
    a meetwatch the developer runs. Fixed for the test: the feed keeps its port when the
    core is rebuilt (settings, privacy mode), as it does for a person."""
    return Config(server=ServerConfig(port=free_port()))


@contextmanager
def running_tray(
    home: Home,
    config: Config | None = None,
    *,
    use_tray: bool = True,
    list_windows: Callable[[], list[WindowInfo]] = lambda: [],
    grab: Callable[[Rect], np.ndarray | None] | None = None,
) -> Iterator[TrayApp]:
    controller = TrayController(config or local_config(), home.config_path)
    controller.start()
    controller.target = demo_target()
    tray = TrayApp(
        controller, home.log_path, use_tray=use_tray, list_windows=list_windows, grab=grab
    )
    tray.show()
    try:
        yield tray
    finally:
        tray.close()
        controller.shutdown()
