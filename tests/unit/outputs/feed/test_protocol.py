"""The wire protocol's models and codes, and what the privacy gate lets onto the wire,
without a network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import pytest

from meetwatch.aggregation.models import Alert
from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.errors import ProtocolError
from meetwatch.outputs.feed.protocol import (
    DEFAULT_SUBSCRIPTIONS,
    EVENT_BIT,
    EVENT_DATA,
    OVERLAY_SUBSCRIPTIONS,
    SERVER_EVENTS,
    CloseCode,
    Identify,
    Op,
    Rejected,
    Request,
    RequestCode,
    SectionData,
    decode_client_message,
    encode_event,
    event_data,
    parse_server_message,
    response,
    schema_text,
)
from meetwatch.runtime.events import Event
from meetwatch.shared import EMOTIONS, EventKind, StageStatus
from tests.unit.outputs.scene import room, signals

SCHEMA_FILE = Path(__file__).resolve().parents[4] / "docs" / "protocol.schema.json"


def test_committed_schema_is_generated_from_the_models() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "docs/protocol.schema.json is stale: regenerate it with "
        "`python -m meetwatch.outputs.feed.protocol --schema > docs/protocol.schema.json`"
    )


def test_every_bus_event_has_a_wire_form_and_its_own_bit() -> None:
    assert set(EVENT_DATA) == set(get_args(EventKind)) | SERVER_EVENTS
    assert set(EVENT_BIT) == set(get_args(EventKind)) | SERVER_EVENTS
    assert not SERVER_EVENTS & set(get_args(EventKind))
    assert len(set(EVENT_BIT.values())) == len(EVENT_BIT)
    assert all(bit > 0 and bit & (bit - 1) == 0 for bit in EVENT_BIT.values())
    assert not DEFAULT_SUBSCRIPTIONS & EVENT_BIT["FaceSignals"]
    assert DEFAULT_SUBSCRIPTIONS & EVENT_BIT["EngagementUpdated"]
    assert not DEFAULT_SUBSCRIPTIONS & OVERLAY_SUBSCRIPTIONS  # the overlays ask for their view


def test_event_bits_never_move() -> None:
    """Clients store their subscription sums: the bits released so far are fixed."""
    released = ["SessionStarted", "SessionEnded", "ParticipantsChanged", "EngagementUpdated"]
    released += ["FaceSignals", "AlertRaised", "StageStatusChanged", "SectionMarked"]
    released += ["FramesMissing", "OverlayViewUpdated"]
    assert {kind: EVENT_BIT[kind] for kind in released} == {
        kind: 1 << i for i, kind in enumerate(released)
    }


def _wire(kind: Any, payload: Any, gate: PrivacyGate | None = None) -> dict[str, Any] | None:
    """Encode a bus event as the server would (after the privacy gate, when given) and read
    it back through the schema; None when the gate lets nothing out."""
    event: Event | None = Event(kind, payload, 123.0)
    if gate is not None:
        event = gate.redact(event)
    if event is None:
        return None
    text = encode_event(kind, event_data(event))
    parse_server_message(text)
    message: dict[str, Any] = json.loads(text)
    assert message["op"] == Op.EVENT and message["d"]["eventIntent"] == EVENT_BIT[kind]
    return dict(message["d"]["eventData"])


def test_face_signals_become_plain_numbers_per_face() -> None:
    d = _wire("FaceSignals", signals(7))
    assert d is not None and d["frame_index"] == 7
    assert [f["slot"] for f in d["faces"]] == [0, 1, 2]
    first = d["faces"][0]
    assert list(first["emotion"]) == list(EMOTIONS)
    assert first["emotion"]["happy"] == pytest.approx(0.88)
    assert first["box"] == [250.0, 100.0, 140.0, 160.0]


def test_section_marks_carry_the_event_time() -> None:
    assert _wire("SectionMarked", {"title": "Q&A"}) == SectionData(
        title="Q&A", timestamp=123.0
    ).model_dump(mode="json")


def test_aggregate_only_strips_everything_per_participant() -> None:
    gate = PrivacyGate("aggregate_only", min_faces=3)
    full = _wire("EngagementUpdated", room(0.6))
    assert full is not None and len(full["participants"]) == 4
    stripped = _wire("EngagementUpdated", room(0.6), gate)
    assert stripped is not None and stripped["participants"] == []
    assert stripped["engagement"] == 0.6 and stripped["emotion_mix"] == full["emotion_mix"]
    people = room().participants
    assert _wire("ParticipantsChanged", people, gate) == {"participants": []}
    assert _wire("FaceSignals", signals(), gate) is None
    personal = Alert(
        session_id="s", kind="away", message="m", timestamp=1, since=0, participant_id=3
    )
    room_alert = personal.model_copy(update={"participant_id": None})
    assert _wire("AlertRaised", personal, gate) is None
    assert _wire("AlertRaised", room_alert, gate) is not None


def test_a_wrong_payload_is_a_protocol_error_not_a_crash() -> None:
    with pytest.raises(ProtocolError, match="cannot send StageStatusChanged"):
        event_data(Event("StageStatusChanged", {"stage": "capture"}, 1.0))
    with pytest.raises(ProtocolError, match="cannot send SectionMarked"):
        event_data(Event("SectionMarked", "Q&A", 1.0))
    assert event_data(Event("StageStatusChanged", StageStatus(stage="x", state="running"), 1))


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\xff\xfe", CloseCode.MESSAGE_DECODE_ERROR),
        ("{", CloseCode.MESSAGE_DECODE_ERROR),
        ('{"op": 1}', CloseCode.MESSAGE_DECODE_ERROR),
        ('{"op": 1, "d": "{}"}', CloseCode.MESSAGE_DECODE_ERROR),
        ('{"op": 0, "d": {}}', CloseCode.UNKNOWN_OP),  # a server op from a client
        ('{"op": true, "d": {}}', CloseCode.UNKNOWN_OP),
        ('{"op": 1, "d": {"rpcVersion": "one"}}', CloseCode.MESSAGE_DECODE_ERROR),
        ('{"op": 1, "d": {"rpcVersion": 1, "eventSubscriptions": 4096}}', 4002),
    ],
)
def test_client_messages_that_break_the_protocol(raw: str | bytes, code: int) -> None:
    with pytest.raises(Rejected) as rejected:
        decode_client_message(raw)
    assert rejected.value.code == code
    assert len(rejected.value.reason.encode()) <= 123  # fits a close frame


def test_a_good_identify_takes_the_default_subscriptions() -> None:
    op, d = decode_client_message('{"op": 1, "d": {"rpcVersion": 1, "token": "t"}}')
    assert op == Op.IDENTIFY and d == Identify(rpcVersion=1, token="t")
    assert d.eventSubscriptions == DEFAULT_SUBSCRIPTIONS


def test_responses_to_unknown_requests_still_fit_the_schema() -> None:
    request = Request(requestType="Frobnicate", requestId="7")
    reply = response(request, RequestCode.UNKNOWN_REQUEST_TYPE, "unknown")
    parsed = parse_server_message({"op": 7, "d": reply.model_dump(mode="json")})
    assert parsed.model_dump()["d"]["requestStatus"]["result"] is False


def test_a_message_that_breaks_the_schema_is_named() -> None:
    bad = {"op": 5, "d": {"eventType": "EngagementUpdated", "eventIntent": 8, "eventData": {}}}
    with pytest.raises(ProtocolError, match="session_id"):
        parse_server_message(bad)
