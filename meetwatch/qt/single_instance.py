"""One tray app per user and config: a second launch hands its request to the first and exits.

A local socket (a Unix socket, a named pipe on Windows) rather than a lock file, because it
also carries the request ("activate": show yourself) and dies with the process, so a crash
never leaves a stale lock behind. The same channel takes a few commands ("status",
"start-session", ...) so scripts, and the tests, can drive a running tray app. It is
restricted to the user who owns it.

Protocol: one line per connection, `command [argument]`; one line of JSON back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject
from PyQt6.QtNetwork import QLocalServer, QLocalSocket

from meetwatch.errors import MeetwatchError

Handler = Callable[[str, str], dict[str, Any]]
MAX_LINE = 4096


def instance_name(config_dir: Path) -> str:
    """Per config folder, so a test or a second profile with its own config runs apart."""
    digest = hashlib.sha256(str(config_dir.resolve()).encode()).hexdigest()[:16]
    return f"meetwatch-tray-{digest}"


def send_command(name: str, line: str, timeout_ms: int = 5000) -> dict[str, Any] | None:
    """Send one command to the running instance; its reply, or None if none is running."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return None
    socket.write((line.strip() + "\n").encode())
    socket.flush()
    data = b""
    while not data.endswith(b"\n") and socket.waitForReadyRead(timeout_ms):
        data += bytes(socket.readAll().data())
    socket.disconnectFromServer()
    try:
        reply = json.loads(data.decode() or "null")
    except ValueError:
        return {"ok": False, "error": "unreadable reply"}
    return reply if isinstance(reply, dict) else None


def _listening(name: str) -> bool:
    """Whether a live instance holds `name` (a crashed one's socket refuses connections)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    alive = socket.waitForConnected(1000)
    socket.abort()
    return alive


class SingleInstance(QObject):
    """`claim()` makes this process the instance; `handler(command, arg)` answers requests."""

    def __init__(self, name: str, handler: Handler) -> None:
        super().__init__()
        self.name = name
        self._handler = handler
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)

    def claim(self) -> bool:
        """Listen, unless another live instance answers; False means it already runs."""
        if _listening(self.name):
            return False
        QLocalServer.removeServer(self.name)  # a socket file left by a crashed instance
        return self._server.listen(self.name)

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            buffer = bytearray()

            def read(socket: QLocalSocket = socket, buffer: bytearray = buffer) -> None:
                buffer.extend(bytes(socket.readAll().data()))
                if b"\n" in buffer or len(buffer) > MAX_LINE:
                    line = bytes(buffer[:MAX_LINE]).split(b"\n", 1)[0].decode(errors="replace")
                    socket.readyRead.disconnect()
                    self._answer(socket, line)

            socket.readyRead.connect(read)
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                read()

    def _answer(self, socket: QLocalSocket, line: str) -> None:
        command, _, arg = line.strip().partition(" ")
        try:
            reply = self._handler(command, arg.strip())
        except MeetwatchError as exc:  # the request failed; the app goes on
            reply = {"ok": False, "error": str(exc)}
        socket.write((json.dumps(reply) + "\n").encode())
        socket.flush()
        socket.disconnectFromServer()
