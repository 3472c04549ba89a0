"""The feed's per-install token: created once, private, stable, rotatable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from meetwatch.errors import ConfigError
from meetwatch.outputs.feed.token import TOKEN_FILE, load_or_create_token, rotate_token


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_on_first_use_private_and_stable(tmp_path: Path) -> None:
    config = tmp_path / "meetwatch"  # not there yet
    token = load_or_create_token(config)
    assert len(token) >= 43 and token.isascii() and " " not in token
    assert (config / TOKEN_FILE).read_text().strip() == token
    if os.name == "posix":
        assert _mode(config / TOKEN_FILE) == 0o600
    assert load_or_create_token(config) == token
    assert list(config.iterdir()) == [config / TOKEN_FILE]  # no temp files left


def test_rotation_replaces_it(tmp_path: Path) -> None:
    old = load_or_create_token(tmp_path)
    new = rotate_token(tmp_path)
    assert new != old
    assert load_or_create_token(tmp_path) == new


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_readable_token_file_is_made_private_again(tmp_path: Path) -> None:
    token = load_or_create_token(tmp_path)
    (tmp_path / TOKEN_FILE).chmod(0o644)
    assert load_or_create_token(tmp_path) == token
    assert _mode(tmp_path / TOKEN_FILE) == 0o600


@pytest.mark.parametrize("content", ["", "   \n", "short", "has a space in the middle ok"])
def test_an_unusable_token_file_says_how_to_fix_it(tmp_path: Path, content: str) -> None:
    (tmp_path / TOKEN_FILE).write_text(content)
    with pytest.raises(ConfigError, match="meetwatch token --rotate"):
        load_or_create_token(tmp_path)


def test_an_unwritable_config_folder_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="cannot write the websocket token"):
        rotate_token(blocker / "meetwatch")
