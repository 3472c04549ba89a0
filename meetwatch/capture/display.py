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
    "This is a Wayland session, which blocks plain screen capture. Log into an X11 session "
    "(for example 'GNOME on Xorg' from the login screen's gear menu), or record the meeting "
    "with a portal-based recorder (such as OBS with PipeWire screen capture) and analyse the "
    "recording with `meetwatch analyze VIDEO`."
)
NO_DISPLAY_MESSAGE = (
    "No display to capture: the DISPLAY environment variable is not set. Run meetwatch inside "
    "your desktop session, or analyse a recording with `meetwatch analyze VIDEO`."
)


def ensure_screen_access(
    env: Mapping[str, str] | None = None, platform: str = sys.platform
) -> None:
    """Raise CaptureError when screen capture cannot work here (Linux/BSD only)."""
    if platform.startswith(("win", "darwin")):
        return
    env = os.environ if env is None else env
    wayland = env.get("XDG_SESSION_TYPE", "").lower() == "wayland"
    if wayland or (env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY")):
        raise CaptureError(WAYLAND_MESSAGE)
    if not env.get("DISPLAY"):
        raise CaptureError(NO_DISPLAY_MESSAGE)
