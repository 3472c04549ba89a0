"""The websocket feed with real clients on loopback: handshake, subscriptions, requests and
every way a client can get it wrong (each answered with its documented code)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from meetwatch.aggregation.models import Alert
from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.errors import OutputError
from meetwatch.outputs.feed.protocol import ALL_EVENTS, EVENT_BIT, RPC_VERSION, CloseCode
from meetwatch.outputs.feed.ws_server import FeedServer, FeedSettings
from meetwatch.runtime.events import Event, EventBus
from tests.integration.ws_support import (
    TOKEN,
    BusController,
    close_code,
    engagement_event,
    identified_client,
    live_feed,
    recv,
    send,
)
from tests.unit.outputs.scene import signals


def _face_signals_event() -> Event:
    return Event("FaceSignals", signals(), time.time())


def test_default_subscription_leaves_out_per_frame_data() -> None:
    async def scenario(server: FeedServer, bus: EventBus) -> None:
        ws = await identified_client(server.url())
        bus.publish(_face_signals_event())
        bus.publish(engagement_event(0.61, 1000.0))
        event = await ws.recv()
        assert event["d"]["eventType"] == "EngagementUpdated"
        assert event["d"]["eventIntent"] == EVENT_BIT["EngagementUpdated"]
        assert event["d"]["eventData"]["engagement"] == 0.61
        assert len(event["d"]["eventData"]["participants"]) == 6
        await ws.close()

    with live_feed() as (server, bus, _):
        asyncio.run(scenario(server, bus))


def test_reidentify_changes_subscriptions() -> None:
    async def scenario(server: FeedServer, bus: EventBus) -> None:
        ws = await identified_client(server.url(), subscriptions=EVENT_BIT["SectionMarked"])
        bus.publish(engagement_event(0.5, 1000.0))  # not subscribed: never arrives
        await send(ws.ws, 3, {"eventSubscriptions": ALL_EVENTS})
        assert await ws.recv() == {"op": 2, "d": {"negotiatedRpcVersion": RPC_VERSION}}
        bus.publish(_face_signals_event())
        event = {"d": await ws.until_event("FaceSignals")}  # after the overlay view, now due
        faces = event["d"]["eventData"]["faces"]
        assert [f["slot"] for f in faces] == [0, 1, 2]
        assert max(faces[0]["emotion"], key=faces[0]["emotion"].get) == "happy"
        await ws.close()

    with live_feed() as (server, bus, _):
        asyncio.run(scenario(server, bus))


def test_every_request_round_trips_through_the_core() -> None:
    async def scenario(server: FeedServer, bus: EventBus) -> None:
        ws = await identified_client(server.url())
        started = await ws.request("StartSession", {"source": "zoom"}, rid="a")
        assert started["requestStatus"] == {"result": True, "code": 100, "comment": None}
        session = started["responseData"]["session"]
        assert session["source"] == "zoom" and session["ended_at"] is None
        event = await ws.until_event("SessionStarted")
        assert event["eventData"]["session_id"] == session["session_id"]

        again = await ws.request("StartSession", rid="b")
        assert again["requestStatus"]["code"] == 500
        assert "already running" in again["requestStatus"]["comment"]

        bus.publish(engagement_event(0.7, 1000.0, n=3))
        await ws.until_event("EngagementUpdated")
        people = await ws.request("GetParticipants", rid="c")
        assert [p["participant_id"] for p in people["responseData"]["participants"]] == [1, 2, 3]

        marked = await ws.request("MarkSection", {"title": "Q&A"}, rid="d")
        assert marked["requestStatus"]["result"] is True and marked["responseData"] is None
        assert (await ws.until_event("SectionMarked"))["eventData"]["title"] == "Q&A"

        summary = (await ws.request("GetSessionSummary", rid="e"))["responseData"]["summary"]
        assert summary["sections"] == ["Q&A"] and summary["engagement"] == 0.7

        stopped = await ws.request("StopSession", rid="f")
        assert stopped["responseData"]["session"]["ended_at"] is not None
        await ws.until_event("SessionEnded")
        assert (await ws.request("StopSession", rid="g"))["responseData"] == {"session": None}
        await ws.close()

    with live_feed() as (server, bus, _):
        asyncio.run(scenario(server, bus))


@pytest.mark.parametrize(
    ("request_type", "data", "code", "comment"),
    [
        ("DeleteEverything", None, 204, "unknown requestType"),
        ("MarkSection", {}, 400, "title: Field required"),
        ("MarkSection", {"title": "x", "colour": "red"}, 400, "colour: Extra inputs"),
        ("StartSession", {"source": 3}, 400, "source: Input should be a valid string"),
    ],
)
def test_bad_requests_get_an_error_reply(
    request_type: str, data: dict[str, Any] | None, code: int, comment: str
) -> None:
    async def scenario(server: FeedServer) -> None:
        ws = await identified_client(server.url())
        reply = await ws.request(request_type, data, rid="x1")
        assert reply["requestType"] == request_type
        assert reply["requestStatus"]["result"] is False
        assert reply["requestStatus"]["code"] == code
        assert comment in reply["requestStatus"]["comment"]
        # The connection survives a refused request.
        assert (await ws.request("GetParticipants", rid="x2"))["requestStatus"]["code"] == 100
        await ws.close()

    with live_feed() as (server, _, _):
        asyncio.run(scenario(server))


def test_a_failing_core_is_reported_not_leaked() -> None:
    class BrokenController(BusController):
        def mark_section(self, title: str) -> None:
            raise RuntimeError("disk on fire at /home/someone")

    async def scenario(server: FeedServer) -> None:
        ws = await identified_client(server.url())
        reply = await ws.request("MarkSection", {"title": "x"})
        assert reply["requestStatus"]["code"] == 500
        assert reply["requestStatus"]["comment"] == "internal error (see the log)"
        await ws.close()

    server = FeedServer(BrokenController(EventBus()), TOKEN, FeedSettings(port=0))
    server.start()
    try:
        asyncio.run(scenario(server))
    finally:
        server.stop()


IDENTIFY = {"op": 1, "d": {"rpcVersion": RPC_VERSION, "token": TOKEN}}


@pytest.mark.parametrize(
    ("messages", "code"),
    [
        ([{"op": 1, "d": {"rpcVersion": RPC_VERSION, "token": "nope"}}], 4009),
        ([{"op": 1, "d": {"rpcVersion": RPC_VERSION}}], 4009),
        ([{"op": 1, "d": {"rpcVersion": 99, "token": TOKEN}}], 4010),
        ([{"op": 6, "d": {"requestType": "GetParticipants", "requestId": "1"}}], 4007),
        ([{"op": 3, "d": {"eventSubscriptions": 1}}], 4007),
        ([IDENTIFY, {"op": 4, "d": {}}], 4003),
        ([IDENTIFY, {"op": "6", "d": {}}], 4003),
        ([IDENTIFY, "this is not json"], 4002),
        ([IDENTIFY, [1, 2, 3]], 4002),
        ([IDENTIFY, {"op": 6, "d": '{"requestType": "GetParticipants"}'}], 4002),
        ([IDENTIFY, {"op": 6, "d": {"requestType": "GetParticipants"}}], 4002),
        (
            [IDENTIFY, {"op": 6, "d": {"requestType": "X", "requestId": "1", "requestData": 5}}],
            4002,
        ),
        ([IDENTIFY, {"op": 3, "d": {"eventSubscriptions": -1}}], 4002),
        ([{"op": 1, "d": {"token": TOKEN}}], 4002),
        ([IDENTIFY, IDENTIFY], 4005),
        ([IDENTIFY, {"op": 6, "d": {"requestType": "x" * 70_000, "requestId": "1"}}], 4004),
    ],
)
def test_protocol_violations_close_with_their_code(messages: list[Any], code: int) -> None:
    async def scenario(server: FeedServer) -> int | None:
        async with connect(server.url()) as ws:
            assert (await recv(ws))["op"] == 0
            for message in messages:
                await ws.send(message if isinstance(message, str) else json.dumps(message))
            return await close_code(ws)

    with live_feed() as (server, bus, _):
        assert asyncio.run(scenario(server)) == code
        # The server and its other clients carry on.
        assert asyncio.run(_still_serves(server, bus)) == 0.42


async def _still_serves(server: FeedServer, bus: EventBus) -> float:
    ws = await identified_client(server.url())
    bus.publish(engagement_event(0.42, 1000.0))
    value = (await ws.until_event("EngagementUpdated"))["eventData"]["engagement"]
    await ws.close()
    return float(value)


def test_a_silent_client_is_closed_after_the_identify_timeout() -> None:
    async def scenario(server: FeedServer) -> int | None:
        async with connect(server.url()) as ws:
            assert (await recv(ws))["op"] == 0
            return await close_code(ws)

    with live_feed(identify_timeout=0.3) as (server, _, _):
        assert asyncio.run(scenario(server)) == CloseCode.NOT_IDENTIFIED


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1"])
def test_foreign_web_pages_are_refused_at_the_handshake(origin: str) -> None:
    async def scenario(server: FeedServer) -> int:
        with pytest.raises(InvalidStatus) as refused:
            await connect(server.url(), origin=origin)  # type: ignore[arg-type]
        return refused.value.response.status_code

    with live_feed() as (server, _, _):
        assert asyncio.run(scenario(server)) == 403


def test_own_and_explicitly_allowed_origins_are_accepted() -> None:
    async def scenario(server: FeedServer, origin: str) -> None:
        ws = await identified_client(server.url(), origin=origin)
        await ws.close()

    with live_feed(allowed_origins=("https://studio.example/",)) as (server, _, _):
        for origin in (f"http://localhost:{server.port}", "https://studio.example"):
            asyncio.run(scenario(server, origin))


def test_aggregate_only_mode_sends_nothing_per_participant() -> None:
    async def scenario(server: FeedServer, bus: EventBus) -> None:
        ws = await identified_client(server.url(), subscriptions=ALL_EVENTS)
        bus.publish(_face_signals_event())
        people = engagement_event(0.5, 1.0).payload.participants
        bus.publish(Event("ParticipantsChanged", people, 1.0))
        personal = Alert(
            session_id="s1", kind="away", message="P2 away", timestamp=1, since=0, participant_id=2
        )
        bus.publish(Event("AlertRaised", personal, 1.0))
        bus.publish(engagement_event(0.66, 1000.0))
        relayed = []  # the core's events, not the overlay view the server makes of them
        while not relayed or relayed[-1]["eventType"] != "EngagementUpdated":
            message = await ws.recv()
            if message["op"] == 5 and message["d"]["eventType"] != "OverlayViewUpdated":
                relayed.append(message["d"])
        # FaceSignals and the personal alert never leave
        changed, room = relayed
        assert changed["eventType"] == "ParticipantsChanged"
        assert changed["eventData"] == {"participants": []}
        assert room["eventData"]["engagement"] == 0.66
        assert room["eventData"]["participants"] == []
        refused = await ws.request("GetParticipants")
        assert refused["requestStatus"]["code"] == 403 and refused["responseData"] is None
        summary = (await ws.request("GetSessionSummary", rid="s"))["responseData"]["summary"]
        assert summary["participants"] == 6 and summary["engagement"] == 0.66  # room figures
        await ws.close()

    # the feed applies no mode of its own: the privacy gate it reads from does
    with live_feed(PrivacyGate("aggregate_only", min_faces=3)) as (server, bus, _):
        asyncio.run(scenario(server, bus))


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.headers["Content-Type"], r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read().decode()


def test_serves_the_overlay_page_and_nothing_else() -> None:
    with live_feed() as (server, _, _):
        base = f"http://127.0.0.1:{server.port}"
        status, kind, body = _get(server.overlay_url())
        assert status == 200 and kind.startswith("text/html") and 'id="engagement-value"' in body
        status, kind, body = _get(f"{base}/overlay.js")
        assert status == 200 and kind.startswith("text/javascript")
        status, kind, body = _get(f"{base}/palette.css")
        assert status == 200 and "--alert: #f5a623;" in body
        for path in ("/../../pyproject.toml", "/%2e%2e/%2e%2e/pyproject.toml", "/nothing.html"):
            assert _get(base + path)[0] == 404


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = FeedServer(BusController(EventBus()), TOKEN, FeedSettings(port=port))
        with pytest.raises(OutputError, match=f"127.0.0.1:{port}.*another port"):
            server.start()


def test_publishing_without_clients_or_after_stop_is_harmless() -> None:
    bus = EventBus()
    server = FeedServer(BusController(bus), TOKEN, FeedSettings(port=0))
    server.attach(bus)
    bus.publish(engagement_event(0.5, 1.0))  # not started
    server.start()
    bus.publish(engagement_event(0.5, 1.0))  # nobody listening
    assert server.stats().events_sent == 0
    server.stop()
    bus.publish(engagement_event(0.5, 1.0))
    server.stop()  # idempotent
