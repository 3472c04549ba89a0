"""The overlay against the real websocket feed server: the two halves agree on the wire."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

from meetwatch.aggregation.models import Alert, RoomEngagement
from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.outputs.feed.protocol import OVERLAY_SUBSCRIPTIONS
from meetwatch.outputs.feed.ws_server import FeedServer, FeedSettings
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.overlay_state import grid_cells
from meetwatch.qt.overlay import OverlayWidget
from meetwatch.qt.overlay_layout import OverlayLayout, gauge_point
from meetwatch.qt.overlay_paint import GAUGE_RING, GRID_GAP
from meetwatch.qt.ws_client import Backoff, FeedClient
from meetwatch.runtime.events import Event
from meetwatch.shared import SessionInfo
from tests.factories.browser import CHROMIUM
from tests.integration.test_web_overlay import DevTools, _chromium, fed, publish_meeting
from tests.integration.ws_support import TOKEN as WS_TOKEN
from tests.integration.ws_support import live_feed
from tests.qt.feed import wait_until
from tests.qt.test_overlay import grab, rgb
from tests.unit.outputs import scene

TOKEN = "feed-token-0123456789abcdef"


class NoSessions:
    """The overlay only listens; it never asks the core for anything."""

    def summary(self) -> dict[str, object]:
        return {}

    def participants(self) -> list[object]:
        return []

    def start_session(self, source: str | None) -> SessionInfo:
        raise NotImplementedError

    def stop_session(self) -> SessionInfo | None:
        return None

    def mark_section(self, title: str) -> None:
        return None


def test_overlay_follows_the_real_feed(qapp) -> None:
    bus = PrivacyGate()
    server = FeedServer(NoSessions(), TOKEN, FeedSettings(port=0))  # type: ignore[arg-type]
    server.start()
    server.attach(bus)
    overlay = OverlayWidget()
    client = FeedClient(
        server.url(), TOKEN, subscriptions=OVERLAY_SUBSCRIPTIONS, backoff=Backoff(0.1, 0.3)
    )
    client.message.connect(overlay.on_message)
    client.connection.connect(overlay.on_connection)
    client.start()
    try:
        wait_until(qapp, lambda: overlay.connected)
        now = time.time()
        room: RoomEngagement = scene.room(0.83).model_copy(update={"timestamp": now})
        bus.publish(Event("EngagementUpdated", room, now))
        alert = Alert(
            session_id=room.session_id,
            kind="low_attention",
            message="attention under 50% for 30 s",
            timestamp=now,
            since=now - 30,
        )
        bus.publish(Event("AlertRaised", alert, now))
        wait_until(qapp, lambda: bool(overlay.view().alerts))
        assert overlay.gauge_text() == "83%"
        assert [t.attention for t in overlay.view().grid.tiles] == list(scene.ATTENTION)
        server.stop()
        wait_until(qapp, lambda: not overlay.connected)
        assert overlay.gauge_text() == "–"
    finally:
        client.stop()
        server.stop()
        overlay.close()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_web_and_qt_overlays_show_the_same_view(qapp, tmp_path, artifacts_dir) -> None:
    """One feed, two overlays: the page in headless Chromium and the Qt window offscreen show
    the same figures, texts and colours, because both draw the view the server computed."""
    overlay = OverlayWidget()
    with live_feed() as (server, _bus, controller), _chromium(tmp_path / "profile") as browser:
        client = FeedClient(server.url(), WS_TOKEN, subscriptions=OVERLAY_SUBSCRIPTIONS)
        client.message.connect(overlay.on_message)
        client.connection.connect(overlay.on_connection)
        client.start()
        try:
            browser.call("Page.navigate", url=server.overlay_url())
            browser.wait_for(fed)
            wait_until(qapp, lambda: overlay.view().status == "no session")
            publish_meeting(controller)
            web = browser.wait_for(lambda s: s["gauge"] == "73%" and s["alerts"] != [])
            wait_until(qapp, lambda: overlay.gauge_text() == "73%" and bool(overlay.view().alerts))
            image = grab(overlay, artifacts_dir / "parity_qt.png")
            _screenshot(browser, artifacts_dir / "parity_web.png")
            qt = overlay.drawn
            shown = [web["gauge"], web["status"], web["section"], web["attentive"], web["faces"]]
            shown += [web["caption"], web["alerts"][-1], web["disclosure"]]
            assert [t for t in shown if t in qt] == shown
            assert web["gauge"] == "73%" and web["section"] == "section: Q&A"
            assert [t for t in qt if t[:1] == "P"] == web["tileTexts"]
            layout = OverlayLayout.full()
            assert layout.grid is not None
            cells = grid_cells(layout.grid, len(web["tiles"]), GRID_GAP)
            for cell, (_attention, css) in zip(cells, web["tiles"], strict=True):
                assert css == _css(rgb(image, cell.x + 3, cell.y + cell.h // 2))
            ring = gauge_point(layout.gauge, 0.05, GAUGE_RING / 2)
            assert web["gaugeColor"] == _css(rgb(image, *ring))

            # no figure for five seconds: the server greys both out, with no event at all
            web = browser.wait_for(lambda s: s["state"] == "stale", timeout=30)
            wait_until(qapp, lambda: overlay.view().state == "stale")
            grab(overlay, artifacts_dir / "parity_qt_stale.png")
            _screenshot(browser, artifacts_dir / "parity_web_stale.png")
            assert web["status"] == "no data for a while" and web["status"] in overlay.drawn
            assert web["gauge"] == overlay.gauge_text() == "–" and web["alerts"] == []
            assert [t for t in overlay.drawn if t[:1] == "P"] == web["tileTexts"]
            assert {c for _a, c in web["tiles"]} == {_css(palette.TRACK)}

            server.stop()  # the feed is gone: neither overlay keeps a figure
            web = browser.wait_for(lambda s: s["state"] == "disconnected")
            wait_until(qapp, lambda: not overlay.connected)
            grab(overlay, artifacts_dir / "parity_qt_disconnected.png")
            _screenshot(browser, artifacts_dir / "parity_web_disconnected.png")
            assert web["gauge"] == overlay.gauge_text() == "–"
            assert web["tileTexts"] == [] and not [t for t in overlay.drawn if "%" in t]
        finally:
            client.stop()
            overlay.close()


def _css(color: tuple[int, int, int]) -> str:
    return "rgb({}, {}, {})".format(*color)


def _screenshot(browser: DevTools, path: Path) -> None:
    shot = browser.call("Page.captureScreenshot", format="png")
    path.write_bytes(base64.b64decode(shot["data"]))
