"""Can this process see the screen at all?

Checked before any screen, region or window capture so that a Wayland session or a
headless shell produces one actionable message instead of an Xlib or mss traceback (or,
worse, silently black frames grabbed through XWayland).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from meetwatch.errors import CaptureError

WAYLAND_MESSAGE = (
    "This is a Wayland session, which lets no application look at other windows. Listing "
    "windows and a fixed screen region need an X11 session (for example 'GNOME on Xorg' from "
    "the login screen's gear menu). `meetwatch run --window` or `--screen` works here through "
    "the desktop's screen-sharing portal, whose dialog picks the meeting window; or analyse a "
    "recording with `meetwatch analyze VIDEO`."
)
WAYLAND_PICKS = (
    "This is a Wayland session: windows cannot be listed here. `meetwatch run --window` opens "
    "the desktop's screen-sharing dialog, where you pick the meeting window (or screen); the "
    "choice is remembered for the next session."
)
NO_DISPLAY_MESSAGE = (
    "No display to capture: the DISPLAY environment variable is not set. Run meetwatch inside "
    "your desktop session, or analyse a recording with `meetwatch analyze VIDEO`."
)


def is_wayland(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> bool:
    """A Wayland session, where capture goes through the desktop portal. XWayland's DISPLAY
    does not count: through it, other applications' windows are black or absent."""
    if platform.startswith(("win", "darwin")):
        return False
    env = os.environ if env is None else env
    wayland = env.get("XDG_SESSION_TYPE", "").lower() == "wayland"
    return wayland or bool(env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY"))


def ensure_screen_access(
    env: Mapping[str, str] | None = None, platform: str = sys.platform
) -> None:
    """Raise CaptureError when screen capture cannot work here (Linux/BSD only)."""
    if platform.startswith(("win", "darwin")):
        return
    env = os.environ if env is None else env
    if is_wayland(env, platform):
        raise CaptureError(WAYLAND_MESSAGE)
    if not env.get("DISPLAY"):
        raise CaptureError(NO_DISPLAY_MESSAGE)
