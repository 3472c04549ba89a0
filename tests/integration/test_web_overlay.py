"""The web overlay in headless Chromium against a live feed: what a viewer would see.

The page draws the OverlayView the feed computes; these tests check that what it shows
follows the feed, and that it shows no figure once the feed is gone.

Chromium is driven over the DevTools protocol with the websockets client we already depend
on (no browser download, no extra package). Skips when no Chromium is installed.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import math
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from meetwatch.aggregation.models import Alert
from meetwatch.outputs.live.palette import ATTENTION_COLORS
from meetwatch.runtime.events import Event
from tests.factories.browser import CHROMIUM, chromium_command
from tests.integration.ws_support import TOKEN, BusController, live_feed, room

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")

STATE_JS = """JSON.stringify((() => {
  const $ = (id) => document.getElementById(id);
  return {
    gauge: $("engagement-value").textContent,
    attentive: $("attentive-value").textContent,
    status: $("status").textContent,
    state: $("panel").dataset.state,
    rec: !$("rec").hidden,
    section: $("section").hidden ? "" : $("section").textContent,
    faces: $("faces-value").textContent,
    caption: $("emotion-caption").textContent,
    disclosure: $("disclosure").textContent,
    gaugeColor: getComputedStyle($("gauge-fill")).stroke,
    tileTexts: [...document.querySelectorAll("#tiles .tile")].map((t) => t.textContent),
    tiles: [...document.querySelectorAll("#tiles .tile")].map(
      (t) => [t.dataset.attention, getComputedStyle(t).backgroundColor]),
    segments: [...document.querySelectorAll("#emotion-bar span")].map((s) => s.dataset.emotion),
    sparklines: document.querySelectorAll("#spark-lines polyline").length,
    alerts: [...document.querySelectorAll("#alerts li")].map((li) => li.textContent),
    problems: [...document.querySelectorAll("#problems li")].map((li) => li.textContent),
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
    with _chromium(tmp_path / "profile") as devtools:
        yield devtools


@pytest.fixture
def rebinding_browser(tmp_path: Path) -> Iterator[DevTools]:
    """A browser in which the name rebind.example resolves to 127.0.0.1, as it would for a
    victim once an attacker's DNS server re-points it (DNS rebinding)."""
    rule = "--host-resolver-rules=MAP rebind.example 127.0.0.1"
    with _chromium(tmp_path / "profile", rule) as devtools:
        yield devtools


@contextmanager
def _chromium(profile: Path, *extra: str) -> Iterator[DevTools]:
    proc = subprocess.Popen(
        [
            *chromium_command(profile, "--remote-debugging-port=0", *extra),
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


def fed(state: dict[str, Any]) -> bool:
    """The page has drawn its first view from the feed (no session running yet)."""
    return bool(state["status"] == "no session")


def publish_meeting(controller: BusController, people: int = 6) -> None:
    """A session ten minutes in: a dip in the history, an alert, the newest figure 0.73."""
    info = controller.start_session("zoom")
    controller.mark_section("Q&A")
    now = time.time()

    def publish(value: float, t: float) -> None:
        data = room(value, t, session_id=info.session_id, n=people)
        controller.bus.publish(Event("EngagementUpdated", data, t))

    for i in range(120):
        publish(round(0.55 + 0.25 * math.sin(i / 12), 3), now - 600 + 5 * i)
    alert = Alert(
        session_id=info.session_id,
        kind="low_attention",
        message="attention under 50% for 30 s",
        timestamp=now - 2,
        since=now - 32,
        value=0.42,
    )
    controller.bus.publish(Event("AlertRaised", alert, now - 2))
    publish(0.73, now)


def _rgb(color: tuple[int, int, int]) -> str:
    return "rgb({}, {}, {})".format(*color)


def test_overlay_follows_feed_and_says_disconnected(browser: DevTools, artifacts_dir: Path) -> None:
    with live_feed() as (server, _bus, controller):
        browser.call("Page.navigate", url=server.overlay_url())
        browser.wait_for(fed)

        publish_meeting(controller)
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
        browser.wait_for(fed)
        body = browser.evaluate("getComputedStyle(document.body).backgroundColor")
        panel = browser.evaluate(
            "getComputedStyle(document.getElementById('panel')).backgroundColor"
        )
        assert body == "rgba(0, 0, 0, 0)"
        assert panel.startswith("rgba(24, 26, 31, 0.8")  # the panel keeps a readable plate


def _address(browser: DevTools) -> dict[str, str]:
    raw = browser.evaluate(
        "JSON.stringify({search: location.search, hash: location.hash, "
        "notice: document.getElementById('notice').hidden ? '' : "
        "document.getElementById('notice').textContent})"
    )
    return dict(json.loads(raw))


def test_the_printed_link_keeps_the_token_out_of_the_query(
    browser: DevTools, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="meetwatch.outputs.feed.ws_server")
    with live_feed() as (server, _bus, _controller):
        browser.call("Page.navigate", url=server.overlay_url())
        browser.wait_for(fed)
        address = _address(browser)
    assert address["search"] == "" and address["hash"] == f"#token={TOKEN}"
    assert address["notice"] == ""
    assert "?token=" not in caplog.text  # the server never saw the token in a request


def test_an_old_query_link_still_works_moves_the_token_and_says_so(
    browser: DevTools, artifacts_dir: Path
) -> None:
    with live_feed() as (server, _bus, _controller):
        old = f"http://127.0.0.1:{server.port}/?token={TOKEN}&transparent=1"
        browser.call("Page.navigate", url=old)
        browser.wait_for(fed)
        address = _address(browser)
        transparent = browser.evaluate("document.documentElement.classList.contains('transparent')")
        shot = browser.call("Page.captureScreenshot", format="png")
        (artifacts_dir / "web_overlay_old_link.png").write_bytes(base64.b64decode(shot["data"]))
    assert address["search"] == "?transparent=1" and address["hash"] == f"#token={TOKEN}"
    assert "old link" in address["notice"] and "next release" in address["notice"]
    assert transparent is True


def test_a_rebound_name_gets_nothing(rebinding_browser: DevTools) -> None:
    """The page of rebind.example, its name now pointing at 127.0.0.1, is same-origin with
    the feed's port as far as the browser is concerned: the Host header still gives it away."""
    browser = rebinding_browser
    with live_feed() as (server, _bus, _controller):
        browser.call("Page.navigate", url=f"http://rebind.example:{server.port}/#token={TOKEN}")
        deadline = time.monotonic() + 20
        while "127.0.0.1 only" not in (browser.evaluate("document.body?.innerText") or ""):
            assert time.monotonic() < deadline, "the rebound page was served"
            time.sleep(0.1)
        status = _await(browser, "fetch('/overlay.js').then((r) => r.status)")
        socket_result = _await(
            browser,
            "new Promise((done) => { const ws = new WebSocket(`ws://${location.host}/`); "
            "ws.onmessage = () => done('message'); "
            "ws.onclose = (e) => done(`closed ${e.code}`); })",
        )
    assert status == 421
    assert socket_result == "closed 1006"  # refused at the handshake: no Hello, nothing else


def _await(browser: DevTools, expression: str) -> Any:
    result = browser.call(
        "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
    )
    return result["result"].get("value")
