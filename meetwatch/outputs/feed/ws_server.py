"""The local websocket feed: core events out, session requests in, the web overlay served.

The server runs on its own thread with its own asyncio loop. The core publishes from the
state thread; `publish` only hands the event to the loop (`call_soon_threadsafe`), so the
pipeline never waits for a client, a socket or an encoder. Each event is encoded once and
queued to every subscribed client; every client has a bounded queue and one sender task,
so a client that stops reading fills only its own queue and is dropped (close 4011) while
the others keep receiving. Other local programs are kept from blocking or flooding it by
the guards in feed_guards.py: connections in their handshake, and connections not yet
identified, each have a pool of their own and never take an identified client's place.
See docs/protocol.md for the protocol and close codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import http
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Protocol
from urllib.parse import quote

from pydantic import BaseModel, ValidationError
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode as WsCloseCode
from websockets.http11 import Request as HttpRequest
from websockets.http11 import Response as HttpResponse

from meetwatch.aggregation.models import ParticipantEngagement
from meetwatch.aggregation.privacy_gate import PrivacyGate, Withheld
from meetwatch.assets import ui_dir
from meetwatch.errors import MeetwatchError, OutputError
from meetwatch.outputs.feed import http_server
from meetwatch.outputs.feed.feed_guards import (
    FailedTokens,
    OldestGivesWay,
    ThrottledLog,
    TokenBucket,
    is_out_of_files,
    raise_open_file_limit,
)
from meetwatch.outputs.feed.protocol import (
    EVENT_BIT,
    REQUESTS,
    RPC_VERSION,
    SERVER_VERSION,
    CloseCode,
    Hello,
    Identified,
    Identify,
    Op,
    ParticipantsData,
    Reidentify,
    Rejected,
    Request,
    RequestCode,
    SessionResponse,
    SummaryResponse,
    decode_client_message,
    encode,
    encode_event,
    event_data,
    request_data_error,
    response,
)
from meetwatch.outputs.live.overlay_state import VIEW_INPUTS, OverlayState
from meetwatch.runtime.events import Event
from meetwatch.shared import SessionInfo

log = logging.getLogger(__name__)

DEFAULT_PORT = 8765
LOOPBACK = "127.0.0.1"
LAN = "0.0.0.0"
_TRANSPORT_MAX_SIZE = 2**20  # beyond this websockets itself closes with 1009
_GOING_AWAY = int(WsCloseCode.GOING_AWAY)
_CLOSE_TIMEOUT = 2.0  # a client that does not answer our close frame is cut off after this
_INTERNAL_ERROR = int(WsCloseCode.INTERNAL_ERROR)
VIEW_TICK = 1.0  # seconds between re-evaluations of the overlay view


class SessionController(Protocol):
    """What the feed may ask of the core. Calls come one at a time from a worker thread
    (never the event loop), so they may block briefly; raise a MeetwatchError to refuse."""

    def summary(self) -> Mapping[str, Any] | BaseModel: ...

    def participants(self) -> list[ParticipantEngagement]: ...

    def start_session(self, source: str | None) -> SessionInfo: ...

    def stop_session(self) -> SessionInfo | None: ...

    def mark_section(self, title: str) -> None: ...


@dataclass(frozen=True)
class FeedSettings:
    host: str = LOOPBACK  # LAN ("0.0.0.0") only when the user opts in (--lan)
    port: int = DEFAULT_PORT  # 0: any free port (tests)
    allowed_origins: tuple[str, ...] = ()  # extra browser origins, e.g. "http://192.168.1.5:8765"
    max_clients: int = 32  # identified clients
    max_unidentified: int = 64  # connected, not identified yet: the oldest gives way
    max_handshakes: int = 64  # HTTP requests still arriving: the oldest is cut off
    handshake_timeout: float = 5.0
    queue_size: int = 256  # messages waiting per client before it counts as not reading
    max_message_bytes: int = 64 * 1024
    identify_timeout: float = 5.0  # a real client identifies at once, on Hello
    section_rate: float = 0.5  # MarkSection per second on average (all clients together)
    section_burst: int = 10


@dataclass(eq=False)
class _Client:
    ws: ServerConnection
    queue: asyncio.Queue[str]
    peer: str = ""
    subscriptions: int = 0
    identified: bool = False
    sender: asyncio.Task[None] | None = None


@dataclass
class FeedStats:
    connected: int = 0
    identified: int = 0
    dropped_slow: int = 0  # clients cut off because they stopped reading
    events_sent: int = 0  # event messages queued to clients, all clients together
    unidentified_evicted: int = 0  # unidentified connections closed to make room
    handshakes_cut: int = 0  # connections cut off in their HTTP handshake to make room
    failed_tokens: int = 0


class FeedServer:
    """Start with `start()` (returns once listening), feed with `attach(bus)` or `publish`,
    end with `stop()`. The overlay page is at `overlay_url()`."""

    def __init__(
        self,
        controller: SessionController,
        token: str,
        settings: FeedSettings | None = None,
        overlay_root: Path | None = None,
    ) -> None:
        if not token:
            raise OutputError("the websocket feed needs a token (see `meetwatch token`)")
        self._controller = controller
        self._token = token.encode()
        self.settings = settings or FeedSettings()
        self._overlay_root = overlay_root or ui_dir() / "overlay"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self._startup_error: BaseException | None = None
        self._port: int | None = None
        self._origins: frozenset[str] = frozenset()
        self._clients: set[_Client] = set()
        self._unidentified: OldestGivesWay[_Client] = OldestGivesWay(self.settings.max_unidentified)
        self._handshakes: OldestGivesWay[ServerConnection] = OldestGivesWay(
            self.settings.max_handshakes
        )
        self._hosts: frozenset[str] = frozenset()
        self._failed = FailedTokens()
        self._sections = TokenBucket(self.settings.section_rate, self.settings.section_burst)
        self._abuse_log = ThrottledLog(log)
        self._token_log = ThrottledLog(log)
        self._crowd_log = ThrottledLog(log)
        self._out_of_files_logged = False
        self._query_token_logged = False
        self._wanted = 0  # union of identified clients' subscriptions, read by publishers
        self._request_lock: asyncio.Lock | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stats = FeedStats()
        self._overlay = OverlayState()  # touched on the loop thread only
        self._view_text: str | None = None  # the newest view sent, encoded

    # -- lifecycle (any thread) ----------------------------------------------------------------

    def start(self) -> None:
        """Listen; raises OutputError when the port cannot be opened."""
        if self._thread is not None:
            raise OutputError("the websocket feed is already running")
        if not 0 <= self.settings.port <= 65535:
            raise OutputError(f"port {self.settings.port} does not exist: choose 1-65535")
        limits = raise_open_file_limit()
        if limits is not None and limits[1] > limits[0]:
            log.debug("open-file limit raised from %d to %d", *limits)
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="meetwatch-feed", daemon=True
        )
        self._thread.start()
        ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            self._thread = None
            s = self.settings
            raise OutputError(
                f"cannot open the websocket feed on {s.host}:{s.port}: {self._startup_error}"
                " (is meetwatch already running? choose another port with --port)"
            )

    def stop(self, timeout: float = 5.0) -> None:
        """Close every client (1001 going away) and the listening socket; idempotent."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None or loop is None or stopping is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop already ended
            loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout)
        self._thread = None

    def attach(self, bus: PrivacyGate) -> Callable[[], None]:
        """Subscribe to the core's events as the privacy gate lets them out; returns the
        function that detaches again."""
        return bus.subscribe(self.publish)

    def publish(self, event: Event) -> None:
        """Hand one event to the feed. Cheap and non-blocking: safe on the state thread."""
        loop = self._loop
        wanted = self._wanted & EVENT_BIT.get(event.kind, 0) or event.kind in VIEW_INPUTS
        if loop is None or not wanted:
            return
        with contextlib.suppress(RuntimeError):  # the loop ended between check and call
            loop.call_soon_threadsafe(self._dispatch, event)

    @property
    def port(self) -> int:
        if self._port is None:
            raise OutputError("the websocket feed is not running")
        return self._port

    def url(self) -> str:
        return f"ws://{self._display_host()}:{self.port}"

    def overlay_url(self, transparent: bool = False) -> str:
        """The web overlay, token included: give it to a browser or an OBS browser source.
        The token is in the fragment (after #), which browsers never send to any server, nor
        put in a Referer header; the page's script reads it from there."""
        query = "?transparent=1" if transparent else ""
        fragment = f"#token={quote(self._token.decode(), safe='')}"
        return f"http://{self._display_host()}:{self.port}/{query}{fragment}"

    def stats(self) -> FeedStats:
        return FeedStats(**vars(self._stats))

    def _display_host(self) -> str:
        return LOOPBACK if self.settings.host in (LAN, "", "::") else self.settings.host

    # -- the loop thread -----------------------------------------------------------------------

    def _run(self, ready: threading.Event) -> None:
        # asyncio.run also cancels what is left (e.g. a handshake caught by the shutdown).
        try:
            asyncio.run(self._serve(ready))
        except Exception as exc:  # after start-up this is a bug: log it, never hang start()
            if ready.is_set():
                log.exception("the websocket feed stopped")
            else:
                self._startup_error = exc
        finally:
            self._loop = None
            ready.set()

    async def _serve(self, ready: threading.Event) -> None:
        s = self.settings
        try:
            server: Server = await serve(
                self._handle,
                s.host,
                s.port,
                process_request=self._process_request,
                max_size=max(_TRANSPORT_MAX_SIZE, s.max_message_bytes + 1),
                compression=None,  # deflate per client per message costs more than it saves here
                open_timeout=s.handshake_timeout,
                close_timeout=_CLOSE_TIMEOUT,
                create_connection=self._connection_class(),
            )
        except (OSError, OverflowError, ValueError) as exc:
            self._startup_error = exc
            ready.set()
            return
        asyncio.get_running_loop().set_exception_handler(self._on_loop_error)
        self._port = server.sockets[0].getsockname()[1]
        self._origins = http_server.allowed_origins(self._port, s.allowed_origins)
        self._hosts = http_server.allowed_hosts(self._port, s.allowed_origins)
        self._stopping = asyncio.Event()
        self._request_lock = asyncio.Lock()
        self._loop = asyncio.get_running_loop()
        ticker = asyncio.create_task(self._tick_views())
        ready.set()
        await self._stopping.wait()
        self._loop = None  # publishers stop here
        ticker.cancel()
        server.close(close_connections=False)
        await asyncio.gather(
            *(self._close(c, _GOING_AWAY, "server stopping") for c in list(self._clients)),
            return_exceptions=True,
        )
        await server.wait_closed()

    def _connection_class(self) -> type[ServerConnection]:
        """Connections that count themselves in the handshake pool from the moment the TCP
        connection is accepted: a request that never finishes arriving (half-open) is cut
        off once newer ones need the place, instead of holding a file descriptor."""
        feed = self

        class GuardedConnection(ServerConnection):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                super().connection_made(transport)
                feed._handshake_started(self)

            def connection_lost(self, exc: Exception | None) -> None:
                feed._handshakes.discard(self)
                super().connection_lost(exc)

        return GuardedConnection

    def _handshake_started(self, connection: ServerConnection) -> None:
        oldest = self._handshakes.add(connection)
        if oldest is not None:
            self._stats.handshakes_cut += 1
            self._crowd_log.warning(
                "more than %d connections are still sending their HTTP request; "
                "cutting off the oldest",
                self.settings.max_handshakes,
            )
            oldest.transport.abort()

    def _on_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if is_out_of_files(context.get("exception")):
            if not self._out_of_files_logged:  # asyncio would log it with a traceback per try
                self._out_of_files_logged = True
                log.warning(
                    "too many open files: the feed accepts new connections again as others "
                    "close (raise the limit with `ulimit -n`)"
                )
            return
        loop.default_exception_handler(context)

    def _process_request(
        self, connection: ServerConnection, request: HttpRequest
    ) -> HttpResponse | None:
        self._handshakes.discard(connection)  # the request is in: no longer half-open
        host = http_server.forbidden_host(request, self._hosts, self.settings.host == LAN)
        if host is not None:
            self._abuse_log.warning("refused a request for the host name %r", host[:80])
            return http_server.plain(
                http.HTTPStatus.MISDIRECTED_REQUEST, "this server answers to 127.0.0.1 only"
            )
        origin = http_server.forbidden_origin(request, self._origins)
        if origin is not None:
            self._abuse_log.warning("refused a connection from the web page at %s", origin[:80])
            return http_server.plain(http.HTTPStatus.FORBIDDEN, f"origin not allowed: {origin}")
        if http_server.is_websocket(request):
            return None
        if http_server.has_query_token(request) and not self._query_token_logged:
            self._query_token_logged = True
            log.warning(
                "an overlay link with the token in its query (?token=) was opened; such links "
                "stop working in the next release: use the link meetwatch prints now (#token=)"
            )
        return http_server.static_response(self._overlay_root, request)

    async def _handle(self, ws: ServerConnection) -> None:
        client = _Client(ws, asyncio.Queue(self.settings.queue_size), _peer(ws))
        self._clients.add(client)
        oldest = self._unidentified.add(client)
        if oldest is not None:  # never an identified client: they left this pool
            self._stats.unidentified_evicted += 1
            self._crowd_log.warning(
                "more than %d websocket connections have not identified; closing the oldest",
                self.settings.max_unidentified,
            )
            self._forget(oldest)
            self._spawn(self._close(oldest, CloseCode.TOO_MANY_CLIENTS, "too many unidentified"))
        self._stats.connected = len(self._clients)
        client.sender = asyncio.create_task(self._send_loop(client))
        try:
            hello = Hello(serverVersion=SERVER_VERSION, rpcVersion=RPC_VERSION, authRequired=True)
            self._offer(client, encode(Op.HELLO, hello))
            await self._receive(client)
        except Rejected as rejected:
            await self._close(client, rejected.code, rejected.reason)
        except ConnectionClosed:
            pass
        except Exception as exc:  # a bug; one line per burst, not a traceback per connection
            self._abuse_log.warning("websocket client failed: %s: %s", type(exc).__name__, exc)
            log.debug("websocket client failed", exc_info=True)
            await self._close(client, _INTERNAL_ERROR, "internal error")
        finally:
            self._forget(client)

    async def _receive(self, client: _Client) -> None:
        try:
            async with asyncio.timeout(self.settings.identify_timeout):
                raw = await client.ws.recv(decode=False)
        except TimeoutError:
            raise Rejected(CloseCode.NOT_IDENTIFIED, "no Identify in time") from None
        await self._on_message(client, raw)
        while True:
            await self._on_message(client, await client.ws.recv(decode=False))

    async def _on_message(self, client: _Client, raw: bytes) -> None:
        if len(raw) > self.settings.max_message_bytes:
            limit = self.settings.max_message_bytes
            raise Rejected(CloseCode.MESSAGE_TOO_LARGE, f"message over {limit} bytes")
        try:
            op, d = decode_client_message(raw)
        except RecursionError:
            self._abuse_log.warning("closed a websocket client that sent JSON nested too deeply")
            raise Rejected(CloseCode.MESSAGE_DECODE_ERROR, "JSON nested too deeply") from None
        if op == Op.IDENTIFY:
            assert isinstance(d, Identify)
            await self._identify(client, d)
        elif not client.identified:
            raise Rejected(CloseCode.NOT_IDENTIFIED, "send Identify first")
        elif op == Op.REIDENTIFY:
            assert isinstance(d, Reidentify)
            self._subscribe(client, d.eventSubscriptions)
            self._offer(client, encode(Op.IDENTIFIED, Identified(negotiatedRpcVersion=RPC_VERSION)))
            self._greet(client)
        else:
            assert isinstance(d, Request)
            reply = await self._answer(d)
            self._offer(client, encode(Op.REQUEST_RESPONSE, reply))

    async def _identify(self, client: _Client, identify: Identify) -> None:
        if client.identified:
            raise Rejected(CloseCode.ALREADY_IDENTIFIED, "already identified; use Reidentify")
        if identify.rpcVersion != RPC_VERSION:
            raise Rejected(
                CloseCode.UNSUPPORTED_RPC_VERSION,
                f"rpcVersion {identify.rpcVersion} unsupported; this server speaks {RPC_VERSION}",
            )
        token = (identify.token or "").encode()
        if not hmac.compare_digest(token, self._token):
            await self._token_failed(client)
        if self._stats.identified >= self.settings.max_clients:
            raise Rejected(CloseCode.TOO_MANY_CLIENTS, "too many clients")
        client.identified = True
        self._unidentified.discard(client)
        self._stats.identified = sum(c.identified for c in self._clients)
        self._subscribe(client, identify.eventSubscriptions)
        self._offer(client, encode(Op.IDENTIFIED, Identified(negotiatedRpcVersion=RPC_VERSION)))
        self._greet(client)

    async def _token_failed(self, client: _Client) -> NoReturn:
        """Log the failure (rate-limited) and answer repeated ones from the same address
        ever more slowly, so that guessing the token is hopeless."""
        self._stats.failed_tokens += 1
        failures, delay = self._failed.record(client.peer)
        self._token_log.warning(
            "refused a websocket client with a wrong or missing token (%d from %s in the last "
            "minute)",
            failures,
            client.peer or "an unknown address",
        )
        if delay:
            await asyncio.sleep(delay)
        raise Rejected(CloseCode.AUTHENTICATION_FAILED, "wrong or missing token")

    def _subscribe(self, client: _Client, subscriptions: int) -> None:
        client.subscriptions = subscriptions
        self._update_wanted()

    def _update_wanted(self) -> None:
        wanted = 0
        for c in self._clients:
            if c.identified:
                wanted |= c.subscriptions
        self._wanted = wanted

    def _forget(self, client: _Client) -> None:
        self._clients.discard(client)
        self._unidentified.discard(client)
        if client.sender is not None:
            client.sender.cancel()
        self._update_wanted()
        self._stats.connected = len(self._clients)
        self._stats.identified = sum(c.identified for c in self._clients)

    # -- requests ------------------------------------------------------------------------------

    async def _answer(self, request: Request) -> BaseModel:
        spec = REQUESTS.get(request.requestType)
        if spec is None:
            known = ", ".join(REQUESTS)
            return response(
                request, RequestCode.UNKNOWN_REQUEST_TYPE, f"unknown requestType; known: {known}"
            )
        data = None
        if spec.data is not None:
            try:
                data = spec.data.model_validate(request.requestData or {})
            except ValidationError as exc:
                return response(request, RequestCode.INVALID_REQUEST_DATA, request_data_error(exc))
        if request.requestType == "MarkSection" and not self._sections.take():
            s = self.settings
            return response(
                request,
                RequestCode.TOO_MANY_REQUESTS,
                f"sections come too fast: {s.section_burst} at once, then one every "
                f"{1 / s.section_rate:g} s",
            )
        assert self._request_lock is not None
        try:
            async with self._request_lock:
                result = await asyncio.to_thread(self._call, request.requestType, data)
        except Withheld as exc:  # the privacy mode keeps it on the machine
            return response(request, RequestCode.NOT_ALLOWED, str(exc))
        except MeetwatchError as exc:
            return response(request, RequestCode.REQUEST_FAILED, str(exc))
        except Exception:
            log.exception("request %s failed", request.requestType)
            return response(request, RequestCode.REQUEST_FAILED, "internal error (see the log)")
        return response(request, RequestCode.SUCCESS, data=result)

    def _call(self, request_type: str, data: BaseModel | None) -> BaseModel | None:
        """Runs on a worker thread: the controller may block without stalling the feed."""
        c = self._controller
        if request_type == "GetSessionSummary":
            return SummaryResponse(summary=self._summary(c.summary()))
        if request_type == "GetParticipants":
            return ParticipantsData(participants=c.participants())
        if request_type == "StartSession":
            return SessionResponse(session=c.start_session(getattr(data, "source", None)))
        if request_type == "StopSession":
            return SessionResponse(session=c.stop_session())
        c.mark_section(str(getattr(data, "title", "")))
        return None

    def _summary(self, summary: Mapping[str, Any] | BaseModel) -> dict[str, Any]:
        return summary.model_dump(mode="json") if isinstance(summary, BaseModel) else dict(summary)

    # -- sending -------------------------------------------------------------------------------

    def _dispatch(self, event: Event) -> None:
        bit = EVENT_BIT[event.kind]
        targets = [c for c in self._clients if c.identified and c.subscriptions & bit]
        if not targets and event.kind not in VIEW_INPUTS:
            return
        try:
            data = event_data(event)
        except MeetwatchError as exc:
            log.error("%s", exc)
            return
        if event.kind in VIEW_INPUTS and self._overlay.apply_event(event.kind, data, time.time()):
            self._send_view()
        text = encode_event(event.kind, data)
        for client in targets:
            self._offer(client, text)
        self._stats.events_sent += len(targets)

    # -- the overlay view ------------------------------------------------------------------------
    # Folded from the same redacted payloads the clients get, so the view never shows more
    # than the events would; sent when it changes, and re-evaluated every second so figures
    # that stop coming go grey although no event arrives.

    def _view_targets(self) -> list[_Client]:
        bit = EVENT_BIT["OverlayViewUpdated"]
        return [c for c in self._clients if c.identified and c.subscriptions & bit]

    def _send_view(self) -> None:
        targets = self._view_targets()
        if not targets:
            return
        text = encode_event("OverlayViewUpdated", self._overlay.view(time.time()))
        if text == self._view_text:
            return
        self._view_text = text
        for client in targets:
            self._offer(client, text)
        self._stats.events_sent += len(targets)

    def _greet(self, client: _Client) -> None:
        """A client that just subscribed to the view gets the current one at once: a new
        overlay shows the last ten minutes instead of waiting for the next event."""
        if client in self._view_targets():
            self._offer(client, encode_event("OverlayViewUpdated", self._overlay.view(time.time())))

    async def _tick_views(self) -> None:
        while True:
            await asyncio.sleep(VIEW_TICK)
            self._send_view()

    def _offer(self, client: _Client, text: str) -> None:
        if client not in self._clients:
            return
        try:
            client.queue.put_nowait(text)
        except asyncio.QueueFull:
            self._stats.dropped_slow += 1
            log.warning("dropping a websocket client that stopped reading")
            self._forget(client)
            self._spawn(self._close(client, CloseCode.SLOW_CLIENT, "too slow: stopped reading"))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` beside the caller, kept referenced until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_loop(self, client: _Client) -> None:
        try:
            while True:
                await client.ws.send(await client.queue.get())
        except ConnectionClosed:
            pass

    async def _close(self, client: _Client, code: int, reason: str) -> None:
        """Close with a code, cutting the TCP connection if the client does not take the
        close frame in time (a client that stopped reading never will)."""
        if client.sender is not None:
            client.sender.cancel()
        try:
            async with asyncio.timeout(_CLOSE_TIMEOUT):
                await client.ws.close(code, reason)
        except TimeoutError:
            client.ws.transport.abort()


def _peer(ws: ServerConnection) -> str:
    """The client's address without its port: one program makes many connections."""
    address = ws.remote_address
    return str(address[0]) if isinstance(address, tuple) and address else ""
