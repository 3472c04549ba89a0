"""Writing the config back to its TOML file (the settings dialog and the privacy toggle).

Only values that differ from the defaults are written, so a later release's better defaults
still reach users who never touched a setting. The file is replaced atomically: a crash while
saving leaves the old config, never half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import tomli_w

from meetwatch.config import Config, default_config_path, load_config
from meetwatch.errors import ConfigError


def config_toml(config: Config) -> str:
    data = _drop_empty(config.model_dump(mode="json", exclude_defaults=True, exclude_none=True))
    header = "# meetwatch settings; only values that differ from the defaults are listed.\n"
    return header + tomli_w.dumps(data)


def save_config(config: Config, path: Path | None = None) -> Path:
    """Write `config` to `path` (default: the user config file); returns the path."""
    path = path or default_config_path()
    text = config_toml(config)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".config.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"cannot save the settings to {path}: {exc.strerror}") from exc
    if load_config(path) != config:  # the writer and the reader must agree
        raise ConfigError(f"the settings saved to {path} do not read back the same")
    return path


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = _drop_empty(value)
            if not value:
                continue
        out[key] = value
    return out
