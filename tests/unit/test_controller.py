"""The one controller every driver uses: sessions on the chosen target or on a named source,
and settings that apply per section (at once, from the next session, or as a new session)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from meetwatch.aggregation.models import RoomEngagement
from meetwatch.app import AppOptions
from meetwatch.capture.files import VideoSource
from meetwatch.config import Config
from meetwatch.config.models import StoreConfig
from meetwatch.controller import CoreController, WatchTarget
from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from tests.factories.meeting_clip import write_video


def _clip(path: Path, frames: int) -> Path:
    faces = demo_faces(4, np.random.default_rng(3))
    image = render_gallery(faces, 4, "zoom", (640, 360), rng=np.random.default_rng(0)).image
    return write_video(path, [image] * frames, fps=2)


def _wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout  # a bound on a hang, not a speed check
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def _controller(tmp_path: Path, clip: Path) -> CoreController:
    config = Config(store=StoreConfig(data_dir=tmp_path / "data"))
    saved: list[Config] = []
    controller = CoreController(
        config,
        AppOptions(server=False),
        target=WatchTarget("the chosen clip", lambda: VideoSource(clip, rate=1)),
        save=saved.append,
    )
    controller.saved = saved  # type: ignore[attr-defined]
    return controller


def test_sessions_watch_the_target_or_the_source_a_client_names(tmp_path: Path) -> None:
    frames = [np.zeros((90, 160, 3), np.uint8)] * 4
    chosen = write_video(tmp_path / "chosen.mp4", frames, fps=2)
    named = write_video(tmp_path / "named.mp4", frames, fps=2)
    controller = _controller(tmp_path, chosen)
    controller.start()
    try:
        assert controller.start_session().source == "video:chosen.mp4"
        controller.mark_section()
        controller.mark_section()
        assert controller.next_section == 3
        controller.stop_session()
        assert controller.start_session(f"video:{named}").source == "video:named.mp4"
        assert controller.next_section == 1  # every session counts its sections afresh
    finally:
        assert controller.shutdown() is not None  # the session the shutdown ended


@pytest.mark.slow
def test_settings_apply_per_section(tmp_path: Path) -> None:
    controller = _controller(tmp_path, _clip(tmp_path / "long.mp4", 600))
    controller.start()
    try:
        first = controller.start_session()
        app = controller.app
        room = app.room  # the running session's state: kept while the session goes on
        assert room is not None

        # overlay and report: at once, nothing in the session changes
        look = controller.config.overlay.model_copy(update={"compact": True})
        controller.apply_config(controller.config.model_copy(update={"overlay": look}))
        assert controller.config.overlay.compact and controller.app is app
        assert app.room is room

        # analysis, tracking, aggregation: the next session; the running one keeps its own
        tracking = controller.config.tracking.model_copy(update={"smoothing_seconds": 7.0})
        controller.apply_config(controller.config.model_copy(update={"tracking": tracking}))
        assert app.room is room and controller.session == first
        assert app.config.tracking.smoothing_seconds == 7.0  # what the next session is built with

        # privacy mode: at once, in the same session (the gate on the bus applies it)
        controller.set_aggregate_only(True)
        assert app.room is room and controller.session == first
        assert app.bus.aggregate_only

        # attention-only on: at once in the same session, the emotion model let go
        rooms: list[RoomEngagement] = []
        app.bus.subscribe(lambda e: rooms.append(e.payload) if e.kind == "EngagementUpdated" else 0)
        controller.set_attention_only(True)
        assert app.room is room and controller.session == first
        _wait_until(lambda: any(r.attention_only for r in rooms))
        marked = [r for r in rooms if r.attention_only]
        assert marked and all(r.emotion_mix == {} for r in marked)

        # attention-only off: a new session, the model loaded again, the mode carried over
        controller.set_attention_only(False)
        second = controller.session
        assert second is not None and second.session_id != first.session_id
        assert not second.attention_only and app.bus.aggregate_only

        # store: a new core, the session goes on as a new session in the new store
        store = controller.config.store.model_copy(update={"data_dir": tmp_path / "other"})
        controller.apply_config(controller.config.model_copy(update={"store": store}))
        assert controller.app is not app and controller.running
        third = controller.session
        assert third is not None and third.session_id != second.session_id
        assert controller.app.store is not None
        assert controller.app.store.path.parent == tmp_path / "other"
        assert [c.overlay.compact for c in controller.saved] == [True] * 6  # type: ignore[attr-defined]
    finally:
        controller.shutdown()
