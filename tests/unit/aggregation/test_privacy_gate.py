"""The privacy gate's rules, event kind by event kind, and a switch of mode mid-session."""

from __future__ import annotations

from typing import Any, get_args

import numpy as np
import pytest

from meetwatch.aggregation.models import Alert, RoomEngagement
from meetwatch.aggregation.privacy_gate import PrivacyGate, Withheld
from meetwatch.runtime.events import Event
from meetwatch.shared import EventKind, SessionInfo, StageStatus
from tests.unit.outputs import scene

INFO = SessionInfo(session_id="s-test", started_at=100.0, source="synthetic", analysis_rate=2.0)
AWAY = Alert(
    session_id="s-test",
    kind="participant_away",
    message="Participant 2 away for 1 min 0 s",
    timestamp=101.0,
    since=41.0,
    participant_id=2,
)
LOW = Alert(
    session_id="s-test",
    kind="low_attention",
    message="attention under 50% for 30 s",
    timestamp=101.0,
    since=71.0,
    value=0.33,
)


def events() -> list[Event]:
    """One event of every kind, each with everything per person a real one can carry."""
    room = scene.room()
    return [
        Event("SessionStarted", INFO, 100.0),
        Event("FaceSignals", scene.signals(), 100.5),
        Event("ParticipantsChanged", list(room.participants), 100.5),
        Event("EngagementUpdated", room, 101.0),
        Event("AlertRaised", AWAY, 101.0),
        Event("AlertRaised", LOW, 101.0),
        Event("StageStatusChanged", StageStatus(stage="capture", state="running"), 101.0),
        Event("SectionMarked", {"title": "Questions"}, 101.5),
        Event("FramesMissing", {"start": 101.0, "end": 102.0, "participants": [1, 3]}, 102.0),
        Event("SessionEnded", INFO.model_copy(update={"ended_at": 103.0}), 103.0),
    ]


def through(gate: PrivacyGate, sent: list[Event]) -> list[Event]:
    received: list[Event] = []
    gate.subscribe(received.append)
    for event in sent:
        gate.publish(event)
    return received


def by_kind(received: list[Event]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for e in received:
        out.setdefault(e.kind, []).append(e.payload)
    return out


def test_the_sample_covers_every_event_kind() -> None:
    assert {e.kind for e in events()} == set(get_args(EventKind))


def test_individual_mode_lets_everything_through_as_it_is() -> None:
    sent = events()
    received = through(PrivacyGate("individual", min_faces=3), sent)
    assert [e.kind for e in received] == [e.kind for e in sent]
    for before, after in zip(sent, received, strict=True):
        if isinstance(before.payload, RoomEngagement | SessionInfo):
            assert after.payload == before.payload  # copied, with the mode stamped
        else:
            assert after.payload is before.payload


def test_aggregate_only_mode_takes_out_everything_per_person() -> None:
    got = by_kind(through(PrivacyGate("aggregate_only", min_faces=3), events()))
    assert "FaceSignals" not in got
    assert got["ParticipantsChanged"] == [[]]
    (room,) = got["EngagementUpdated"]
    assert room.participants == [] and room.min_faces == 3
    full = scene.room()  # three faces: enough for room figures at min_faces 3
    assert (room.engagement, room.attention_share) == (full.engagement, full.attention_share)
    assert room.emotion_mix == full.emotion_mix
    assert got["AlertRaised"] == [LOW]  # the room alert, not the one about Participant 2
    assert got["FramesMissing"] == [{"start": 101.0, "end": 102.0, "participants": []}]
    assert [s.privacy_mode for s in got["SessionStarted"] + got["SessionEnded"]] == [
        "aggregate_only",
        "aggregate_only",
    ]
    assert got["SectionMarked"] == [{"title": "Questions"}]
    assert len(got["StageStatusChanged"]) == 1


def test_too_few_faces_withhold_every_room_figure_and_room_alert() -> None:
    gate = PrivacyGate("aggregate_only")  # five faces needed; the scene shows three
    got = by_kind(through(gate, events()))
    (room,) = got["EngagementUpdated"]
    assert (room.engagement, room.attention_share) == (None, None)
    assert (room.emotion_mix, room.attention_counts, room.participants) == ({}, {}, [])
    assert (room.participants_with_face, room.min_faces) == (3, 5)  # so views can say why
    assert "AlertRaised" not in got


def test_alerts_before_the_first_room_are_withheld_too() -> None:
    """Nothing is known about the room yet: an alert cannot be shown as a room's."""
    got = by_kind(through(PrivacyGate("aggregate_only", min_faces=1), [events()[0], events()[5]]))
    assert "AlertRaised" not in got


def test_attention_only_strips_emotion_whatever_the_analysis_produced() -> None:
    started = Event("SessionStarted", INFO.model_copy(update={"attention_only": True}), 100.0)
    got = by_kind(through(PrivacyGate(), [started, *events()[1:4]]))
    (signals,) = got["FaceSignals"]
    assert np.isnan(signals.emotion).all() and np.isnan(signals.valence).all()
    assert np.array_equal(signals.boxes, scene.signals().boxes)  # faces stay in this mode
    (room,) = got["EngagementUpdated"]
    assert room.emotion_mix == {} and room.attention_only
    people = got["ParticipantsChanged"][0] + room.participants
    assert len(people) == 8
    assert all(p.top_emotion is None and p.emotion is None for p in people)


def test_requests_and_pictures_pass_the_same_rules() -> None:
    gate = PrivacyGate("aggregate_only", min_faces=3)
    with pytest.raises(Withheld, match="aggregate-only"):
        gate.participants(list(scene.room().participants))
    tiles, signals = gate.observed(scene.tiles(), scene.signals())
    assert signals is None and tiles is not None
    assert [(t.slot, t.rect, t.kind) for t in tiles.tiles] == [
        (t.slot, t.rect, "video") for t in scene.tiles().tiles
    ]
    gate.set_privacy("individual", 3, False)
    assert gate.participants(list(scene.room().participants)) == scene.room().participants
    assert gate.observed(scene.tiles(), scene.signals())[1] is not None


def test_switching_mode_mid_session_takes_effect_at_once_and_keeps_the_session() -> None:
    gate = PrivacyGate("individual", min_faces=3)
    received: list[Event] = []
    gate.subscribe(received.append)
    sent = events()
    for event in sent[:4]:  # started, faces, participants, a second of engagement
        gate.publish(event)
    assert len(received[-1].payload.participants) == 4
    gate.set_privacy("aggregate_only", 3, False)
    # every view is told at once that nobody is to be shown any more
    assert received[-1].kind == "ParticipantsChanged" and received[-1].payload == []
    mark = len(received)
    for event in sent[1:]:
        gate.publish(event)
    after = by_kind(received[mark:])
    assert "FaceSignals" not in after and after["EngagementUpdated"][0].participants == []
    (ended,) = after["SessionEnded"]
    assert ended.session_id == INFO.session_id and ended.privacy_mode == "aggregate_only"
    gate.set_privacy("individual", 3, False)  # and back: individuals again from now on
    gate.publish(sent[3])
    assert len(received[-1].payload.participants) == 4


def test_an_unknown_event_kind_never_leaves_in_aggregate_only_mode() -> None:
    gate = PrivacyGate("aggregate_only")
    assert gate.redact(Event("Bogus", {"participant_id": 1}, 1.0)) is None  # type: ignore[arg-type]
    assert PrivacyGate().redact(Event("Bogus", {}, 1.0)) is not None  # type: ignore[arg-type]
