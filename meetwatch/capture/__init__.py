"""capture stage: FrameSources (screen, region, window, video, image) yielding Frames, window
discovery with meeting-app presets. The live runner paces capture (runtime.stage)."""

from meetwatch.capture.display import ensure_screen_access
from meetwatch.capture.files import ImageSource, VideoSource
from meetwatch.capture.frame import Frame
from meetwatch.capture.screen import RegionSource, ScreenGrabber, ScreenSource
from meetwatch.capture.source import FrameSource
from meetwatch.capture.window_source import WindowSource
from meetwatch.capture.windows import (
    MEETING_TITLE_PRESETS,
    MeetingApp,
    WindowInfo,
    find_windows,
    list_windows,
    meeting_app_for,
    parse_title_pattern,
)

__all__ = [
    "MEETING_TITLE_PRESETS",
    "Frame",
    "FrameSource",
    "ImageSource",
    "MeetingApp",
    "RegionSource",
    "ScreenGrabber",
    "ScreenSource",
    "VideoSource",
    "WindowInfo",
    "WindowSource",
    "ensure_screen_access",
    "find_windows",
    "list_windows",
    "meeting_app_for",
    "parse_title_pattern",
]
