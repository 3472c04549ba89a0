"""OverlayState: what the overlays show, folded from wire messages (no GUI involved)."""

from __future__ import annotations

import pytest

from meetwatch.aggregation.models import Alert
from meetwatch.errors import ProtocolError
from meetwatch.geometry import Rect
from meetwatch.outputs.feed.protocol import Hello, Op, encode, encode_event
from meetwatch.outputs.live.overlay_state import (
    ALERT_SECONDS,
    HISTORY_SECONDS,
    STALE_SECONDS,
    OverlayState,
    emotion_segments,
    grid_cells,
    grid_shape,
)
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


def connected() -> OverlayState:
    state = OverlayState()
    state.set_connected()
    return state


def test_engagement_update_sets_the_live_figures() -> None:
    state = connected()
    assert state.apply(engagement(100.0, 0.62), now=5.0)
    assert state.live(now=5.0) and state.recording
    assert state.engagement == 0.62 and state.attentive_text == "attentive 1/3"
    assert [t.short_label for t in state.tiles] == ["P1", "P2", "P3", "P4"]
    assert [t.attention for t in state.tiles] == list(scene.ATTENTION)
    assert not state.live(now=5.0 + STALE_SECONDS + 1), "no update for a while: stale"


def test_handshake_messages_change_nothing_and_garbage_is_a_protocol_error() -> None:
    state = connected()
    hello = encode(Op.HELLO, Hello(serverVersion="0.1.0", rpcVersion=1, authRequired=True))
    assert not state.apply(hello, now=0.0)
    with pytest.raises(ProtocolError, match="breaks the meetwatch protocol"):
        state.apply('{"op": 5, "d": {"eventType": "EngagementUpdated"}}', now=0.0)
    with pytest.raises(ProtocolError):
        state.apply("not json", now=0.0)


def test_disconnect_drops_every_live_number_but_keeps_the_trend() -> None:
    state = connected()
    state.apply(engagement(100.0, 0.62), now=1.0)
    state.apply(alert(100.0), now=1.0)
    state.set_disconnected("disconnected: no server")
    assert not state.live(now=1.0) and not state.recording
    assert state.engagement is None and state.tiles == [] and state.alerts == []
    assert state.emotion_mix == {} and state.attentive_text == "attentive: –"
    assert list(state.history) == [(100.0, 0.62)]


def test_history_keeps_ten_minutes_and_a_new_session_starts_afresh() -> None:
    state = connected()
    for i in range(80):
        state.apply(engagement(10.0 * i, 0.5), now=float(i))
    times = [t for t, _ in state.history]
    assert times[-1] == 790.0 and times[0] >= 790.0 - HISTORY_SECONDS
    started = SessionInfo(session_id="s-2", started_at=800.0, source="x", analysis_rate=2.0)
    state.apply(encode_event("SessionStarted", started), now=81.0)
    assert state.session_id == "s-2" and not state.history and state.engagement is None


def test_sparkline_breaks_where_no_face_was_seen() -> None:
    state = connected()
    for t, v in [(0.0, 1.0), (300.0, 0.5), (360.0, None), (600.0, 0.0)]:
        state.apply(engagement(t, v), now=1.0)
    segments = state.sparkline(600, 100)
    assert segments == [[(0.0, 0.0), (300.0, 50.0)], [(600.0, 100.0)]]


def test_alerts_show_until_cleared_or_old() -> None:
    state = connected()
    state.apply(alert(100.0), now=1.0)
    assert [a.message for a in state.alerts] == ["attention under 50% for 30 s"]
    state.apply(alert(110.0, "cleared"), now=2.0)
    assert state.alerts == []
    state.apply(alert(120.0), now=3.0)
    state.apply(engagement(120.0 + ALERT_SECONDS + 1, 0.7), now=4.0)
    assert state.alerts == [], "an alert from over a minute ago is no longer news"


def test_stage_problems_and_sections() -> None:
    state = connected()
    degraded = StageStatus(stage="capture", state="degraded", message="window minimised")
    state.apply(encode_event("StageStatusChanged", degraded), now=0.0)
    assert state.problems == {"capture": "window minimised"}
    running = StageStatus(stage="capture", state="running")
    state.apply(encode_event("StageStatusChanged", running), now=0.0)
    assert state.problems == {}
    marked = '{"op":5,"d":{"eventType":"SectionMarked","eventIntent":128,'
    marked += '"eventData":{"title":"Q&A","timestamp":5.0}}}'
    assert state.apply(marked, now=0.0) and state.section == "Q&A"


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
