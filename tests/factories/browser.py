"""Headless Chromium (Debian's package) for tests that look at pages as a person would.

The flags keep Chromium off the network (this machine has none) and out of the user's
profile; tests add what they need (a screenshot, printing, remote debugging).
"""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None
)


def chromium_command(profile: Path, *args: str) -> list[str]:
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed (apt install chromium)")
    return [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
