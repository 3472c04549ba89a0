"""The tray's core opens sessions the way the CLI does: its chosen target by default, or the
source a feed client names in the shared words (capture.spec)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from meetwatch.capture.files import VideoSource
from meetwatch.config import Config
from meetwatch.desktop.controller import CoreController, WatchTarget
from tests.factories.meeting_clip import write_video


def test_sessions_watch_the_target_or_the_source_a_client_names(tmp_path: Path) -> None:
    frames = [np.zeros((90, 160, 3), np.uint8)] * 4
    chosen = write_video(tmp_path / "chosen.mp4", frames, fps=2)
    named = write_video(tmp_path / "named.mp4", frames, fps=2)
    controller = CoreController(Config(), tmp_path / "config.toml")
    controller.target = WatchTarget("the chosen clip", lambda: VideoSource(chosen))
    app = controller.app  # not started: no store, no feed; sessions still run
    try:
        assert app.start_session().source == "video:chosen.mp4"
        app.stop_session()
        assert app.start_session(f"video:{named}").source == "video:named.mp4"
    finally:
        app.stop_session()
