"""Websocket feed client for Qt windows: connects, identifies, reconnects, emits messages.

Runs the websockets sync client on its own QThread and hands every parsed server message to
the GUI thread through a Qt signal (queued connection), so widgets never touch the socket
and a dead server never freezes the window. Reconnects on its own with exponential backoff.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from pydantic import BaseModel
from PyQt6.QtCore import QThread, pyqtSignal
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from meetwatch.errors import ConfigError, ProtocolError
from meetwatch.outputs.feed.protocol import (
    DEFAULT_SUBSCRIPTIONS,
    RPC_VERSION,
    CloseCode,
    Hello,
    Identify,
    Op,
    encode,
    parse_server_message,
)

HANDSHAKE_TIMEOUT = 5.0
POLL_SECONDS = 0.25  # how often a blocked recv looks at the stop flag

CLOSE_REASONS: dict[int, str] = {
    CloseCode.AUTHENTICATION_FAILED: "rejected: wrong token",
    CloseCode.UNSUPPORTED_RPC_VERSION: "rejected: protocol version mismatch",
    CloseCode.TOO_MANY_CLIENTS: "rejected: too many clients",
    CloseCode.SLOW_CLIENT: "dropped: too slow",
}


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays: initial, doubled per failure, capped at maximum."""

    initial: float = 0.5
    maximum: float = 10.0

    def delay(self, failures: int) -> float:
        return min(self.maximum, self.initial * 2 ** max(0, failures - 1))


def check_url(url: str) -> str:
    if not url.startswith(("ws://", "wss://")):
        raise ConfigError(f"feed url {url!r} must start with ws:// or wss://")
    return url


class FeedClient(QThread):
    """Emits `connection(connected, status)` on every change and `message(parsed)` per message.

    `parsed` is what `protocol.parse_server_message` returns (Event and RequestResponse
    envelopes; Hello/Identified are consumed here).
    """

    connection = pyqtSignal(bool, str)
    message = pyqtSignal(object)

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        subscriptions: int = DEFAULT_SUBSCRIPTIONS,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__()
        self.url = check_url(url)
        self.token = token
        self.subscriptions = subscriptions
        self.backoff = backoff or Backoff()
        self._stop = threading.Event()
        self._socket: ClientConnection | None = None

    def run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                with connect(self.url, open_timeout=HANDSHAKE_TIMEOUT) as ws:
                    self._socket = ws
                    self._identify(ws)
                    failures = 0
                    self.connection.emit(True, "connected")
                    self._pump(ws)
                status = "disconnected"
            except ConnectionClosed as exc:
                closed = exc.rcvd.code if exc.rcvd else 1006
                status = CLOSE_REASONS.get(closed, "disconnected")
            except ProtocolError as exc:
                status = f"disconnected: {exc}"
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI):
                status = "disconnected: no server"
            finally:
                self._socket = None
            failures += 1
            self.connection.emit(False, status)
            self._stop.wait(self.backoff.delay(failures))

    def _identify(self, ws: ClientConnection) -> None:
        hello = parse_server_message(ws.recv(timeout=HANDSHAKE_TIMEOUT))
        if hello.op != Op.HELLO or not isinstance(hello.d, Hello):  # type: ignore[attr-defined]
            raise ProtocolError("server did not start with Hello")
        identify = Identify(
            rpcVersion=RPC_VERSION, token=self.token, eventSubscriptions=self.subscriptions
        )
        ws.send(encode(Op.IDENTIFY, identify))
        reply = parse_server_message(ws.recv(timeout=HANDSHAKE_TIMEOUT))
        if reply.op != Op.IDENTIFIED:  # type: ignore[attr-defined]
            raise ProtocolError("server did not answer Identify with Identified")

    def _pump(self, ws: ClientConnection) -> None:
        while not self._stop.is_set():
            try:
                raw = ws.recv(timeout=POLL_SECONDS)
            except TimeoutError:
                continue
            parsed: BaseModel = parse_server_message(raw)
            self.message.emit(parsed)

    def stop(self) -> None:
        """Close the socket and end the thread (blocks until it has)."""
        self._stop.set()
        socket = self._socket
        if socket is not None:
            socket.close()
        self.wait()
