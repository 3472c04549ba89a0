"""The tray app's pure helpers (no Qt): notices, first-run acknowledgement, the config writer,
the log file and start-at-login entries, all inside a temporary HOME."""

from __future__ import annotations

import configparser
import logging
import plistlib
import shlex
from pathlib import Path

import pytest

from meetwatch.config import Config, load_config
from meetwatch.config.models import CaptureConfig, PrivacyConfig, StoreConfig
from meetwatch.desktop import autostart
from meetwatch.desktop.logs import read_tail, setup_file_logging
from meetwatch.desktop.notice import (
    acknowledge,
    acknowledged,
    participant_notice,
    presenter_notice,
)
from meetwatch.desktop.settings_file import config_toml, save_config
from meetwatch.errors import ConfigError
from tests.qt.tray_support import Home, use_home

AGGREGATE = Config(privacy=PrivacyConfig(mode="aggregate_only"))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    return use_home(tmp_path, monkeypatch)


def test_notices_follow_the_privacy_settings() -> None:
    individual, aggregate = presenter_notice(Config()), presenter_notice(AGGREGATE)
    for text in (individual, aggregate):
        assert "on this computer only" in text and "No face images are stored" in text
    assert "Individual figures are ON" in individual
    assert "Aggregate-only mode is ON" in aggregate
    assert '"Participant 1"' in individual and "(no names)" in aggregate
    chat_individual, chat_aggregate = participant_notice(Config()), participant_notice(AGGREGATE)
    assert "each video tile" in chat_individual
    assert "nobody is measured individually" in chat_aggregate
    assert "each video tile" not in chat_aggregate
    for text in (chat_individual, chat_aggregate):
        assert "No video, images or recordings of you are stored" in text


def test_first_run_is_remembered_per_install(home: Home) -> None:
    assert not acknowledged(home.config_dir)
    path = acknowledge(home.config_dir, now=1.0)
    assert path.parent == home.config_dir and acknowledged(home.config_dir)
    path.write_text('{"version": 0}')  # an older notice: ask again
    assert not acknowledged(home.config_dir)
    path.write_text("not json")
    assert not acknowledged(home.config_dir)


def test_config_round_trips_with_only_changed_values(tmp_path: Path) -> None:
    config = Config(
        capture=CaptureConfig(rate_hz=2.0, window='Zoom "Meeting"'),
        privacy=PrivacyConfig(mode="aggregate_only"),
        store=StoreConfig(data_dir=tmp_path / "data folder", retention_days=7),
    )
    text = config_toml(config)
    assert "[analysis]" not in text and "retention_days = 7" in text
    path = save_config(config, tmp_path / "sub" / "config.toml")
    assert load_config(path) == config
    assert save_config(Config(), path) == path and load_config(path) == Config()
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp files left


def test_unwritable_config_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="cannot save the settings"):
        save_config(Config(), blocker / "config.toml")


def test_log_file_rotates_and_is_set_up_once(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        path = setup_file_logging(tmp_path)
        assert setup_file_logging(tmp_path) == path
        assert len(root.handlers) == len(before) + 1
        logging.getLogger("meetwatch.test").warning("capture denied: %s", "no permission")
        for h in root.handlers:
            h.flush()
        assert "WARNING meetwatch.test: capture denied: no permission" in read_tail(path)
        assert read_tail(tmp_path / "missing.log") == ""
    finally:
        for h in set(root.handlers) - set(before):
            root.removeHandler(h)
            h.close()


COMMAND = ["/opt/meet watch/python", "-m", "meetwatch", "tray", "--config", "/a/$HOME/b.toml"]


def test_xdg_autostart_entry(home: Home) -> None:
    assert not autostart.autostart_enabled("linux")
    where = autostart.enable_autostart(COMMAND, "linux")
    path = home.root / "config" / "autostart" / "meetwatch.desktop"
    assert where == str(path) and autostart.autostart_enabled("linux")
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(path)
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Terminal"] == "false"
    # the spec's quoting: a shell-like split with \$ unescaped gives back the exact argv
    assert shlex.split(desktop["Exec"].replace("\\$", "$")) == COMMAND
    assert autostart.disable_autostart("linux") and not path.exists()
    assert not autostart.disable_autostart("linux")


def test_launch_agent_on_macos(home: Home) -> None:
    autostart.enable_autostart(COMMAND, "darwin")
    path = home.root / "Library" / "LaunchAgents" / "io.meetwatch.tray.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent == {
        "Label": "io.meetwatch.tray",
        "ProgramArguments": COMMAND,
        "RunAtLoad": True,
        "ProcessType": "Interactive",
    }
    assert autostart.autostart_enabled("darwin")
    assert autostart.disable_autostart("darwin") and not autostart.autostart_enabled("darwin")


def test_windows_run_value_is_one_command_line() -> None:
    value = autostart.run_value([r"C:\Program Files\meetwatch\meetwatch.exe", "tray"])
    assert value == r'"C:\Program Files\meetwatch\meetwatch.exe" tray'
    assert autostart.autostart_path("win32") is None


def test_unknown_platform_is_refused() -> None:
    with pytest.raises(ConfigError, match="not supported on sunos5"):
        autostart.enable_autostart(COMMAND, "sunos5")


def test_default_command_starts_this_installation(home: Home) -> None:
    command = autostart.launch_command()
    assert command[1:] == ["-m", "meetwatch", "tray"] and Path(command[0]).exists()
