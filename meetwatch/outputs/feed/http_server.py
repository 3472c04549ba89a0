"""Plain HTTP on the websocket port: the web overlay's files, the Host and Origin gates.

Serving the page from the feed's own port means one port to configure, one address for an
OBS browser source, and a page origin (http://127.0.0.1:PORT) the Origin check can trust.
Only GET reaches here (websockets answers anything else), and only files under the overlay
folder are served. The page's own colours are generated from meetwatch.outputs.live.palette,
like the Qt overlay's; the colours of figures come with the overlay view.

The Host check stops DNS rebinding: a web page on evil.example whose name is re-pointed at
127.0.0.1 has the same origin as its own site, so the Origin check lets it in, but its
requests still say `Host: evil.example`. Only loopback names are served (and, with --lan,
IP addresses, which cannot be rebound).
"""

from __future__ import annotations

import http
import ipaddress
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from meetwatch.outputs.live.palette import (
    ALERT_COLOR,
    BACKGROUND,
    MUTED_TEXT,
    REC_COLOR,
    RGB,
    TEXT,
    TRACK,
    hex_color,
)

PALETTE_PATH = "/palette.css"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
_MAX_PATH = 256  # the overlay's own paths are short; anything longer names nothing here
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
# The page may talk to its own origin only (ws: of the same host is 'self' in CSP 3).
_CSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'"


def allowed_origins(port: int, extra: tuple[str, ...] = ()) -> frozenset[str]:
    """Origins whose pages may open the feed: the overlay as served by this server, plus
    whatever the user allowed explicitly. A missing Origin (non-browser client) is allowed
    separately; "null" (file:// pages, sandboxed frames) is not, as any site can send it."""
    own = {f"http://{host}:{port}" for host in LOOPBACK_NAMES}
    return frozenset(own | {o.rstrip("/") for o in extra})


def allowed_hosts(port: int, extra_origins: tuple[str, ...] = ()) -> frozenset[str]:
    """Host header values this server answers to: the loopback names with and without the
    port, and the hosts of origins the user allowed explicitly."""
    hosts = {name for host in LOOPBACK_NAMES for name in (host, f"{host}:{port}")}
    hosts |= {urlsplit(o).netloc.lower() for o in extra_origins}
    return frozenset(hosts)


def forbidden_host(request: Request, allowed: frozenset[str], lan: bool) -> str | None:
    """The Host header when this server must not answer to it (DNS rebinding), else None;
    "" for a request without one (or with several)."""
    values = request.headers.get_all("Host")
    host = values[0].strip().lower().removesuffix(".") if len(values) == 1 else ""
    if host in allowed or (lan and _is_ip_literal(host)):
        return None
    return host


def _is_ip_literal(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def has_query_token(request: Request) -> bool:
    """Whether the request carries the token in its query string (overlay links made before
    the token moved to the URL fragment, which never reaches the server)."""
    return "token" in parse_qs(urlsplit(request.path).query)


def is_websocket(request: Request) -> bool:
    return "websocket" in request.headers.get("Upgrade", "").lower()


def forbidden_origin(request: Request, allowed: frozenset[str]) -> str | None:
    """The Origin header when it names a foreign page (or there are several), else None."""
    values = request.headers.get_all("Origin")
    if not values or (len(values) == 1 and values[0] in allowed):
        return None
    return ", ".join(values)


def static_response(root: Path, request: Request) -> Response:
    """The file the request's path names under `root` (index.html for "/"), or 404."""
    path = unquote(urlsplit(request.path).path)
    if not path.isprintable():  # a NUL byte or other control characters: no file has them
        return plain(http.HTTPStatus.BAD_REQUEST, "bad request: control characters in the path")
    if len(path) > _MAX_PATH:
        return plain(http.HTTPStatus.NOT_FOUND, "not found")
    if path == PALETTE_PATH:
        return _ok(".css", palette_css().encode())
    relative = path.lstrip("/") or "index.html"
    try:
        target = (root / relative).resolve()
        found = (
            target.is_relative_to(root.resolve())
            and target.suffix in _CONTENT_TYPES
            and target.is_file()
        )
        body = target.read_bytes() if found else b""
    except (OSError, ValueError):
        found = False
    if not found:
        return plain(http.HTTPStatus.NOT_FOUND, f"not found: {path}")
    return _ok(target.suffix, body)


def plain(status: http.HTTPStatus, text: str) -> Response:
    body = (text + "\n").encode()
    headers = Headers(
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Referrer-Policy", "no-referrer"),
            ("Connection", "close"),
        ]
    )
    return Response(status.value, status.phrase, headers, body)


def _ok(suffix: str, body: bytes) -> Response:
    headers = Headers(
        [
            ("Content-Type", _CONTENT_TYPES[suffix]),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", _CSP),
            ("Referrer-Policy", "no-referrer"),
            ("Connection", "close"),
        ]
    )
    return Response(http.HTTPStatus.OK.value, "OK", headers, body)


def palette_css() -> str:
    """The page's own colours as CSS custom properties; the colours of figures (gauge band,
    attention, emotion) come with the overlay view, chosen on the server."""
    named: dict[str, RGB] = {
        "background": BACKGROUND,
        "track": TRACK,
        "text": TEXT,
        "muted": MUTED_TEXT,
        "rec": REC_COLOR,
        "alert": ALERT_COLOR,
    }
    rules = [f"  --{name}: {hex_color(c)};" for name, c in named.items()]
    return ":root {\n" + "\n".join(rules) + "\n}\n"
