"""The overlay against the real websocket feed server: the two halves agree on the wire."""

from __future__ import annotations

import time

from meetwatch.aggregation.models import Alert, RoomEngagement
from meetwatch.outputs.feed.ws_server import FeedServer, FeedSettings
from meetwatch.qt.overlay import OverlayWidget
from meetwatch.qt.ws_client import Backoff, FeedClient
from meetwatch.runtime.events import Event, EventBus
from meetwatch.shared import SessionInfo
from tests.qt.feed import wait_until
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
    bus = EventBus()
    server = FeedServer(NoSessions(), TOKEN, FeedSettings(port=0))  # type: ignore[arg-type]
    server.start()
    server.attach(bus)
    overlay = OverlayWidget()
    client = FeedClient(server.url(), TOKEN, backoff=Backoff(0.1, 0.3))
    client.message.connect(overlay.on_message)
    client.connection.connect(overlay.on_connection)
    client.start()
    try:
        wait_until(qapp, lambda: overlay.state.connected)
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
        wait_until(qapp, lambda: bool(overlay.state.alerts))
        assert overlay.gauge_text() == "83%"
        assert [t.attention for t in overlay.state.tiles] == list(scene.ATTENTION)
        server.stop()
        wait_until(qapp, lambda: not overlay.state.connected)
        assert overlay.gauge_text() == "--"
    finally:
        client.stop()
        server.stop()
        overlay.close()
