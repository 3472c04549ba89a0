"""Config files written for an earlier version still load: a removed key is dropped with one
warning naming it and what replaces it, and its meaning is kept where it has one."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from meetwatch.config import load_config
from meetwatch.config.deprecated import DEPRECATED
from meetwatch.errors import ConfigError
from tests.factories.cli import meetwatch


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_emotion_off_becomes_attention_only_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _file(tmp_path, "[analysis]\nemotion = false\nthreads = 2\n")
    for _ in range(3):  # the CLI reads its config several times a run
        config = load_config(path)
    assert config.privacy.attention_only is True and config.analysis.threads == 2
    (warning,) = _warnings(caplog)
    assert "analysis.emotion is no longer read; use privacy.attention_only" in warning


def test_the_new_key_wins_over_the_old_one(tmp_path: Path) -> None:
    text = "[analysis]\nemotion = false\n[privacy]\nattention_only = false\n"
    assert load_config(_file(tmp_path, text)).privacy.attention_only is False
    on = "[analysis]\nemotion = true\n"
    assert load_config(_file(tmp_path, on)).privacy.attention_only is False


def test_an_old_key_without_a_meaning_now_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(_file(tmp_path, "[tracking]\ngaze_tolerance = 0.3\n"))
    assert config.tracking == load_config(_file(tmp_path, "")).tracking
    (warning,) = _warnings(caplog)
    assert "tracking.gaze_tolerance is no longer read; use tracking.yaw_tolerance" in warning


def test_every_deprecated_key_is_gone_from_the_config() -> None:
    from meetwatch.config import Config

    for section, key in DEPRECATED:
        assert key not in type(getattr(Config(), section)).model_fields


def test_unknown_keys_still_fail(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"analysis\.emotions: unknown key"):
        load_config(_file(tmp_path, "[analysis]\nemotions = false\n"))


def test_validate_config_says_it_once_on_stderr(tmp_path: Path) -> None:
    path = _file(tmp_path, "[analysis]\nemotion = false\n")
    done = meetwatch(tmp_path, "validate-config", str(path))
    assert done.returncode == 0 and done.stdout == f"{path}: valid\n"
    (line,) = done.stderr.splitlines()
    assert "WARNING" in line and "analysis.emotion is no longer read" in line
