"""One string per capture source: the forms the CLI, the tray and the feed share."""

from __future__ import annotations

from pathlib import Path

import pytest

from meetwatch.capture.files import VideoSource
from meetwatch.capture.portal_source import PortalSource
from meetwatch.capture.screen import RegionSource, ScreenSource
from meetwatch.capture.spec import open_source
from meetwatch.capture.window_source import WindowSource
from meetwatch.errors import CaptureError


@pytest.fixture(autouse=True)
def x11(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")


@pytest.mark.parametrize(
    ("spec", "kind", "described"),
    [
        ("window:Zoom Meeting", WindowSource, "window:Zoom Meeting"),
        ("window:", WindowSource, "window:meeting"),
        ("window:meeting", WindowSource, "window:meeting"),
        ("screen:1", ScreenSource, "screen:1"),
        ("region:10,20,640x360", RegionSource, "region:10,20,640x360"),
        ("region:10,20,640,360", RegionSource, "region:10,20,640x360"),
        ("video:clip.mp4", VideoSource, "video:clip.mp4"),
    ],
)
def test_each_form_opens_the_source_that_describes_itself_alike(
    spec: str, kind: type, described: str
) -> None:
    source = open_source(spec)
    assert isinstance(source, kind)
    assert source.describe() == described
    assert isinstance(open_source(source.describe()), kind)


def test_a_video_keeps_its_path_and_sampling_rate() -> None:
    source = open_source("video:rec/clip.mp4", video_rate=2.0)
    assert isinstance(source, VideoSource)
    assert source.path == Path("rec/clip.mp4") and source.rate == 2.0


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("zoom", "use window:TITLE, screen:N, region:X,Y,WxH or video:FILE"),
        ("camera:0", "unknown capture source 'camera:0'"),
        ("screen:two", "screen:N needs a monitor number"),
        ("region:1,2,3", "region:X,Y,WxH needs four whole numbers"),
        ("video:", "video:FILE needs a file name"),
    ],
)
def test_a_bad_source_is_one_capture_error_naming_the_forms(spec: str, message: str) -> None:
    with pytest.raises(CaptureError, match=message.replace("(", r"\(")):
        open_source(spec)


def test_on_wayland_windows_and_screens_go_through_the_portal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    assert isinstance(open_source("window:Zoom"), PortalSource)
    assert isinstance(open_source("screen:1"), PortalSource)
    assert isinstance(open_source("video:clip.mp4"), VideoSource)
