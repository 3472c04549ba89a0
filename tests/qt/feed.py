"""Test helpers: the recorded feed and a tiny real websocket server that replays it."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtWidgets import QApplication
from websockets.asyncio.server import Server, ServerConnection, serve

from meetwatch.outputs.feed.protocol import CloseCode

RECORDED_FEED = Path(__file__).parent / "data" / "recorded_feed.jsonl"


def recorded_lines() -> list[str]:
    """Hello, Identified, then the events of a short session, as a server sent them."""
    return RECORDED_FEED.read_text(encoding="utf-8").splitlines()


def wait_until(app: QApplication, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Run the Qt loop until condition() holds (signals from the client thread arrive)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        app.processEvents()
        time.sleep(0.01)


class TinyFeed:
    """A real websockets server on loopback speaking just enough of the protocol:
    Hello, check the token in Identify, Identified, then whatever `broadcast` sends."""

    def __init__(self, token: str, port: int = 0) -> None:
        hello, identified = recorded_lines()[:2]
        self._hello, self._identified = hello, identified
        self.token = token
        self.port = port
        self.clients: set[ServerConnection] = set()
        self._loop = asyncio.new_event_loop()
        self._server: Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> TinyFeed:
        self._thread.start()
        self._server = self._call(self._listen())
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        self._call(self._server.wait_closed())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def broadcast(self, line: str) -> None:
        async def send_all() -> None:
            for ws in list(self.clients):
                await ws.send(line)

        self._call(send_all())

    def _call(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    async def _listen(self) -> Server:
        return await serve(self._handle, "127.0.0.1", self.port)

    async def _handle(self, ws: ServerConnection) -> None:
        await ws.send(self._hello)
        identify = json.loads(await ws.recv())
        if identify["op"] != 1 or identify["d"].get("token") != self.token:
            await ws.close(CloseCode.AUTHENTICATION_FAILED, "bad token")
            return
        await ws.send(self._identified)
        self.clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            self.clients.discard(ws)
