"""The feed under load: many clients, a long session compressed in time, a client that
stops reading. The publisher is a plain thread, like the core's state thread."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
import tracemalloc

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from meetwatch.outputs.feed.protocol import CloseCode
from meetwatch.runtime.events import EventBus
from tests.integration.ws_support import engagement_event, identified_client, live_feed

CLIENTS = 20
EVENTS = 600  # ten minutes at 1 Hz


def _publish(bus: EventBus, first: int, count: int, participants: int = 6) -> threading.Thread:
    """Publish `count` EngagementUpdated (timestamps first, first+1, ...) from another thread."""

    def run() -> None:
        for i in range(first, first + count):
            bus.publish(engagement_event(0.5, float(i), n=participants))
            time.sleep(0.002)  # 500x real time

    thread = threading.Thread(target=run)
    thread.start()
    return thread


async def _receive(ws: ClientConnection, count: int, seen: list[float]) -> None:
    """Read `count` events, checking that their timestamps only go up."""
    for _ in range(count):
        d = json.loads(await asyncio.wait_for(ws.recv(), 30))["d"]
        timestamp = d["eventData"]["timestamp"]
        assert not seen or timestamp > seen[-1], "events out of order"
        seen[:] = [timestamp]


def test_twenty_clients_ten_minutes_nobody_starves_memory_flat() -> None:
    async def phase(clients: list[ClientConnection], bus: EventBus, first: int) -> list[float]:
        half = EVENTS // 2
        seen: list[list[float]] = [[] for _ in clients]
        publisher = _publish(bus, first, half)
        await asyncio.gather(*(_receive(ws, half, s) for ws, s in zip(clients, seen, strict=True)))
        await asyncio.to_thread(publisher.join)
        return [s[-1] for s in seen]

    async def scenario(url: str, bus: EventBus) -> None:
        feeds = [await identified_client(url) for _ in range(CLIENTS)]
        clients = [f.ws for f in feeds]
        tracemalloc.start()
        try:
            assert await phase(clients, bus, 0) == [EVENTS // 2 - 1] * CLIENTS
            after_first = tracemalloc.get_traced_memory()[0]
            assert await phase(clients, bus, EVENTS // 2) == [EVENTS - 1] * CLIENTS
            after_second = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        # 300 more events to 20 clients are ~10 MB of messages: none of it may stay behind.
        assert after_second - after_first < 1_000_000
        for ws in clients:
            await ws.close()

    with live_feed() as (server, bus, _):
        asyncio.run(scenario(server.url(), bus))
        stats = server.stats()
        assert stats.dropped_slow == 0
        assert stats.events_sent == CLIENTS * EVENTS


def _small_window_socket(port: int) -> socket.socket:
    """A connected socket with a tiny receive buffer: it stops taking data almost at once."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


def test_a_client_that_stops_reading_is_dropped_while_others_keep_up() -> None:
    events = 1500  # ~9 MB: more than the kernel buffers between the server and the stuck client

    async def scenario(url: str, port: int, bus: EventBus) -> int | None:
        reader = await identified_client(url)
        stuck = await identified_client(url, sock=_small_window_socket(port), max_queue=1)
        publisher = _publish(bus, 0, events, participants=25)
        await _receive(reader.ws, events, [])  # every event, in order, despite the stuck one
        await asyncio.to_thread(publisher.join)
        await reader.close()
        with contextlib.suppress(ConnectionClosed, TimeoutError):
            async with asyncio.timeout(10):
                async for _ in stuck.ws:  # the backlog, then the end of the connection
                    pass
        return stuck.ws.close_code

    with live_feed(queue_size=32) as (server, bus, _):
        code = asyncio.run(scenario(server.url(), server.port, bus))
        assert server.stats().dropped_slow == 1
        assert server.stats().connected == 0
    # 4011 if the close frame got through before the server cut the TCP connection, else 1006.
    assert code in (CloseCode.SLOW_CLIENT, 1006)
