"""The tray, the CLI and the feed's requests go through one controller: a session a feed
client starts over a real websocket resets the tray's state (problems, section number)
exactly like one started from the tray's menu."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from websockets.sync.client import connect

from meetwatch.capture.files import VideoSource
from meetwatch.config import Config, config_dir
from meetwatch.config.models import ServerConfig, StoreConfig
from meetwatch.controller import WatchTarget
from meetwatch.desktop.controller import TrayController
from meetwatch.outputs.feed.protocol import DEFAULT_SUBSCRIPTIONS, RPC_VERSION
from meetwatch.outputs.feed.token import load_or_create_token
from meetwatch.runtime.events import Event
from meetwatch.shared import StageStatus
from tests.factories.meeting_clip import write_video
from tests.integration.test_attention_only import _free_port
from tests.integration.test_feed_start_session import _request


def _wait_until(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout  # a bound on a hang, not a speed check
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)


def test_a_feed_started_session_resets_the_tray_like_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    frames = [np.zeros((90, 160, 3), np.uint8)] * 240
    chosen = write_video(tmp_path / "chosen.mp4", frames, fps=2)
    named = write_video(tmp_path / "named.mp4", frames, fps=2)
    config = Config(
        store=StoreConfig(data_dir=tmp_path / "data"), server=ServerConfig(port=_free_port())
    )
    controller = TrayController(config, tmp_path / "config.toml")
    controller.subscribe(controller.on_event)  # the tray's bridge, without Qt
    controller.target = WatchTarget("the chosen clip", lambda: VideoSource(chosen, rate=1))
    controller.start()
    try:
        assert controller.app.feed is not None
        controller.start_session()  # from the tray's menu
        controller.mark_section()
        controller.app.bus.publish(
            Event("StageStatusChanged", StageStatus(stage="capture", state="degraded"), 0.0)
        )
        assert controller.next_section == 2 and controller.state == "paused"

        with connect(controller.app.feed.url(), open_timeout=30) as ws:
            assert json.loads(ws.recv(timeout=10))["op"] == 0
            identify = {
                "rpcVersion": RPC_VERSION,
                "token": load_or_create_token(config_dir()),
                "eventSubscriptions": DEFAULT_SUBSCRIPTIONS,
            }
            ws.send(json.dumps({"op": 1, "d": identify}))
            assert json.loads(ws.recv(timeout=10))["op"] == 2
            assert _request(ws, "StopSession")["requestStatus"]["result"] is True
            started = _request(ws, "StartSession", {"source": f"video:{named}"})
            assert started["requestStatus"]["result"] is True, started
            marked = _request(ws, "MarkSection", {"title": "Questions"})
            assert marked["requestStatus"]["result"] is True, marked

        # the same reset as a tray-started session, and the client's section counted
        assert controller.running and controller.session is not None
        assert controller.session.source == "video:named.mp4"
        _wait_until(lambda: controller.state == "watching")
        assert controller.problems == {} and controller.state == "watching"
        assert controller.next_section == 2  # the tray's next section follows the client's
        assert f"watching video:{named}" in controller.status_text()
    finally:
        controller.shutdown()
