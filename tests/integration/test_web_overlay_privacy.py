"""The web overlay in headless Chromium says what a privacy mode leaves out: no emotion bar in
attention-only mode, and why there are no room figures while aggregate-only mode withholds
them. Skips when no Chromium is installed."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.runtime.events import Event
from meetwatch.shared import SessionInfo
from tests.factories.browser import CHROMIUM
from tests.integration.test_web_overlay import DevTools, browser, fed
from tests.integration.ws_support import live_feed, room

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
__all__ = ["browser"]  # the fixture, shared with the other overlay tests

PRIVACY_JS = """JSON.stringify({
  caption: document.getElementById("emotion-caption").textContent,
  bar: getComputedStyle(document.getElementById("emotion-bar")).display,
  segments: document.querySelectorAll("#emotion-bar span").length,
  faces: document.getElementById("faces-value").textContent,
  gauge: document.getElementById("engagement-value").textContent,
})"""


def _view(browser: DevTools, wanted: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        raw = browser.evaluate(PRIVACY_JS)
        view = None if raw is None else json.loads(raw)
        if view is not None and wanted in json.dumps(view):
            return view
        assert time.monotonic() < deadline, f"overlay never showed {wanted!r}: {view}"
        time.sleep(0.1)


def test_overlay_says_attention_only_and_why_figures_are_withheld(
    browser: DevTools, artifacts_dir: Path
) -> None:
    gate = PrivacyGate(mode="aggregate_only", min_faces=4)
    with live_feed(gate) as (server, bus, _controller):
        browser.call("Page.navigate", url=server.overlay_url())
        browser.wait_for(fed)
        now = time.time()
        info = SessionInfo(
            session_id="s1", started_at=now, source="zoom", analysis_rate=1.0, attention_only=True
        )
        bus.publish(Event("SessionStarted", info, now))
        attention = room(0.7, now).model_copy(update={"attention_only": True, "emotion_mix": {}})
        bus.publish(Event("EngagementUpdated", attention, now))
        _view(browser, "attention only: emotion not analysed")  # from SessionStarted
        view = _view(browser, '"gauge": "70%"')  # the room update may come a frame later
        assert "attention only: emotion not analysed" in view["caption"]
        assert view["bar"] == "none" and view["segments"] == 0 and view["gauge"] == "70%"
        shot = browser.call("Page.captureScreenshot", format="png")
        (artifacts_dir / "web_overlay_attention_only.png").write_bytes(
            base64.b64decode(shot["data"])
        )

        # the gate withholds the room's figures while fewer than 4 faces are visible
        fewer = attention.model_copy(update={"participants_with_face": 3})
        bus.publish(Event("EngagementUpdated", fewer, now + 1))
        view = _view(browser, "room figures from 4 faces (3 visible)")
        assert view["gauge"] == "–"
