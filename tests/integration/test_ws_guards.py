"""The feed attacked the way another program on the same machine would: real sockets on
127.0.0.1, each attack bounded in count and time, and every time a well-behaved client
measured alongside (it must receive every event, in order, while the attack goes on).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from meetwatch.errors import OutputError
from meetwatch.outputs.feed.protocol import EVENT_BIT, RPC_VERSION, CloseCode
from meetwatch.outputs.feed.ws_server import FeedServer, FeedSettings
from meetwatch.runtime.events import EventBus
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

FEED_LOGGER = "meetwatch.outputs.feed.ws_server"


@dataclass
class Watch:
    """What the well-behaved client saw during an attack."""

    published: int = 0
    received: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        return {
            "published": self.published,
            "received": len(self.received),
            "latency_median_ms": round(1000 * ordered[len(ordered) // 2], 2) if ordered else None,
            "latency_max_ms": round(1000 * ordered[-1], 2) if ordered else None,
        }


@contextlib.asynccontextmanager
async def watched(server: FeedServer, bus: EventBus, rate_hz: float = 20.0) -> AsyncIterator[Watch]:
    """An identified client receiving EngagementUpdated at `rate_hz` (published from another
    thread, like the core's state thread) for as long as the block runs."""
    watch = Watch()
    client = await identified_client(server.url(), subscriptions=EVENT_BIT["EngagementUpdated"])
    stop = threading.Event()
    sent_at: dict[float, float] = {}

    def publish() -> None:
        i = 0
        while not stop.is_set():
            sent_at[float(i)] = time.monotonic()
            bus.publish(engagement_event(0.5, float(i)))
            watch.published = i = i + 1
            stop.wait(1 / rate_hz)

    async def receive() -> None:
        while True:
            d = (await client.recv())["d"]
            stamp = d["eventData"]["timestamp"]
            watch.latencies.append(time.monotonic() - sent_at[stamp])
            watch.received.append(stamp)

    publisher = threading.Thread(target=publish)
    publisher.start()
    receiver = asyncio.create_task(receive())
    try:
        yield watch
    finally:
        stop.set()
        await asyncio.to_thread(publisher.join)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                while len(watch.received) < watch.published:
                    await asyncio.sleep(0.05)
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await receiver
        await client.close()
    assert watch.received == [float(i) for i in range(watch.published)], "the watcher missed events"


def _record(artifacts_dir: Path, name: str, data: dict[str, Any]) -> None:
    path = artifacts_dir / "feed_attacks.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    results[name] = data
    path.write_text(json.dumps(results, indent=2) + "\n")


# -- slots -------------------------------------------------------------------------------------


_SQUATTERS = """
import asyncio, contextlib, sys, time
from websockets.asyncio.client import connect

async def squat(url, deadline):
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            async with connect(url, open_timeout=5) as ws:
                async for _ in ws:  # Hello, then hold the place until the server takes it back
                    pass

async def main(port, count, seconds):
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(squat(f"ws://127.0.0.1:{port}", deadline) for _ in range(count)))

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
"""


def test_unidentified_sockets_never_lock_out_a_presenter(artifacts_dir: Path) -> None:
    """Another program keeps 100 sockets open that never identify, each reconnecting the
    moment it is closed (more than the 64 places for unidentified clients, so it churns
    them as fast as it can): a presenter's overlay, retrying like the web overlay does,
    identifies every time, and the client already connected keeps receiving."""
    squatters, seconds, presenters = 100, 6.0, 20

    async def presenter(url: str) -> int:
        """Attempts this presenter needed (the overlay page retries after a refusal)."""
        for attempt in range(1, 4):
            with contextlib.suppress(ConnectionClosed, InvalidHandshake, TimeoutError, OSError):
                client = await identified_client(url)
                await client.close()
                return attempt
            await asyncio.sleep(0.5)
        return 0

    async def scenario(server: FeedServer, bus: EventBus) -> dict[str, Any]:
        attack = subprocess.Popen(
            [sys.executable, "-c", _SQUATTERS, str(server.port), str(squatters), str(seconds)]
        )
        try:
            async with watched(server, bus) as watch:
                await asyncio.sleep(1.5)  # the attack is in full swing
                attempts = []
                for _ in range(presenters):
                    attempts.append(await presenter(server.url()))
                    await asyncio.sleep((seconds - 2.5) / presenters)
        finally:
            await asyncio.to_thread(attack.wait, 30)
        return {
            "attempts": attempts,
            "first_try": attempts.count(1),
            "evicted": server.stats().unidentified_evicted,
            **watch.summary(),
        }

    with live_feed() as (server, bus, _):
        result = asyncio.run(scenario(server, bus))
    _record(artifacts_dir, "unidentified_flood", result)
    assert 0 not in result["attempts"], result
    assert result["evicted"] > 0, "the attack never filled the unidentified pool"


def test_identified_clients_have_their_own_limit() -> None:
    async def scenario(server: FeedServer) -> None:
        first = await identified_client(server.url())
        second = await identified_client(server.url())
        async with connect(server.url()) as third:
            assert (await recv(third))["op"] == 0
            await send(third, 1, {"rpcVersion": RPC_VERSION, "token": TOKEN})
            assert await close_code(third) == CloseCode.TOO_MANY_CLIENTS
        await first.close()
        await asyncio.sleep(0.2)  # let the server see the first one leave
        fourth = await identified_client(server.url())
        await second.close()
        await fourth.close()

    with live_feed(max_clients=2) as (server, _, _):
        asyncio.run(scenario(server))


def test_half_open_requests_are_cut_off_and_new_clients_get_in(artifacts_dir: Path) -> None:
    """300 HTTP requests that never finish arriving (more than the 64 handshake places):
    the oldest are cut off, the well-behaved client keeps receiving, a new client gets in."""
    half_open = 300

    async def scenario(server: FeedServer, bus: EventBus) -> dict[str, Any]:
        sockets: list[socket.socket] = []

        def open_half() -> None:  # blocking sockets, off the watcher's event loop
            for _ in range(half_open):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never ends
                sockets.append(sock)

        async with watched(server, bus) as watch:
            try:
                await asyncio.to_thread(open_half)
                await asyncio.sleep(0.5)
                newcomer = await identified_client(server.url())
                await newcomer.close()
            finally:
                for sock in sockets:
                    sock.close()
        return watch.summary()

    with live_feed() as (server, bus, _):
        result = asyncio.run(scenario(server, bus))
        result["handshakes_cut"] = server.stats().handshakes_cut
    _record(artifacts_dir, "half_open_requests", result)
    assert result["handshakes_cut"] >= half_open - 64


# -- messages before authentication ------------------------------------------------------------


def test_deeply_nested_json_closes_4002_with_one_short_line(
    caplog: pytest.LogCaptureFixture, artifacts_dir: Path
) -> None:
    nested = "[" * 60_000  # under the 64 KiB message limit, far deeper than any parser recurses
    connections = 30

    async def one(url: str) -> int | None:
        async with connect(url) as ws:
            assert (await recv(ws))["op"] == 0
            await ws.send(nested)
            return await close_code(ws)

    async def scenario(server: FeedServer, bus: EventBus) -> dict[str, Any]:
        async with watched(server, bus) as watch:
            codes = [await one(server.url()) for _ in range(connections)]
        assert codes == [CloseCode.MESSAGE_DECODE_ERROR] * connections
        return watch.summary()

    caplog.set_level(logging.DEBUG, logger=FEED_LOGGER)
    with live_feed() as (server, bus, _):
        result = asyncio.run(scenario(server, bus))
    lines = [r for r in caplog.records if r.name.startswith("meetwatch") and r.levelno >= 30]
    _record(artifacts_dir, "nested_json", {**result, "log_lines": len(lines)})
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert "nested too deeply" in lines[0].getMessage() and lines[0].exc_info is None
    assert "Traceback" not in caplog.text


def test_wrong_tokens_are_logged_once_and_slowed(
    caplog: pytest.LogCaptureFixture, artifacts_dir: Path
) -> None:
    attempts = 7

    async def guess(url: str) -> tuple[int | None, float]:
        async with connect(url) as ws:
            assert (await recv(ws))["op"] == 0
            started = time.monotonic()
            await send(ws, 1, {"rpcVersion": RPC_VERSION, "token": "guess-0123456789"})
            code = await close_code(ws, timeout=10)
            return code, time.monotonic() - started

    async def scenario(server: FeedServer, bus: EventBus) -> list[float]:
        async with watched(server, bus):
            answers = [await guess(server.url()) for _ in range(attempts)]
            # the right token from the same address is not held back by the failures
            owner = await identified_client(server.url())
            await owner.close()
        assert {code for code, _ in answers} == {CloseCode.AUTHENTICATION_FAILED}
        return [took for _, took in answers]

    caplog.set_level(logging.WARNING, logger=FEED_LOGGER)
    with live_feed() as (server, bus, _):
        took = asyncio.run(scenario(server, bus))
        assert server.stats().failed_tokens == attempts
    _record(artifacts_dir, "wrong_tokens", {"answer_seconds": [round(t, 3) for t in took]})
    # answers 4.. wait 0.25, 0.5, 1 and 2 s: a lower bound, so a slow machine cannot fail it
    assert took[3] >= 0.25 and took[4] >= 0.5 and took[5] >= 1.0 and took[6] >= 2.0
    lines = [r.getMessage() for r in caplog.records if "wrong or missing token" in r.getMessage()]
    assert len(lines) == 1 and "127.0.0.1" in lines[0]


# -- requests ----------------------------------------------------------------------------------


def test_mark_section_is_rate_limited(artifacts_dir: Path) -> None:
    async def scenario(server: FeedServer, bus: EventBus) -> tuple[list[int], dict[str, Any]]:
        async with watched(server, bus) as watch:
            ws = await identified_client(server.url(), subscriptions=0)
            codes = []
            for i in range(40):
                reply = await ws.request("MarkSection", {"title": f"s{i}"}, rid=str(i))
                codes.append(reply["requestStatus"]["code"])
            await ws.close()
        return codes, watch.summary()

    with live_feed() as (server, bus, controller):
        codes, watch = asyncio.run(scenario(server, bus))
        assert codes[:10] == [100] * 10
        assert codes.count(429) >= 28  # a burst of 10, then one every 2 s
        assert len(controller.sections) == codes.count(100)
    _record(artifacts_dir, "mark_section_spam", watch)


_LOW_LIMIT_FEED = """
import logging, resource, sys, time
from meetwatch.outputs.feed.ws_server import FeedServer, FeedSettings
from meetwatch.runtime.events import EventBus
from tests.integration.ws_support import TOKEN, BusController

logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
resource.setrlimit(resource.RLIMIT_NOFILE, (FILES, FILES))  # the hard limit: no raising it
server = FeedServer(BusController(EventBus()), TOKEN, FeedSettings(port=0))
server.start()
print(server.port, flush=True)
sys.stdin.readline()  # until the test is done
server.stop()
"""


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="POSIX open-file limits")
def test_running_out_of_open_files_is_logged_once_and_survived(tmp_path: Path) -> None:
    """A feed whose process may open only 48 files, 200 half-open requests: the condition
    is logged once (no traceback per failed accept) and a client gets in afterwards."""
    script = _LOW_LIMIT_FEED.replace("FILES", "48")
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        port = int(child.stdout.readline())
        sockets = []
        for _ in range(200):  # more than the listen backlog: connect without waiting
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", port))
            sockets.append(sock)
        time.sleep(0.5)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.send(b"GET / HTTP/1.1\r\n")
        time.sleep(2.5)  # accept keeps failing meanwhile (asyncio retries every second)
        for sock in sockets:
            sock.close()

        async def newcomer() -> None:
            client = await identified_client(f"ws://127.0.0.1:{port}", open_timeout=15)
            await client.close()

        asyncio.run(newcomer())
    finally:
        child.stdin.close()
        stderr = child.stderr.read() if child.stderr else ""
        child.wait(10)
    assert "Traceback" not in stderr, stderr[-3000:]
    assert stderr.count("too many open files") == 1, stderr[-3000:]


# -- HTTP: Host header, odd paths ---------------------------------------------------------------


def _raw_get(port: int, target: bytes, host: bytes = b"127.0.0.1") -> int:
    """The status code of a GET written by hand (nothing may tidy the request up first)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
        head = sock.recv(4096)
    return int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0


@pytest.mark.parametrize(
    ("host", "lan", "status"),
    [
        ("127.0.0.1:{port}", False, 200),
        ("localhost:{port}", False, 200),
        ("[::1]:{port}", False, 200),
        ("localhost", False, 200),
        ("evil.example:{port}", False, 421),
        ("127.0.0.1.evil.example", False, 421),
        ("192.168.1.5:{port}", False, 421),
        ("", False, 421),
        ("192.168.1.5:{port}", True, 200),
        ("evil.example:{port}", True, 421),
    ],
)
def test_host_header_is_checked(host: str, lan: bool, status: int) -> None:
    settings: dict[str, Any] = {"host": "0.0.0.0"} if lan else {}
    with live_feed(**settings) as (server, _, _):
        header = host.format(port=server.port).encode()
        assert _raw_get(server.port, b"/", header) == status


_UPGRADE = (
    b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Pad: x"
)


@pytest.mark.parametrize(
    ("host", "status"),
    [
        (b"127.0.0.1:{port}", 101),
        (b"evil.example:{port}", 421),
        (b"127.0.0.1:{port}\r\nHost: evil.example", 421),  # two Host headers
    ],
)
def test_websocket_upgrade_checks_the_host_too(host: bytes, status: int) -> None:
    with live_feed() as (server, _, _):
        header = host.replace(b"{port}", str(server.port).encode()) + b"\r\n" + _UPGRADE
        assert _raw_get(server.port, b"/", header) == status


def test_two_origin_headers_are_refused() -> None:
    async def scenario(server: FeedServer) -> int:
        own = f"http://127.0.0.1:{server.port}"
        with pytest.raises(InvalidHandshake) as refused:
            await connect(server.url(), origin=own, additional_headers={"Origin": own})  # type: ignore[arg-type]
        return int(getattr(refused.value, "response").status_code)  # noqa: B009

    with live_feed() as (server, _, _):
        assert asyncio.run(scenario(server)) == 403


def test_nul_bytes_long_paths_and_foreign_hosts_get_4xx_without_tracebacks(
    caplog: pytest.LogCaptureFixture, artifacts_dir: Path
) -> None:
    """200 rounds of odd requests while the well-behaved client listens."""

    def attack(port: int) -> list[int]:
        statuses = []
        for _ in range(200):
            statuses += [
                _raw_get(port, b"/%00"),
                _raw_get(port, b"/index.html%00.png"),
                _raw_get(port, b"/" + b"a" * 7000),
                _raw_get(port, b"/" + b"%2e%2e/" * 900 + b"etc/passwd"),
                _raw_get(port, b"/", b"rebind.example"),
            ]
        return statuses

    async def scenario(server: FeedServer, bus: EventBus) -> dict[str, Any]:
        async with watched(server, bus) as watch:
            statuses = await asyncio.to_thread(attack, server.port)
            assert statuses == [400, 400, 404, 404, 421] * 200
            assert _raw_get(server.port, b"/overlay.js") == 200
        return watch.summary()

    caplog.set_level(logging.DEBUG)
    with live_feed() as (server, bus, _):
        result = asyncio.run(scenario(server, bus))
    _record(artifacts_dir, "odd_http_requests", result)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text
    assert caplog.text.count("refused a request for the host name") <= 2  # rate-limited


def test_an_old_query_token_link_is_still_served_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=FEED_LOGGER)
    with live_feed() as (server, _, _):
        url = server.overlay_url()
        assert "?token=" not in url and f"/#token={TOKEN}" in url
        for _ in range(3):
            assert _raw_get(server.port, b"/?token=" + TOKEN.encode()) == 200
    warnings = [r.getMessage() for r in caplog.records if "?token=" in r.getMessage()]
    assert len(warnings) == 1 and "next release" in warnings[0]


# -- start-up ----------------------------------------------------------------------------------


@pytest.mark.parametrize("port", [70000, -1])
def test_an_impossible_port_is_refused_at_once(port: int) -> None:

    server = FeedServer(BusController(EventBus()), TOKEN, FeedSettings(port=port))
    with pytest.raises(OutputError, match="choose 1-65535"):
        server.start()


def test_a_feed_that_cannot_listen_says_why_instead_of_hanging() -> None:

    server = FeedServer(
        BusController(EventBus()), TOKEN, FeedSettings(host="no.such.host.", port=0)
    )
    with pytest.raises(OutputError, match=r"cannot open the websocket feed on no\.such\.host\."):
        server.start()
