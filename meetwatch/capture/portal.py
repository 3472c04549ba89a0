"""The desktop portal's ScreenCast interface (xdg-desktop-portal), spoken over D-Bus.

On Wayland no application may look at other windows; the portal asks the user, in the
desktop's own dialog, which window or screen to share, and hands over a PipeWire stream of
it. With a restore token from the previous session (ScreenCast version 4+) the portal shares
the same window again without asking. Every call answers through a Request object's
`Response` signal, which is subscribed to before the call so that it cannot be missed.

jeepney (pure Python) speaks D-Bus here, so nothing needs compiling and the PipeWire remote's
file descriptor arrives as a real descriptor.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from typing import Any

from meetwatch.errors import CaptureError

BUS_NAME = "org.freedesktop.portal.Desktop"
OBJECT_PATH = "/org/freedesktop/portal/desktop"
SCREENCAST = "org.freedesktop.portal.ScreenCast"
REQUEST = "org.freedesktop.portal.Request"
SESSION = "org.freedesktop.portal.Session"

MONITOR, WINDOW = 1, 2  # source types
CURSOR_HIDDEN = 1
PERSIST_UNTIL_REVOKED = 2
RESTORE_SINCE_VERSION = 4
RESPONSE_TIMEOUT_S = 300.0  # the user is looking at the dialog


def portal_missing(detail: str) -> str:
    return (
        f"This is a Wayland session, where capture goes through the desktop's screen-sharing "
        f"portal, and no portal answers ({detail}). Install xdg-desktop-portal and your "
        "desktop's backend (xdg-desktop-portal-gnome, -kde or -wlr), or log into an X11 "
        "session, or analyse a recording with `meetwatch analyze VIDEO`."
    )


@dataclass(frozen=True)
class PortalStream:
    node_id: int
    size: tuple[int, int] | None  # in pixels, when the portal says
    source_type: int


@dataclass(frozen=True)
class ScreenCast:
    """A started screencast: PipeWire streams, the remote to read them from, a new token."""

    session: str
    streams: tuple[PortalStream, ...]
    pipewire_fd: int
    restore_token: str | None


def _token() -> str:
    return "meetwatch_" + secrets.token_hex(8)


class ScreenCastPortal:
    """One portal session on one D-Bus connection; closing either ends the screencast."""

    def __init__(self, connection: Any | None = None) -> None:
        try:
            from jeepney import DBusAddress, MatchRule, message_bus, new_method_call
            from jeepney.io.blocking import open_dbus_connection
        except ImportError as e:
            raise CaptureError("Wayland capture needs jeepney: pip install jeepney") from e
        self._address, self._rule, self._call = DBusAddress, MatchRule, new_method_call
        self._message_bus = message_bus
        if connection is None:
            try:
                connection = open_dbus_connection(bus="SESSION", enable_fds=True)
            except KeyError as e:
                raise CaptureError(portal_missing("DBUS_SESSION_BUS_ADDRESS is not set")) from e
            except OSError as e:
                raise CaptureError(portal_missing(f"the session D-Bus: {e}")) from e
        self._conn = connection
        self._portal = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=SCREENCAST)
        self._session: str | None = None
        self._closed: Any = None  # the filter catching the session's Closed signal

    def version(self) -> int:
        props = self._address(
            OBJECT_PATH, bus_name=BUS_NAME, interface="org.freedesktop.DBus.Properties"
        )
        msg = self._call(props, "Get", "ss", (SCREENCAST, "version"))
        reply = self._conn.send_and_get_reply(msg, timeout=10)
        if reply.header.message_type.name == "error":
            raise CaptureError(portal_missing(" ".join(map(str, reply.body))))
        return int(reply.body[0][1])

    def start(self, restore_token: str | None = None, types: int = MONITOR | WINDOW) -> ScreenCast:
        """Ask the user (or the restore token) for a window or screen; blocks until then."""
        version = self.version()
        session = self._request(
            "CreateSession", "a{sv}", ({"session_handle_token": ("s", _token())},)
        )["session_handle"][1]
        self._session = str(session)
        # PipeWire does not tell the reader when the desktop stops the stream (the picture
        # just freezes); the portal says so with the session's Closed signal.
        closed = self._rule(type="signal", interface=SESSION, member="Closed", path=self._session)
        self._conn.send_and_get_reply(self._message_bus.AddMatch(closed), timeout=10)
        self._closed = self._conn.filter(closed)
        select: dict[str, tuple[str, Any]] = {
            "types": ("u", types),
            "multiple": ("b", False),
            "cursor_mode": ("u", CURSOR_HIDDEN),
        }
        if version >= RESTORE_SINCE_VERSION:
            select["persist_mode"] = ("u", PERSIST_UNTIL_REVOKED)
            if restore_token:
                select["restore_token"] = ("s", restore_token)
        self._request("SelectSources", "oa{sv}", (self._session, select))
        started = self._request("Start", "osa{sv}", (self._session, "", {}))
        streams = tuple(
            PortalStream(
                int(node),
                tuple(props["size"][1]) if "size" in props else None,  # type: ignore[arg-type]
                int(props.get("source_type", ("u", 0))[1]),
            )
            for node, props in started.get("streams", ("a(ua{sv})", []))[1]
        )
        if not streams:
            raise CaptureError("The screen-sharing portal shared nothing")
        reply = self._conn.send_and_get_reply(
            self._call(self._portal, "OpenPipeWireRemote", "oa{sv}", (self._session, {})),
            timeout=10,
        )
        fd = reply.body[0]
        raw_fd = fd.to_raw_fd() if hasattr(fd, "to_raw_fd") else int(fd)
        token = started.get("restore_token", ("s", None))[1]
        return ScreenCast(self._session, streams, raw_fd, token)

    def closed(self) -> bool:
        """Whether the desktop ended the screencast (the user stopped sharing from its
        indicator, or the shared window or monitor went away). Never blocks."""
        if self._closed is None:
            return False
        while not self._closed.queue:
            try:
                self._conn.recv_messages(timeout=0)
            except TimeoutError:
                return False
        return True

    def close(self) -> None:
        if self._closed is not None:
            self._closed.close()
            self._closed = None
        if self._session is not None:
            session = self._address(self._session, bus_name=BUS_NAME, interface=SESSION)
            with contextlib.suppress(OSError):  # the bus is gone: so is the session
                self._conn.send(self._call(session, "Close"))
            self._session = None
        self._conn.close()

    def _request(self, method: str, signature: str, body: tuple[Any, ...]) -> dict[str, Any]:
        """Call a portal method that answers through a Request; return its results."""
        token = _token()
        options = body[-1]
        options["handle_token"] = ("s", token)
        sender = self._conn.unique_name.lstrip(":").replace(".", "_")
        path = f"{OBJECT_PATH}/request/{sender}/{token}"
        rule = self._rule(type="signal", interface=REQUEST, member="Response", path=path)
        self._conn.send_and_get_reply(self._message_bus.AddMatch(rule), timeout=10)
        with self._conn.filter(rule) as responses:
            reply = self._conn.send_and_get_reply(
                self._call(self._portal, method, signature, body), timeout=10
            )
            if reply.header.message_type.name == "error":
                raise CaptureError(f"The screen-sharing portal refused {method}: {reply.body}")
            try:
                signal = self._conn.recv_until_filtered(responses, timeout=RESPONSE_TIMEOUT_S)
            except TimeoutError as e:
                raise CaptureError("No answer from the screen-sharing dialog") from e
        code, results = signal.body
        if code == 1:
            raise CaptureError("Screen sharing was cancelled in the desktop's dialog")
        if code != 0:
            raise CaptureError(
                f"The screen-sharing portal failed ({method}, code {code}): its backend for "
                "this desktop could not share the screen. Check that your desktop's backend "
                "(xdg-desktop-portal-gnome, -kde or -wlr) is installed and its compositor runs, "
                "or analyse a recording with `meetwatch analyze VIDEO`."
            )
        return dict(results)
