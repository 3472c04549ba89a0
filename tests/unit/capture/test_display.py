import pytest

from meetwatch.capture import ensure_screen_access
from meetwatch.errors import CaptureError


@pytest.mark.parametrize(
    "env",
    [
        {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},
        {"XDG_SESSION_TYPE": "wayland"},
        {"WAYLAND_DISPLAY": "wayland-0"},
    ],
)
def test_wayland_is_refused_with_a_way_out(env: dict[str, str]) -> None:
    with pytest.raises(CaptureError) as info:
        ensure_screen_access(env, "linux")
    message = str(info.value)
    assert "Wayland" in message and "X11 session" in message and "portal" in message


def test_no_display_is_explained() -> None:
    with pytest.raises(CaptureError, match="DISPLAY"):
        ensure_screen_access({}, "linux")


@pytest.mark.parametrize(
    ("env", "platform"),
    [
        ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}, "linux"),
        ({"DISPLAY": ":1", "WAYLAND_DISPLAY": "wayland-0"}, "linux"),
        ({}, "win32"),
        ({"XDG_SESSION_TYPE": "wayland"}, "darwin"),
    ],
)
def test_usable_sessions_pass(env: dict[str, str], platform: str) -> None:
    ensure_screen_access(env, platform)
