import re

import pytest

from meetwatch.capture import WindowInfo, find_windows, meeting_app_for, parse_title_pattern
from meetwatch.capture.windows import title_matches
from meetwatch.errors import CaptureError


@pytest.mark.parametrize(
    ("title", "app"),
    [
        ("Zoom Meeting", "zoom"),
        ("Zoom Meeting 40-Minutes", "zoom"),
        ("Zoom Workplace", "zoom"),
        ("Zoom Webinar", "zoom"),
        ("Zoom", "zoom"),
        ("Weekly sync | Microsoft Teams", "teams"),
        ("Meeting in General | Microsoft Teams", "teams"),
        ("Meeting with Ana Lopez", "teams"),
        ("Microsoft Teams", "teams"),
        ("Meet - abc-defg-hij - Google Chrome", "meet"),
        ("Meet – xyz-abcd-efg — Mozilla Firefox", "meet"),
        ("https://meet.google.com/abc-defg-hij - Chromium", "meet"),
        ("Google Meet - Microsoft Edge", "meet"),
        ("Terminal", None),
        ("zoom-in.png - Image Viewer", None),
        ("Meeting notes.docx - LibreOffice", None),
        ("meet the team - Gmail", None),
    ],
)
def test_meeting_presets(title: str, app: str | None) -> None:
    assert meeting_app_for(title) == app


def test_str_patterns_are_literal_substrings() -> None:
    assert title_matches("Standup | Microsoft Teams", "| microsoft teams")
    assert not title_matches("Terminal", "| Microsoft Teams")  # a regex "|" would match anything
    assert title_matches("Meet - abc", re.compile(r"^Meet - [a-z]+$"))


def test_parse_title_pattern() -> None:
    assert parse_title_pattern("Zoom Meeting") == "Zoom Meeting"
    pattern = parse_title_pattern("/^meet - .*chrome$/")
    assert isinstance(pattern, re.Pattern)
    assert title_matches("Meet - abc - Google Chrome", pattern)
    with pytest.raises(CaptureError, match="Invalid window title regex"):
        parse_title_pattern("/([/")


def _window(title: str, w: int, h: int, visible: bool = True) -> WindowInfo:
    return WindowInfo(1, title, "app", 0, 0, w, h, visible, meeting_app_for(title))


def test_find_windows_prefers_visible_then_largest() -> None:
    chat = _window("Chat | Microsoft Teams", 400, 600)
    meeting = _window("Meeting in General | Microsoft Teams", 1600, 900)
    minimised = _window("Call | Microsoft Teams", 1920, 1080, visible=False)
    other = _window("Terminal", 1920, 1080)
    found = find_windows([chat, minimised, other, meeting], "microsoft teams")
    assert found == [meeting, chat, minimised]
    assert find_windows([other, chat], meeting_app="teams") == [chat]
    assert find_windows([other], "zoom") == []


def test_window_info_describe_mentions_state() -> None:
    text = _window("Zoom Meeting", 800, 600, visible=False).describe()
    assert "'Zoom Meeting'" in text and "800x600" in text and "hidden" in text


def test_macos_backend_without_pyobjc_says_what_to_install() -> None:
    try:
        import Quartz  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pyobjc is installed here")
    from meetwatch.capture.windows_macos import MacWindows

    with pytest.raises(CaptureError, match="pip install pyobjc-framework-Quartz"):
        MacWindows()
