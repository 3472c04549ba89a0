"""The web overlay in headless Chromium against a live feed: what a viewer would see.

Chromium is driven over the DevTools protocol with the websockets client we already depend
on (no browser download, no extra package). Skips when no Chromium is installed.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from meetwatch.aggregation.models import Alert
from meetwatch.outputs.palette import ATTENTION_COLORS
from meetwatch.runtime.events import Event
from tests.factories.browser import CHROMIUM, chromium_command
from tests.integration.ws_support import BusController, engagement_event, live_feed

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")

STATE_JS = """JSON.stringify((() => {
  const $ = (id) => document.getElementById(id);
  return {
    gauge: $("engagement-value").textContent,
    attentive: $("attentive-value").textContent,
    status: $("status").textContent,
    state: $("panel").dataset.state,
    rec: !$("rec").hidden,
    section: $("section").textContent,
    tiles: [...document.querySelectorAll("#tiles .tile")].map(
      (t) => [t.dataset.attention, getComputedStyle(t).backgroundColor]),
    segments: [...document.querySelectorAll("#emotion-bar span")].map((s) => s.dataset.emotion),
    sparklines: document.querySelectorAll("#spark-lines polyline").length,
    alerts: [...document.querySelectorAll("#alerts li")].map((li) => li.textContent),
  };
})())"""


class DevTools:
    """Just enough of the Chrome DevTools protocol: evaluate, navigate, screenshot."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        self._ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self._ws.recv(timeout=30))
            if reply.get("id") == call_id:
                assert "error" not in reply, reply
                return dict(reply["result"])

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        state = None
        while True:
            raw = self.evaluate(STATE_JS)  # None while the page is still loading
            state = None if raw is None else json.loads(raw)
            if state is not None and predicate(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"overlay never reached the expected state: {state}")
            time.sleep(0.1)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    profile = tmp_path / "profile"
    proc = subprocess.Popen(
        [
            *chromium_command(profile, "--remote-debugging-port=0"),
            "--window-size=400,640",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.is_file() or not port_file.read_text().strip():
            assert proc.poll() is None, "chromium exited"
            assert time.monotonic() < deadline, "chromium did not open its debugging port"
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
            yield DevTools(ws)
    finally:
        proc.terminate()
        proc.wait(10)


def _publish_meeting(controller: BusController) -> None:
    """A session ten minutes in: a dip in the history, an alert, the newest figure 0.73."""
    info = controller.start_session("zoom")
    controller.mark_section("Q&A")
    now = time.time()
    for i in range(120):
        t = now - 600 + 5 * i
        value = 0.55 + 0.25 * math.sin(i / 12)
        controller.bus.publish(engagement_event(round(value, 3), t, n=6))
    alert = Alert(
        session_id=info.session_id,
        kind="low_attention",
        message="attention under 50% for 30 s",
        timestamp=now - 2,
        since=now - 32,
        value=0.42,
    )
    controller.bus.publish(Event("AlertRaised", alert, now - 2))
    controller.bus.publish(engagement_event(0.73, now, n=6))


def _rgb(color: tuple[int, int, int]) -> str:
    return "rgb({}, {}, {})".format(*color)


def test_overlay_follows_feed_and_says_disconnected(browser: DevTools, artifacts_dir: Path) -> None:
    with live_feed() as (server, _bus, controller):
        browser.call("Page.navigate", url=server.overlay_url())
        browser.wait_for(lambda s: s["status"] == "live")

        _publish_meeting(controller)
        state = browser.wait_for(lambda s: s["gauge"] == "73%")

        assert state["rec"] is True
        assert state["section"] == "section: Q&A"
        assert state["attentive"] == "50%"  # 2 of the 4 faces in room() look at the screen
        assert [a for a, _ in state["tiles"]] == [
            "on_screen", "away", "eyes_closed", "no_face", "camera_off", "on_screen"
        ]  # fmt: skip
        for attention, color in state["tiles"]:
            assert color == _rgb(ATTENTION_COLORS[attention])
        assert state["segments"] == [
            "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"
        ]  # fmt: skip
        assert state["sparklines"] == 1
        assert state["alerts"] == ["attention under 50% for 30 s"]

        shot = browser.call("Page.captureScreenshot", format="png")
        (artifacts_dir / "web_overlay.png").write_bytes(base64.b64decode(shot["data"]))

    # The server is gone: no figure may stay on screen as if it were current.
    state = browser.wait_for(lambda s: s["state"] == "disconnected")
    assert state["status"].startswith("disconnected")
    assert state["gauge"] == "–" and state["attentive"] == "–"
    assert state["rec"] is False and state["tiles"] == [] and state["alerts"] == []
    shot = browser.call("Page.captureScreenshot", format="png")
    (artifacts_dir / "web_overlay_disconnected.png").write_bytes(base64.b64decode(shot["data"]))


def test_overlay_with_a_wrong_token_says_so(browser: DevTools) -> None:
    with live_feed() as (server, _bus, _controller):
        url = server.overlay_url().replace("token=", "token=wrong")
        browser.call("Page.navigate", url=url)
        state = browser.wait_for(lambda s: s["state"] == "failed")
        assert "wrong token" in state["status"]
        assert state["gauge"] == "–"


def test_transparent_option_for_obs(browser: DevTools) -> None:
    with live_feed() as (server, _bus, _controller):
        browser.call("Page.navigate", url=server.overlay_url(transparent=True))
        browser.wait_for(lambda s: s["status"] == "live")
        body = browser.evaluate("getComputedStyle(document.body).backgroundColor")
        panel = browser.evaluate(
            "getComputedStyle(document.getElementById('panel')).backgroundColor"
        )
        assert body == "rgba(0, 0, 0, 0)"
        assert panel.startswith("rgba(24, 26, 31, 0.8")  # the panel keeps a readable plate
