"""The overlay view over a real feed: computed by the server from the events it sends, to
real websocket clients on loopback, and never with a participant in aggregate-only mode."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from meetwatch.aggregation.models import Alert
from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.outputs.feed.protocol import EVENT_BIT, OVERLAY_SUBSCRIPTIONS
from meetwatch.outputs.feed.ws_server import FeedServer
from meetwatch.runtime.events import Event
from tests.integration.test_web_overlay import publish_meeting
from tests.integration.ws_support import BusController, FeedClient, identified_client, live_feed


async def next_view(
    client: FeedClient, until: Any = lambda v: True, patience: float = 20
) -> dict[str, Any]:
    """The next view that satisfies `until`; views may be several seconds apart."""
    async with asyncio.timeout(patience):
        return await _next_view(client, until)


async def _next_view(client: FeedClient, until: Any) -> dict[str, Any]:
    while True:
        try:
            event = await client.until_event("OverlayViewUpdated")
        except TimeoutError:  # the client's own 5 s per message; keep waiting
            continue
        assert event["eventIntent"] == EVENT_BIT["OverlayViewUpdated"]
        view: dict[str, Any] = event["eventData"]
        if until(view):
            return view


def _meeting(controller: BusController, people: int = 6) -> None:
    """The web overlay's meeting, then an alert about one participant; the section marked
    last says when every event before it is in the view."""
    publish_meeting(controller, people)
    assert controller.session is not None
    now = time.time()
    personal = Alert(
        session_id=controller.session.session_id,
        kind="away",
        message="P2 away",
        timestamp=now,
        since=now - 30,
        participant_id=2,
    )
    controller.bus.publish(Event("AlertRaised", personal, now))
    controller.mark_section("after the alert")


def _complete(view: dict[str, Any]) -> bool:
    return bool(view["section"] == "section: after the alert")


def test_overlays_get_the_view_and_nothing_else() -> None:
    async def scenario(server: FeedServer, controller: BusController) -> None:
        client = await identified_client(server.url(), subscriptions=OVERLAY_SUBSCRIPTIONS)
        first = await next_view(client)
        assert (first["state"], first["status"], first["gauge"]["text"]) == (
            "idle",
            "no session",
            "–",
        )
        _meeting(controller)
        view = await next_view(client, _complete)
        assert view["state"] == "live" and view["recording"] and view["gauge"]["text"] == "73%"
        assert view["gauge"]["band"] == "high" and view["attentive"] == "50%"
        assert [t["text"] for t in view["grid"]["tiles"]][:2] == ["P1 80%", "P2 80%"]
        assert view["alerts"] == ["attention under 50% for 30 s", "P2 away"]
        assert (
            len(view["sparkline"]["segments"]) == 1 and len(view["sparkline"]["segments"][0]) == 120
        )
        # a late client gets the current view at once, with the trend so far
        late = await identified_client(server.url(), subscriptions=OVERLAY_SUBSCRIPTIONS)
        assert (await next_view(late))["sparkline"] == view["sparkline"]
        # figures that stop coming go grey without any event (the server's own clock)
        stale = await next_view(client, lambda v: v["state"] == "stale")
        assert stale["gauge"]["text"] == "–" and stale["alerts"] == []
        assert stale["status"] == "no data for a while"
        kinds = {m["d"].get("eventType") for m in client._backlog}
        assert kinds <= {"OverlayViewUpdated"}, "only the view was subscribed to"
        await client.close()
        await late.close()

    with live_feed() as (server, _bus, controller):
        asyncio.run(scenario(server, controller))


def test_aggregate_only_views_carry_no_participant() -> None:
    async def scenario(server: FeedServer, controller: BusController) -> None:
        client = await identified_client(server.url(), subscriptions=OVERLAY_SUBSCRIPTIONS)
        _meeting(controller, people=12)  # 8 faces: enough for room figures
        view = await next_view(client, _complete)
        text = json.dumps(view)
        assert view["gauge"]["text"] == "73%" and view["grid"]["tiles"] == []
        assert "Participant" not in text and "P2" not in text
        assert view["alerts"] == ["attention under 50% for 30 s"]  # the room's, not P2's
        assert view["faces"] == "3 of 8 faces · 12 in call"
        await client.close()

    with live_feed(PrivacyGate(mode="aggregate_only", min_faces=5)) as (server, _bus, controller):
        asyncio.run(scenario(server, controller))
