"""Where the shipped models and UI files live, however meetwatch was installed.

Looked up in order: an explicit environment override, a PyInstaller bundle, the source
checkout (editable install), then the wheel's data folder (share/meetwatch under the prefix).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[1]


def _find(name: str, env: str) -> Path:
    override = os.environ.get(env)
    candidates = [Path(override)] if override else []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / name)
    candidates += [_REPO_ROOT / name, Path(sys.prefix) / "share" / "meetwatch" / name]
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[0]  # callers report the missing file with this path


def models_dir() -> Path:
    return _find("models", "MEETWATCH_MODELS")


def ui_dir() -> Path:
    return _find("ui", "MEETWATCH_UI")
