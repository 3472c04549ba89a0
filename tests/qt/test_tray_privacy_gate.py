"""The tray as a sink of the privacy gate: every event kind of a meeting, published into the
real core the tray holds (from a core thread, as the pipeline publishes), and in
aggregate-only mode its overlay and its notifications name nobody and show no one's figure.
Individual mode is the control: the same checks find the people there."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PyQt6.QtWidgets import QApplication

from meetwatch.config.models import PrivacyConfig
from meetwatch.shared import PrivacyMode
from tests.integration.privacy_session import (
    AWAY_MESSAGE,
    json_people,
    per_person_percents,
    session_events,
    text_people,
)
from tests.qt.feed import wait_until
from tests.qt.tray_support import Home, local_config, running_tray, use_home


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    return use_home(tmp_path, monkeypatch)


@pytest.mark.parametrize("mode", ["aggregate_only", "individual"])
def test_the_tray_shows_nobody_in_aggregate_only_mode(
    qapp: QApplication, home: Home, mode: PrivacyMode
) -> None:
    config = local_config().model_copy(update={"privacy": PrivacyConfig(mode=mode)})
    with running_tray(home, config) as tray:
        tray.toggle_overlay()  # shown, so it paints what a person would read
        bus = tray.controller.app.bus
        steps = [s.event for s in session_events("tray-privacy", mode)]
        meeting = [e for e in steps if e.kind != "SessionEnded"]
        core = threading.Thread(target=lambda: [bus.publish(e) for e in meeting])
        core.start()
        core.join()
        wait_until(qapp, lambda: tray.overlay.view().state == "live")
        wait_until(qapp, lambda: "Questions" in (tray.overlay.view().section or ""))
        tray.overlay.grab()  # one paint, recording the texts drawn
        view = tray.overlay.view().model_dump(mode="json")
        drawn = "\n".join(tray.overlay.drawn)
        told = "\n".join(f"{title}: {text}" for title, text in tray.notifications)
        found = json_people(view) + text_people(drawn) + per_person_percents(drawn)
        found += text_people(told)
        if mode == "individual":
            assert json_people(view) and text_people(drawn), "the control finds the people"
            return
        assert found == []
        assert AWAY_MESSAGE not in drawn + told
        assert view["gauge"]["text"] == "53%"  # the room is still shown
