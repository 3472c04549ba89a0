"""A live feed on loopback with a small but real core behind it, and protocol-checking clients.

`BusController` is a genuine SessionController: sessions and sections go out on the same
bus (a PrivacyGate, as in the app) the feed listens to, and participants come from the last
EngagementUpdated, so a request and the events it causes travel the real path through the
server and the privacy gate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from meetwatch.aggregation.models import ParticipantEngagement, RoomEngagement
from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.errors import MeetwatchError
from meetwatch.outputs.feed.protocol import DEFAULT_SUBSCRIPTIONS, RPC_VERSION, parse_server_message
from meetwatch.outputs.feed.ws_server import FeedServer, FeedSettings
from meetwatch.runtime.events import Event
from meetwatch.shared import ATTENTION_STATES, EMOTIONS, SessionInfo

TOKEN = "test-token-0123456789-abcdefghij"


class BusController:
    def __init__(self, bus: PrivacyGate) -> None:
        self.bus = bus
        self.session: SessionInfo | None = None
        self.sections: list[str] = []
        self.room: RoomEngagement | None = None
        bus.subscribe(self._track)

    def _track(self, event: Event) -> None:
        if event.kind == "EngagementUpdated":
            self.room = event.payload

    def _publish(self, kind: Any, payload: Any) -> None:
        self.bus.publish(Event(kind, payload, time.time()))

    def summary(self) -> dict[str, Any]:
        return {
            "session": self.session.model_dump(mode="json") if self.session else None,
            "sections": list(self.sections),
            "engagement": self.room.engagement if self.room else None,
            "participants": self.room.participants_total if self.room else 0,
        }

    def participants(self) -> list[ParticipantEngagement]:
        return self.bus.participants(list(self.room.participants) if self.room else [])

    def start_session(self, source: str | None) -> SessionInfo:
        if self.session is not None:
            raise MeetwatchError("a session is already running; stop it first")
        self.session = SessionInfo(
            session_id=uuid.uuid4().hex[:8],
            started_at=time.time(),
            source=source or "screen",
            analysis_rate=5.0,
        )
        self._publish("SessionStarted", self.session)
        return self.session

    def stop_session(self) -> SessionInfo | None:
        if self.session is None:
            return None
        ended = self.session.model_copy(update={"ended_at": time.time()})
        self.session = None
        self._publish("SessionEnded", ended)
        return ended

    def mark_section(self, title: str) -> None:
        self.sections.append(title)
        self._publish("SectionMarked", {"title": title})


def participant(
    pid: int, attention: Any = "on_screen", engagement: float = 0.8
) -> ParticipantEngagement:
    has_face = attention not in ("no_face", "camera_off")
    return ParticipantEngagement(
        participant_id=pid,
        label=f"Participant {pid}",
        slot=pid - 1,
        attention=attention,
        engagement=engagement if has_face else None,
        top_emotion="happy" if has_face else None,
    )


def room(engagement: float, timestamp: float, session_id: str = "s1", n: int = 6) -> RoomEngagement:
    people = [participant(i + 1, ATTENTION_STATES[i % len(ATTENTION_STATES)]) for i in range(n)]
    with_face = [p for p in people if p.engagement is not None]
    mix = dict.fromkeys(EMOTIONS, 0.05) | {"happy": 0.45, "neutral": 0.25}
    return RoomEngagement(
        session_id=session_id,
        timestamp=timestamp,
        engagement=engagement,
        attention_share=sum(p.attention == "on_screen" for p in with_face) / len(with_face),
        emotion_mix=mix,
        participants_total=n,
        participants_with_face=len(with_face),
        participants=people,
    )


def engagement_event(engagement: float, timestamp: float, n: int = 6) -> Event:
    return Event("EngagementUpdated", room(engagement, timestamp, n=n), timestamp)


@contextmanager
def live_feed(
    gate: PrivacyGate | None = None, **settings: Any
) -> Iterator[tuple[FeedServer, PrivacyGate, BusController]]:
    bus = gate or PrivacyGate()
    controller = BusController(bus)
    server = FeedServer(controller, TOKEN, FeedSettings(port=0, **settings))
    server.start()
    detach = server.attach(bus)
    try:
        yield server, bus, controller
    finally:
        detach()
        server.stop()


async def recv(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    """The next message, checked against the protocol schema."""
    raw = await asyncio.wait_for(ws.recv(), timeout)
    parse_server_message(raw)
    message: dict[str, Any] = json.loads(raw)
    return message


async def send(ws: ClientConnection, op: int, d: dict[str, Any]) -> None:
    await ws.send(json.dumps({"op": op, "d": d}))


class FeedClient:
    """An identified connection. Events caused by a request may arrive before its response
    (the core publishes while the request runs), so messages skipped while waiting for one
    thing are kept for the next wait."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._backlog: deque[dict[str, Any]] = deque()

    async def recv(self) -> dict[str, Any]:
        return self._backlog.popleft() if self._backlog else await recv(self.ws)

    async def _until(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        skipped: list[dict[str, Any]] = []
        try:
            while True:
                message = await self.recv()
                if wanted(message):
                    return message
                skipped.append(message)
        finally:
            self._backlog.extendleft(reversed(skipped))

    async def request(
        self, request_type: str, data: dict[str, Any] | None = None, rid: str = "r1"
    ) -> dict[str, Any]:
        """Send a request and return its RequestResponse `d`."""
        d: dict[str, Any] = {"requestType": request_type, "requestId": rid}
        if data is not None:
            d["requestData"] = data
        await send(self.ws, 6, d)
        reply = await self._until(lambda m: m["op"] == 7 and m["d"]["requestId"] == rid)
        return dict(reply["d"])

    async def until_event(self, kind: str) -> dict[str, Any]:
        event = await self._until(lambda m: m["op"] == 5 and m["d"]["eventType"] == kind)
        return dict(event["d"])

    async def close(self) -> None:
        await self.ws.close()


async def identified_client(
    url: str, subscriptions: int = DEFAULT_SUBSCRIPTIONS, **connect_args: Any
) -> FeedClient:
    ws = await connect(url, **connect_args)
    hello = await recv(ws)
    assert hello["op"] == 0 and hello["d"]["authRequired"] is True
    identify = {"rpcVersion": RPC_VERSION, "token": TOKEN, "eventSubscriptions": subscriptions}
    await send(ws, 1, identify)
    identified = await recv(ws)
    assert identified == {"op": 2, "d": {"negotiatedRpcVersion": RPC_VERSION}}
    return FeedClient(ws)


async def close_code(ws: ClientConnection, timeout: float = 5.0) -> int | None:
    """Read until the server closes; the close code it sent."""
    with contextlib.suppress(ConnectionClosed):
        async with asyncio.timeout(timeout):
            async for _ in ws:
                pass
    return ws.close_code
