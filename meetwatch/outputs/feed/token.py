"""The per-install secret that websocket clients present in Identify.

Binding to loopback keeps other machines out, but not other programs or web pages on this
one; the token does. It lives in the user's config folder, readable by the user only, and
is created on first use so nothing has to be set up. Rotating it locks out every client
that was given the old one (e.g. an overlay URL pasted into OBS).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from platformdirs import user_config_dir

from meetwatch.errors import ConfigError

TOKEN_FILE = "token"
_TOKEN_BYTES = 32
_MIN_LENGTH = 16  # a hand-edited token shorter than this is too easy to guess


def default_config_dir() -> Path:
    return Path(user_config_dir("meetwatch"))


def load_or_create_token(config_dir: Path) -> str:
    """The install's token, created (owner-only) if there is none yet."""
    path = config_dir / TOKEN_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return rotate_token(config_dir)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the websocket token {path}: {exc}") from exc
    if len(text) < _MIN_LENGTH or any(c.isspace() for c in text):
        raise ConfigError(
            f"the websocket token in {path} is unusable (empty, too short or has spaces); "
            "run `meetwatch token --rotate` to make a new one"
        )
    _restrict(path)
    return text


def rotate_token(config_dir: Path) -> str:
    """Replace the token with a new random one; clients holding the old one are refused."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    path = config_dir / TOKEN_FILE
    tmp = path.with_name(f".{TOKEN_FILE}.{secrets.token_hex(4)}.tmp")
    try:
        config_dir.mkdir(parents=True, exist_ok=True)
        # Created owner-only from the start: the secret is never world-readable, not even
        # between creating the file and changing its mode.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(token + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # the folder itself may be what failed
            tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write the websocket token {path}: {exc}") from exc
    return token


def _restrict(path: Path) -> None:
    """Tighten a token file that someone made group/world readable (e.g. copied it)."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        path.chmod(0o600)
