"""The presenter overlay, rendered offscreen from the view of a recorded feed and from a live
server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PyQt6.QtCore import QEvent, QPointF, Qt
from PyQt6.QtGui import QImage, QMouseEvent
from PyQt6.QtWidgets import QApplication

from meetwatch.geometry import Rect
from meetwatch.outputs.feed.protocol import encode_event, parse_server_message
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.overlay_state import STALE_SECONDS, OverlayState, grid_cells
from meetwatch.qt.overlay import OverlayWidget
from meetwatch.qt.overlay_layout import OverlayLayout, corner_position, gauge_point
from meetwatch.qt.overlay_paint import GAUGE_RING, GRID_GAP
from meetwatch.qt.ws_client import Backoff, FeedClient
from tests.qt.feed import TinyFeed, recorded_lines, wait_until

LAST_DATA_TIME = 1_760_000_120.0  # timestamp of the last EngagementUpdated in the feed
LAST_ENGAGEMENT = 0.47
ATTENTION = ["on_screen", "on_screen", "away", "eyes_closed", "no_face", "camera_off"]
TOKEN = "test-token-0123456789"


@pytest.fixture
def overlay(qapp: QApplication) -> Iterator[OverlayWidget]:
    widget = OverlayWidget()
    yield widget
    widget.close()
    widget.deleteLater()


def view_line(state: OverlayState, now: float) -> str:
    """The OverlayViewUpdated message the feed server sends for `state` at `now`."""
    return encode_event("OverlayViewUpdated", state.view(now))


def replay(widget: OverlayWidget, now: float = LAST_DATA_TIME) -> OverlayState:
    """What the feed computes from the recorded session and FeedClient delivers: a connection
    change, then the parsed view."""
    state = OverlayState()
    for line in recorded_lines():
        state.apply(line, LAST_DATA_TIME)
    widget.on_connection(True, "connected")
    widget.on_message(parse_server_message(view_line(state, now)))
    return state


def grab(widget: OverlayWidget, path: Path) -> QImage:
    widget.grab().save(str(path))
    return QImage(str(path))  # what a person opening the PNG sees


def rgb(image: QImage, x: float, y: float) -> palette.RGB:
    c = image.pixelColor(round(x), round(y))
    return (c.red(), c.green(), c.blue())


def saturated_pixels(image: QImage) -> int:
    """Pixels with clear colour (greys have r ≈ g ≈ b)."""
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if (
                c.alpha() > 0
                and max(c.red(), c.green(), c.blue()) - min(c.red(), c.green(), c.blue()) > 40
            ):
                count += 1
    return count


def test_replayed_feed_shows_what_was_sent(overlay, artifacts_dir) -> None:
    replay(overlay)
    image = grab(overlay, artifacts_dir / "overlay_live.png")
    layout = OverlayLayout.full()
    assert overlay.gauge_text() == "47%"
    for text in ("REC", "live", "section: Q&A", "50%", "attentive", "2 of 4 faces · 6 in call"):
        assert text in overlay.drawn
    tiles = [t.text for t in overlay.view().grid.tiles]
    assert tiles[:3] == ["P1 47%", "P2 47%", "P3 47%"] and tiles[-1] == "P6"
    assert [t for t in overlay.drawn if t[:1] == "P"] == tiles
    # the gauge ring is filled to 47% in the engagement colour, the rest is track
    filled = gauge_point(layout.gauge, 0.05, GAUGE_RING / 2)
    empty = gauge_point(layout.gauge, 0.9, GAUGE_RING / 2)
    assert rgb(image, *filled) == palette.engagement_color(LAST_ENGAGEMENT)
    assert rgb(image, *empty) == palette.TRACK
    # one grid cell per participant, coloured by attention, in slot order
    cells = grid_cells(layout.grid, len(ATTENTION), GRID_GAP)
    for cell, state in zip(cells, ATTENTION, strict=True):
        assert rgb(image, cell.x + 3, cell.y + cell.h // 2) == palette.ATTENTION_COLORS[state]
    # emotion mix starts with happy (40%) and neutral ends it
    bar = layout.emotions
    assert rgb(image, bar.x + 2, bar.y + bar.h // 2) == palette.EMOTION_COLORS["happy"]
    assert rgb(image, bar.x + bar.w - 2, bar.y + bar.h // 2) == palette.EMOTION_COLORS["neutral"]
    # the alert strip and the REC dot
    alert = layout.alert
    assert rgb(image, alert.x + 3, alert.y + alert.h // 2) == palette.ALERT_COLOR
    assert "attention under 50% for 30 s" in overlay.drawn
    assert "engagement analysis on" in overlay.drawn
    header = image.copy(layout.header.x, 0, layout.header.w, layout.header.y + layout.header.h)
    assert saturated_pixels(header) > 0  # the red REC mark


def test_disconnected_overlay_is_grey_with_no_numbers(overlay, artifacts_dir) -> None:
    replay(overlay)
    live = grab(overlay, artifacts_dir / "overlay_before_disconnect.png")
    overlay.on_connection(False, "disconnected: no server")
    image = grab(overlay, artifacts_dir / "overlay_disconnected.png")
    assert overlay.gauge_text() == "–"
    assert "disconnected: no server" in overlay.drawn and "REC" not in overlay.drawn
    assert not [t for t in overlay.drawn if "%" in t]
    assert saturated_pixels(live) > 300
    assert saturated_pixels(image) < 20  # only the small red dot of the disclosure mark


def test_numbers_that_stop_coming_are_greyed_out(overlay, artifacts_dir) -> None:
    replay(overlay, now=LAST_DATA_TIME + STALE_SECONDS + 25)  # no update for 30 s
    image = grab(overlay, artifacts_dir / "overlay_stale.png")
    assert overlay.gauge_text() == "–" and "no data for a while" in overlay.drawn
    layout = OverlayLayout.full()
    assert layout.grid is not None
    grid = image.copy(layout.grid.x, layout.grid.y, layout.grid.w, layout.grid.h)
    assert saturated_pixels(grid) == 0


def test_compact_mode_keeps_the_gauge_and_the_alert_marker(overlay, artifacts_dir) -> None:
    replay(overlay)
    overlay.set_compact(True)
    image = grab(overlay, artifacts_dir / "overlay_compact.png")
    layout = OverlayLayout.compact()
    assert (image.width(), image.height()) == layout.size
    assert overlay.gauge_text() == "47%"
    g = layout.gauge
    assert rgb(image, g.x + g.w - 6, g.y + 6) == palette.ALERT_COLOR
    overlay.set_compact(False)
    assert (overlay.width(), overlay.height()) == OverlayLayout.full().size


def drag(widget: OverlayWidget, start: QPointF, end: QPointF) -> None:
    """Left-button drag in global coordinates, as the window system delivers it."""
    app = QApplication.instance()
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    events = [
        (QEvent.Type.MouseButtonPress, start, left, left),
        (QEvent.Type.MouseMove, end, none, left),
        (QEvent.Type.MouseButtonRelease, end, left, none),
    ]
    for kind, pos, button, buttons in events:
        local = QPointF(widget.mapFromGlobal(pos.toPoint()))
        event = QMouseEvent(kind, local, pos, button, buttons, Qt.KeyboardModifier.NoModifier)
        app.sendEvent(widget, event)


def test_dragging_snaps_to_the_nearest_screen_corner(overlay) -> None:
    overlay.show()
    overlay.snap("top-right")
    screen = overlay.screen().availableGeometry()
    area = Rect(screen.x(), screen.y(), screen.width(), screen.height())
    size = OverlayLayout.full().size
    assert (overlay.x(), overlay.y()) == corner_position("top-right", size, area)
    grip = QPointF(overlay.x() + 20, overlay.y() + 20)
    # drop it with its centre left of and below the screen centre: bottom-left wins
    target = QPointF(area.x + area.w / 2 - 200, area.y + area.h / 2 + 20)
    drag(overlay, grip, target)
    assert overlay.corner == "bottom-left"
    assert (overlay.x(), overlay.y()) == corner_position("bottom-left", size, area)


def test_click_through_and_opacity_settings(overlay) -> None:
    overlay.show()
    overlay.set_click_through(True)
    assert overlay.click_through and overlay.isVisible()
    overlay.set_click_through(False)
    assert not overlay.click_through
    overlay.set_opacity(0.05)
    assert overlay.windowOpacity() == pytest.approx(0.2, abs=0.01)
    menu = overlay.build_menu()
    assert [a.text() for a in menu.actions() if a.text()][:2] == ["Compact", "Click-through"]


def test_live_feed_connects_follows_and_reconnects(qapp, overlay, artifacts_dir) -> None:
    events = recorded_lines()[2:]
    with TinyFeed(TOKEN) as server:
        port = server.port
        client = FeedClient(server.url, TOKEN, backoff=Backoff(initial=0.1, maximum=0.3))
        client.message.connect(overlay.on_message)
        client.connection.connect(overlay.on_connection)
        client.start()
        wait_until(qapp, lambda: overlay.connected and len(server.clients) == 1)
        state = OverlayState()
        for line in events:
            state.apply(line, time.time())
        server.broadcast(view_line(state, time.time()))
        wait_until(qapp, lambda: overlay.view().section == "section: Q&A")
        assert overlay.gauge_text() == "47%"
        grab(overlay, artifacts_dir / "overlay_live_feed.png")
    try:
        # server gone: disconnected, no stale figure
        wait_until(qapp, lambda: not overlay.connected)
        assert overlay.gauge_text() == "–"
        assert overlay.status.startswith("disconnected")
        # server back on the same port: the client finds it again by itself
        with TinyFeed(TOKEN, port=port) as server:
            wait_until(qapp, lambda: overlay.connected and len(server.clients) == 1)
            server.broadcast(view_line(state, time.time()))
            wait_until(qapp, lambda: overlay.gauge_text() == "47%")
    finally:
        client.stop()


def test_a_wrong_token_is_reported_not_retried_silently(qapp, overlay) -> None:
    with TinyFeed(TOKEN) as server:
        client = FeedClient(server.url, "wrong-token-0000000", backoff=Backoff(0.2, 0.5))
        client.connection.connect(overlay.on_connection)
        client.start()
        try:
            wait_until(qapp, lambda: overlay.status == "rejected: wrong token")
            assert not overlay.connected
        finally:
            client.stop()
