"""Sections per session are bounded: each is broadcast, stored and drawn in the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from meetwatch.app import App, AppOptions
from meetwatch.config import Config
from meetwatch.config.models import StoreConfig
from meetwatch.demo.scenario import DemoScenario, ScenarioSource
from meetwatch.errors import MeetwatchError
from meetwatch.session.store import SessionStore
from meetwatch.session_runner import MAX_SECTIONS


def test_a_session_keeps_at_most_max_sections(tmp_path: Path) -> None:
    app = App(Config(store=StoreConfig(data_dir=tmp_path)), AppOptions(server=False))
    app.start()
    try:
        info = app.start_session(ScenarioSource(DemoScenario()))
        for i in range(MAX_SECTIONS):
            app.mark_section(f"part {i}")
        with pytest.raises(MeetwatchError, match=f"{MAX_SECTIONS} sections"):
            app.mark_section("one too many")
        app.stop_session()
        app.start_session(ScenarioSource(DemoScenario()))
        app.mark_section("a new session starts counting again")
        app.stop_session()
    finally:
        app.stop()
    assert app.store is not None
    with SessionStore.open(app.store.path) as store:
        assert len(store.events(info.session_id, "section")) == MAX_SECTIONS
