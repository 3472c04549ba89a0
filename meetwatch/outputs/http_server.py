"""Plain HTTP on the websocket port: the web overlay's files and the Origin gate.

Serving the page from the feed's own port means one port to configure, one address for an
OBS browser source, and a page origin (http://127.0.0.1:PORT) the Origin check can trust.
Only GET reaches here (websockets answers anything else), and only files under the overlay
folder are served. The palette is generated from meetwatch.outputs.palette so the web
overlay colours states exactly like the Qt overlay and the reports.
"""

from __future__ import annotations

import http
from pathlib import Path
from urllib.parse import unquote, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from meetwatch.outputs.palette import (
    ALERT_COLOR,
    ATTENTION_COLORS,
    BACKGROUND,
    EMOTION_COLORS,
    ENGAGEMENT_HIGH,
    ENGAGEMENT_LOW,
    MUTED_TEXT,
    REC_COLOR,
    RGB,
    TEXT,
    TRACK,
    UNKNOWN_COLOR,
    hex_color,
)

PALETTE_PATH = "/palette.css"
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
    own = {f"http://{host}:{port}" for host in ("127.0.0.1", "localhost", "[::1]")}
    return frozenset(own | {o.rstrip("/") for o in extra})


def is_websocket(request: Request) -> bool:
    return "websocket" in request.headers.get("Upgrade", "").lower()


def forbidden_origin(request: Request, allowed: frozenset[str]) -> str | None:
    """The Origin header when it names a foreign page, else None."""
    origin = request.headers.get("Origin")
    if origin is None or origin in allowed:
        return None
    return origin


def static_response(root: Path, request: Request) -> Response:
    """The file the request's path names under `root` (index.html for "/"), or 404."""
    path = unquote(urlsplit(request.path).path)
    if path == PALETTE_PATH:
        return _ok(".css", palette_css().encode())
    relative = path.lstrip("/") or "index.html"
    target = (root / relative).resolve()
    base = root.resolve()
    if (
        not target.is_relative_to(base)
        or not target.is_file()
        or target.suffix not in _CONTENT_TYPES
    ):
        return plain(http.HTTPStatus.NOT_FOUND, f"not found: {path}")
    return _ok(target.suffix, target.read_bytes())


def plain(status: http.HTTPStatus, text: str) -> Response:
    body = (text + "\n").encode()
    headers = Headers(
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
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
            ("Connection", "close"),
        ]
    )
    return Response(http.HTTPStatus.OK.value, "OK", headers, body)


def palette_css() -> str:
    """CSS custom properties (and emotion/attention classes) from the shared palette."""
    named: dict[str, RGB] = {
        "background": BACKGROUND,
        "track": TRACK,
        "text": TEXT,
        "muted": MUTED_TEXT,
        "rec": REC_COLOR,
        "alert": ALERT_COLOR,
        "unknown": UNKNOWN_COLOR,
    }
    rules = [f"  --{name}: {hex_color(c)};" for name, c in named.items()]
    rules += [f"  --emotion-{e}: {hex_color(c)};" for e, c in EMOTION_COLORS.items()]
    rules += [f"  --attention-{a}: {hex_color(c)};" for a, c in ATTENTION_COLORS.items()]
    rules += [f"  --engagement-low: {ENGAGEMENT_LOW};", f"  --engagement-high: {ENGAGEMENT_HIGH};"]
    classes = [f".emotion-{e} {{ background: var(--emotion-{e}); }}" for e in EMOTION_COLORS]
    classes += [
        f'[data-attention="{a}"] {{ background: var(--attention-{a}); }}' for a in ATTENTION_COLORS
    ]
    return ":root {\n" + "\n".join(rules) + "\n}\n" + "\n".join(classes) + "\n"
