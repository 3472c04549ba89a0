"""OverlayState: the one place with the overlay's rules, from events to the OverlayView every
overlay draws (no GUI involved)."""

from __future__ import annotations

import pytest

from meetwatch.aggregation.models import Alert
from meetwatch.errors import ProtocolError
from meetwatch.geometry import Rect
from meetwatch.outputs.feed.protocol import Hello, Op, encode, encode_event, parse_server_message
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.overlay_state import (
    ALERT_SECONDS,
    HISTORY_SECONDS,
    STALE_SECONDS,
    OverlayState,
    emotion_segments,
    grid_cells,
    grid_shape,
)
from meetwatch.outputs.live.overlay_view import ATTENTION_ONLY_TEXT, blank_view, rgb_color
from meetwatch.shared import SessionInfo, StageStatus
from tests.unit.outputs import scene


def engagement(timestamp: float, value: float | None, session: str = "s-test") -> str:
    room = scene.room(0.5).model_copy(
        update={"timestamp": timestamp, "engagement": value, "session_id": session}
    )
    return encode_event("EngagementUpdated", room)


def alert(timestamp: float, state: str = "raised") -> str:
    return encode_event(
        "AlertRaised",
        Alert(
            session_id="s-test",
            kind="low_attention",
            message="attention under 50% for 30 s",
            timestamp=timestamp,
            since=timestamp - 30,
            state=state,
        ),
    )


def test_live_figures_texts_and_colours() -> None:
    state = OverlayState()
    assert state.apply(engagement(100.0, 0.62), now=5.0)
    view = state.view(now=5.0)
    assert (view.state, view.status, view.recording) == ("live", "live", True)
    assert view.gauge.text == "62%" and view.gauge.fill == 0.62 and view.gauge.band == "mid"
    assert rgb_color(view.gauge.color) == palette.engagement_color(0.62)
    assert view.attentive == "33%" and view.faces == "1 of 3 faces · 4 in call"
    tiles = view.grid.tiles
    assert [t.text for t in tiles] == ["P1 50%", "P2 50%", "P3 50%", "P4"]
    assert [t.attention for t in tiles] == list(scene.ATTENTION)
    assert [rgb_color(t.color) for t in tiles] == [
        palette.ATTENTION_COLORS[a] for a in scene.ATTENTION
    ]
    assert tiles[2].detail == "Participant 3: eyes closed" and (view.grid.rows, view.grid.cols) == (
        2,
        2,
    )
    assert [s.text for s in view.emotion.segments] == [
        "happy 50%", "sad 20%", "surprise 10%", "neutral 20%"
    ]  # fmt: skip
    assert view.disclosure == "engagement analysis on"


@pytest.mark.parametrize(
    ("value", "band"), [(0.0, "low"), (0.39, "low"), (0.4, "mid"), (0.649, "mid"), (0.65, "high")]
)
def test_gauge_bands(value: float, band: str) -> None:
    state = OverlayState()
    state.apply(engagement(100.0, value), now=0.0)
    gauge = state.view(now=0.0).gauge
    assert gauge.band == band and rgb_color(gauge.color) == palette.engagement_color(value)


def test_figures_that_stop_coming_are_hidden_not_shown_as_current() -> None:
    state = OverlayState()
    state.apply(engagement(100.0, 0.62), now=5.0)
    state.apply(alert(100.0), now=5.0)
    view = state.view(now=5.0 + STALE_SECONDS + 1)
    assert (view.state, view.status) == ("stale", "no data for a while")
    assert view.gauge.text == "–" and view.gauge.fill == 0 and view.attentive == "–"
    assert view.emotion.segments == [] and view.alerts == [] and view.recording
    assert {rgb_color(t.color) for t in view.grid.tiles} == {palette.TRACK}
    assert [t.text for t in view.grid.tiles] == ["P1", "P2", "P3", "P4"]
    assert view.sparkline.segments and rgb_color(view.sparkline.color) == palette.MUTED_TEXT
    assert state.apply(engagement(110.0, 0.7), now=20.0)
    assert state.view(now=20.0).status == "live", "the status comes back with the figures"


def test_before_and_after_a_session() -> None:
    state = OverlayState()
    assert state.view(now=0.0).status == "no session"
    started = SessionInfo(session_id="s-test", started_at=90.0, source="x", analysis_rate=1.0)
    state.apply(encode_event("SessionStarted", started), now=0.0)
    view = state.view(now=0.0)
    assert (view.state, view.recording, view.gauge.text) == ("waiting", True, "–")
    state.apply(engagement(100.0, 0.62), now=1.0)
    ended = started.model_copy(update={"ended_at": 101.0})
    state.apply(encode_event("SessionEnded", ended), now=2.0)
    view = state.view(now=2.0)
    assert (view.state, view.recording, view.gauge.text, view.grid.tiles) == (
        "idle",
        False,
        "–",
        [],
    )


def test_handshake_messages_change_nothing_and_garbage_is_a_protocol_error() -> None:
    state = OverlayState()
    hello = encode(Op.HELLO, Hello(serverVersion="0.1.0", rpcVersion=1, authRequired=True))
    assert not state.apply(hello, now=0.0)
    with pytest.raises(ProtocolError, match="breaks the meetwatch protocol"):
        state.apply('{"op": 5, "d": {"eventType": "EngagementUpdated"}}', now=0.0)
    with pytest.raises(ProtocolError):
        state.apply("not json", now=0.0)


def test_history_keeps_ten_minutes_and_a_new_session_starts_afresh() -> None:
    state = OverlayState()
    for i in range(80):
        state.apply(engagement(10.0 * i, 0.5), now=float(i))
    times = [t for t, _ in state.history]
    assert times[-1] == 790.0 and times[0] >= 790.0 - HISTORY_SECONDS
    started = SessionInfo(session_id="s-2", started_at=800.0, source="x", analysis_rate=2.0)
    state.apply(encode_event("SessionStarted", started), now=81.0)
    assert state.session_id == "s-2" and not state.history
    assert state.view(now=81.0).sparkline.segments == []


def test_sparkline_breaks_where_no_face_was_seen_and_a_lone_point_shows() -> None:
    state = OverlayState()
    for t, v in [(0.0, 1.0), (300.0, 0.5), (360.0, None), (600.0, 0.0)]:
        state.apply(engagement(t, v), now=1.0)
    segments = state.view(now=1.0).sparkline.segments
    assert segments[0] == [(0.0, 0.0), (0.5, 0.5)]
    assert len(segments) == 2 and segments[1][-1] == (1.0, 1.0) and segments[1][0][0] < 1.0


def test_alerts_show_until_cleared_or_old() -> None:
    state = OverlayState()
    state.apply(engagement(100.0, 0.5), now=1.0)
    state.apply(alert(100.0), now=1.0)
    assert state.view(now=1.0).alerts == ["attention under 50% for 30 s"]
    state.apply(alert(110.0, "cleared"), now=2.0)
    assert state.view(now=2.0).alerts == []
    state.apply(alert(120.0), now=3.0)
    state.apply(engagement(120.0 + ALERT_SECONDS + 1, 0.7), now=4.0)
    assert state.view(now=4.0).alerts == [], "an alert from over a minute ago is no longer news"


def test_stage_problems_show_even_while_figures_are_stale_and_sections() -> None:
    state = OverlayState()
    state.apply(engagement(100.0, 0.5), now=0.0)
    degraded = StageStatus(stage="capture", state="degraded", message="window minimised")
    state.apply(encode_event("StageStatusChanged", degraded), now=0.0)
    assert state.view(now=60.0).problems == ["capture: window minimised"]
    running = StageStatus(stage="capture", state="running")
    state.apply(encode_event("StageStatusChanged", running), now=0.0)
    assert state.view(now=0.0).problems == []
    marked = '{"op":5,"d":{"eventType":"SectionMarked","eventIntent":128,'
    marked += '"eventData":{"title":"Q&A","timestamp":5.0}}}'
    assert state.apply(marked, now=0.0) and state.view(now=0.0).section == "section: Q&A"


def test_emotion_mix_only_where_emotion_is_analysed_and_figures_are_shown() -> None:
    state = OverlayState()
    room = scene.room().model_copy(update={"attention_only": True, "emotion_mix": {}})
    state.apply_event("EngagementUpdated", room, 100.0)
    view = state.view(now=100.0)
    assert view.emotion.caption == ATTENTION_ONLY_TEXT and not view.emotion.bar
    assert view.disclosure == "engagement analysis on - attention only"
    withheld = room.model_copy(
        update={
            "attention_only": False,
            "min_faces": 5,
            "participants_with_face": 3,
            "engagement": None,
            "attention_share": None,
            "emotion_mix": {},
            "participants": [],
        }
    )
    state.apply_event("EngagementUpdated", withheld, 101.0)
    view = state.view(now=101.0)
    assert view.faces == "room figures from 5 faces (3 visible)" and view.attentive == "–"
    assert view.gauge.text == "–" and view.emotion.segments == [] and view.grid.tiles == []


def test_the_view_is_a_valid_wire_event_and_the_blank_view_has_no_figure() -> None:
    state = OverlayState()
    state.apply(engagement(100.0, 0.62), now=5.0)
    message = parse_server_message(encode_event("OverlayViewUpdated", state.view(now=5.0)))
    assert message.d.eventData == state.view(now=5.0)  # type: ignore[attr-defined]
    blank = blank_view()
    assert blank.gauge.text == blank.attentive == blank.faces == "–" and not blank.grid.tiles


def test_grid_and_emotion_helpers() -> None:
    assert [grid_shape(n) for n in (0, 1, 2, 4, 5, 9, 10)] == [
        (0, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 3), (3, 4),
    ]  # fmt: skip
    cells = grid_cells(Rect(0, 0, 100, 50), 5, gap=2)
    assert len(cells) == 5 and cells[3] == Rect(0, 26, 32, 24)
    assert grid_cells(Rect(0, 0, 3, 3), 9, gap=2) == []
    segments = emotion_segments({"happy": 2.0, "sad": 0.0, "neutral": 2.0})
    assert segments == [("happy", 0.0, 0.5), ("neutral", 0.5, 0.5)]
    assert emotion_segments({}) == []
