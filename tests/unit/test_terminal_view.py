"""The terminal view prints the overlay view: the same figures and texts the overlays draw,
and no participant in aggregate-only mode."""

from __future__ import annotations

import time

from rich.console import Console

from meetwatch.aggregation.models import Alert
from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.runtime.events import Event
from meetwatch.shared import SessionInfo, StageStatus
from meetwatch.terminal_view import TerminalView
from tests.unit.outputs import scene


def _printed(view: TerminalView) -> str:
    console = Console(width=120, record=True, color_system=None)
    console.print(view.render())
    return console.export_text()


def _meeting(gate: PrivacyGate) -> None:
    now = time.time()
    info = SessionInfo(session_id="s-test", started_at=now - 5, source="zoom", analysis_rate=1.0)
    gate.publish(Event("SessionStarted", info, now - 5))
    gate.publish(Event("SectionMarked", {"title": "Q&A"}, now - 4))
    status = StageStatus(stage="analysis", state="running", fps=4.5, latency_ms=80.0)
    gate.publish(Event("StageStatusChanged", status, now - 3))
    alert = Alert(
        session_id="s-test", kind="low_attention", message="attention under 50%", timestamp=now,
        since=now - 30,
    )  # fmt: skip
    gate.publish(Event("AlertRaised", alert, now))
    room = scene.room(0.62).model_copy(update={"timestamp": now, "participants_with_face": 6})
    gate.publish(Event("EngagementUpdated", room, now))


def test_the_terminal_prints_the_overlay_view() -> None:
    gate = PrivacyGate()
    view = TerminalView(gate, "zoom", "http://127.0.0.1:8765/#token=x")
    before = _printed(view)
    assert "no session" in before and "REC" not in before
    _meeting(gate)
    shown = view.view()
    text = _printed(view)
    assert "● REC  zoom" in text and "section: Q&A" in text
    assert f"room engagement {shown.gauge.text}" in text and shown.gauge.text == "62%"
    assert f"attentive {shown.attentive}" in text and shown.faces in text
    assert "happy 50%" in text and "analysis 4.5 fps (80 ms)" in text
    assert "alert attention under 50%" in text
    for tile in shown.grid.tiles:
        assert tile.label in text
    assert "Participant 3" in text and "eyes closed" in text


def test_aggregate_only_prints_no_participant() -> None:
    gate = PrivacyGate(mode="aggregate_only", min_faces=5)
    view = TerminalView(gate, "zoom")
    _meeting(gate)
    text = _printed(view)
    assert "room engagement 62%" in text
    assert "Participant" not in text and view.view().grid.tiles == []
