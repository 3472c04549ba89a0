"""Configuration: a TOML file under the user config dir, validated into `Config`."""

from __future__ import annotations

import tomllib
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir
from pydantic import ValidationError

from meetwatch.config.deprecated import without_deprecated
from meetwatch.config.models import Config
from meetwatch.errors import ConfigError

__all__ = ["Config", "config_dir", "data_dir", "default_config_path", "load_config"]

APP = "meetwatch"


def config_dir() -> Path:
    return Path(user_config_dir(APP))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def data_dir(config: Config) -> Path:
    return config.store.data_dir or Path(user_data_dir(APP))


def _explain(exc: ValidationError, source: str) -> str:
    lines = [f"{source} is invalid:"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        lines.append(f"  {key}: {msg}")
    return "\n".join(lines)


def load_config(path: Path | None = None) -> Config:
    """Read and validate the config; a missing default file means all defaults."""
    explicit = path is not None
    path = path or default_config_path()
    if not path.exists():
        if explicit:
            raise ConfigError(f"config file {path} does not exist")
        return Config()
    try:
        # utf-8-sig: Notepad saves UTF-8 with a byte-order mark, which TOML itself forbids
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    except RecursionError:
        raise ConfigError(f"{path} nests arrays or tables too deeply to be a config") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return Config.model_validate(without_deprecated(raw, str(path)))
    except ValidationError as exc:
        raise ConfigError(_explain(exc, str(path))) from exc
