"""Models loaded ahead of time: the tray's Start must not wait for them."""

from __future__ import annotations

import time
from pathlib import Path

from meetwatch.app import App, AppOptions
from meetwatch.config import Config
from meetwatch.config.models import StoreConfig
from meetwatch.demo.scenario import DemoScenario, ScenarioSource


def _wait_until_ready(app: App) -> None:
    deadline = time.monotonic() + 120  # a bound on a hang, not a speed check
    while not app.perception_ready and time.monotonic() < deadline:
        time.sleep(0.05)


def test_prepared_models_serve_one_session_then_are_prepared_again(tmp_path: Path) -> None:
    app = App(Config(store=StoreConfig(data_dir=tmp_path)), AppOptions(server=False))
    app.start()
    try:
        assert not app.perception_ready
        app.prepare_perception()
        app.prepare_perception()  # a second call while loading is harmless
        _wait_until_ready(app)
        assert app.perception_ready

        info = app.start_session(ScenarioSource(DemoScenario()))
        assert not app.perception_ready  # the session took them
        app.stop_session()
        assert app.last_session is not None and app.last_session.session_id == info.session_id

        app.prepare_perception()
        _wait_until_ready(app)
        assert app.perception_ready
    finally:
        app.stop()
    assert not app.perception_ready  # closed with the app
