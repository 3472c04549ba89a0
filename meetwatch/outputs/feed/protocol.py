"""The wire protocol of the local websocket feed: envelopes, events, requests, codes.

Every message is `{"op": int, "d": {...}}` with `d` a JSON object (never a JSON string inside
JSON). The models here are the single source of the protocol: the server encodes with them,
tests validate every received message against them, and docs/protocol.schema.json is
generated from them (`python -m meetwatch.outputs.feed.protocol --schema`) and snapshot-tested,
so the published schema cannot drift from what the server sends.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, create_model

from meetwatch import __version__
from meetwatch.aggregation.models import Alert, ParticipantEngagement, RoomEngagement
from meetwatch.analysis.looks import LOOKS
from meetwatch.analysis.signals import FaceSignals
from meetwatch.errors import ProtocolError
from meetwatch.outputs.live.overlay_view import OverlayView
from meetwatch.runtime.events import Event
from meetwatch.shared import EMOTIONS, SessionInfo, StageStatus

RPC_VERSION = 1
SERVER_VERSION = __version__


class Op(IntEnum):
    HELLO = 0
    IDENTIFY = 1
    IDENTIFIED = 2
    REIDENTIFY = 3
    EVENT = 5
    REQUEST = 6
    REQUEST_RESPONSE = 7


CLIENT_OPS = frozenset({Op.IDENTIFY, Op.REIDENTIFY, Op.REQUEST})


class CloseCode(IntEnum):
    """Why the server closed a connection (websocket close codes, 4000 range)."""

    MESSAGE_DECODE_ERROR = 4002  # not JSON, not an envelope, or `d` fails the op's model
    UNKNOWN_OP = 4003
    MESSAGE_TOO_LARGE = 4004
    ALREADY_IDENTIFIED = 4005  # a second Identify; change subscriptions with Reidentify
    NOT_IDENTIFIED = 4007  # a message before Identify, or no Identify in time
    TOO_MANY_CLIENTS = 4008
    AUTHENTICATION_FAILED = 4009
    UNSUPPORTED_RPC_VERSION = 4010
    SLOW_CLIENT = 4011  # the client stopped reading and its queue overflowed


class RequestCode(IntEnum):
    """`requestStatus.code` of a RequestResponse; only SUCCESS has `result: true`."""

    SUCCESS = 100
    UNKNOWN_REQUEST_TYPE = 204
    INVALID_REQUEST_DATA = 400
    NOT_ALLOWED = 403  # e.g. per-participant data in aggregate-only mode
    TOO_MANY_REQUESTS = 429  # e.g. sections marked faster than the feed accepts them
    REQUEST_FAILED = 500  # the core refused (message in `comment`)


# -- events -----------------------------------------------------------------------------------

# One subscription bit per event type; `eventIntent` carries it. The bits are part of the wire
# contract (clients store their sums), so they are written out here rather than following the
# order of EventKind: a kind added there gets the next free bit, and none of these moves.
EVENT_BIT: dict[str, int] = {
    "SessionStarted": 1,
    "SessionEnded": 2,
    "ParticipantsChanged": 4,
    "EngagementUpdated": 8,
    "FaceSignals": 16,
    "AlertRaised": 32,
    "StageStatusChanged": 64,
    "SectionMarked": 128,
    "FramesMissing": 256,
    "OverlayViewUpdated": 512,
}
# Events the feed server makes itself instead of relaying them from the core's bus.
SERVER_EVENTS = frozenset({"OverlayViewUpdated"})
ALL_EVENTS = sum(EVENT_BIT.values())
HIGH_VOLUME_EVENTS = EVENT_BIT["FaceSignals"]  # per frame: only when asked for explicitly
# The overlays' ready-made view: what they subscribe to, instead of the events it is made of.
OVERLAY_SUBSCRIPTIONS = EVENT_BIT["OverlayViewUpdated"]
DEFAULT_SUBSCRIPTIONS = ALL_EVENTS & ~HIGH_VOLUME_EVENTS & ~OVERLAY_SUBSCRIPTIONS


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParticipantsData(_Data):
    participants: list[ParticipantEngagement] = Field(
        description="Everyone in the gallery now; empty in aggregate-only mode"
    )


class FaceSignalData(_Data):
    slot: int = Field(description="Tile slot of the face")
    emotion: dict[str, float] | None = Field(
        description="Probabilities, FER-2013 order; None when not analysed (attention-only "
        "mode, or a face too small to read)"
    )
    valence: float | None
    arousal: float | None
    yaw: float = Field(description="Degrees; > 0: face turned to its left")
    pitch: float
    roll: float
    gaze_x: float = Field(description="Iris offset in the eye, -1..1, 0 = centred")
    gaze_y: float
    eye_openness: float = Field(description="Mean eye aspect ratio")
    looks: dict[str, float] = Field(
        description="Probabilities, read from the face's pixels by the attention network, that "
        "it looks at the camera, looks away or has its eyes closed (no emotion: present in "
        "attention-only mode too)"
    )
    box: tuple[float, float, float, float] = Field(description="x, y, w, h in frame pixels")


class FaceSignalsData(_Data):
    frame_index: int
    timestamp: float
    faces: list[FaceSignalData]

    @classmethod
    def from_signals(cls, signals: FaceSignals) -> FaceSignalsData:
        read = np.isfinite(signals.emotion).all(axis=1)  # NaN rows: emotion not analysed
        faces = [
            FaceSignalData(
                slot=int(signals.slots[i]),
                emotion=dict(zip(EMOTIONS, signals.emotion[i].tolist(), strict=True))
                if read[i]
                else None,
                valence=float(signals.valence[i]) if read[i] else None,
                arousal=float(signals.arousal[i]) if read[i] else None,
                yaw=float(signals.head_pose[i, 0]),
                pitch=float(signals.head_pose[i, 1]),
                roll=float(signals.head_pose[i, 2]),
                gaze_x=float(signals.gaze[i, 0]),
                gaze_y=float(signals.gaze[i, 1]),
                eye_openness=float(signals.eye_openness[i]),
                looks=dict(zip(LOOKS, signals.looks[i].tolist(), strict=True)),
                box=tuple(signals.boxes[i].tolist()),
            )
            for i in range(len(signals))
        ]
        return cls(frame_index=signals.frame_index, timestamp=signals.timestamp, faces=faces)


class SectionData(_Data):
    title: str
    timestamp: float


class FramesMissingData(_Data):
    start: float = Field(description="Unix time the meeting window stopped being visible")
    end: float = Field(description="Unix time it was visible again")
    participants: list[int] = Field(
        default_factory=list,
        description="Participant ids whose tiles another window covered (empty: the whole "
        "window was not visible, or aggregate-only mode)",
    )


EVENT_DATA: dict[str, type[BaseModel]] = {
    "SessionStarted": SessionInfo,
    "SessionEnded": SessionInfo,
    "ParticipantsChanged": ParticipantsData,
    "EngagementUpdated": RoomEngagement,
    "FaceSignals": FaceSignalsData,
    "AlertRaised": Alert,
    "StageStatusChanged": StageStatus,
    "SectionMarked": SectionData,
    "FramesMissing": FramesMissingData,
    "OverlayViewUpdated": OverlayView,
}


def event_data(event: Event) -> BaseModel:
    """The wire payload of a bus event.

    The privacy mode is not applied here: every sink reads the bus through the PrivacyGate,
    so what arrives has already been redacted for the mode in use.
    """
    kind, payload = event.kind, event.payload
    try:
        if kind == "FaceSignals":
            return FaceSignalsData.from_signals(payload)
        if kind == "ParticipantsChanged":
            return ParticipantsData(participants=list(payload))
        if kind == "SectionMarked":
            return SectionData(title=payload["title"], timestamp=event.timestamp)
        return EVENT_DATA[kind].model_validate(payload)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ProtocolError(f"cannot send {kind}: bad payload ({exc})") from exc


# -- requests ---------------------------------------------------------------------------------


class StartSessionData(_Data):
    source: str | None = Field(default=None, description="Capture source; None: the configured one")


class MarkSectionData(_Data):
    title: str = Field(min_length=1, max_length=200)


class SummaryResponse(_Data):
    summary: dict[str, Any]


class SessionResponse(_Data):
    session: SessionInfo | None = Field(description="None: no session was running")


@dataclass(frozen=True)
class RequestSpec:
    data: type[BaseModel] | None  # model of requestData; None: takes no data
    response: type[BaseModel] | None  # model of responseData; None: answers no data


REQUESTS: dict[str, RequestSpec] = {
    "GetSessionSummary": RequestSpec(None, SummaryResponse),
    "GetParticipants": RequestSpec(None, ParticipantsData),
    "StartSession": RequestSpec(StartSessionData, SessionResponse),
    "StopSession": RequestSpec(None, SessionResponse),
    "MarkSection": RequestSpec(MarkSectionData, None),
}


# -- envelopes --------------------------------------------------------------------------------


class Hello(_Data):
    serverVersion: str
    rpcVersion: int
    authRequired: bool


class Identify(_Data):
    rpcVersion: int
    token: str | None = Field(default=None, max_length=256)
    eventSubscriptions: int = Field(
        default=DEFAULT_SUBSCRIPTIONS, ge=0, le=ALL_EVENTS, description="Bitmask of EVENT_BIT"
    )


class Identified(_Data):
    negotiatedRpcVersion: int


class Reidentify(_Data):
    eventSubscriptions: int = Field(ge=0, le=ALL_EVENTS)


class Request(_Data):
    """A request as read off the wire; requestData is checked against REQUESTS afterwards so
    an unknown type or bad data gets a RequestResponse instead of a closed connection."""

    requestType: str = Field(min_length=1, max_length=64)
    requestId: str = Field(min_length=1, max_length=128)
    requestData: dict[str, Any] | None = None


class RequestStatus(_Data):
    result: bool
    code: int
    comment: str | None = None


class RequestResponse(_Data):
    requestType: str
    requestId: str
    requestStatus: RequestStatus
    responseData: dict[str, Any] | None = None


class Rejected(Exception):
    """A client broke the protocol; the server closes the connection with `code`."""

    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        # Close reasons must fit a control frame (123 bytes of UTF-8).
        self.reason = reason.encode()[:120].decode(errors="ignore")


CLIENT_DATA: dict[Op, type[BaseModel]] = {
    Op.IDENTIFY: Identify,
    Op.REIDENTIFY: Reidentify,
    Op.REQUEST: Request,
}


def decode_client_message(raw: bytes | str) -> tuple[Op, BaseModel]:
    """Parse one client message; raises Rejected with the close code it deserves."""
    try:
        message = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Rejected(CloseCode.MESSAGE_DECODE_ERROR, f"not JSON: {exc}") from exc
    if not isinstance(message, dict) or not isinstance(message.get("d"), dict):
        raise Rejected(CloseCode.MESSAGE_DECODE_ERROR, 'expected {"op": int, "d": {...}}')
    op = message.get("op")
    if not isinstance(op, int) or isinstance(op, bool) or op not in CLIENT_OPS:
        raise Rejected(CloseCode.UNKNOWN_OP, f"unknown op {op!r}")
    try:
        return Op(op), CLIENT_DATA[Op(op)].model_validate(message["d"])
    except ValueError as exc:
        raise Rejected(CloseCode.MESSAGE_DECODE_ERROR, _first_error(exc)) from exc


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "d"
        return f"{where}: {first['msg']}"
    return str(exc)


def request_data_error(exc: ValueError) -> str:
    return f"invalid requestData: {_first_error(exc)}"


def encode(op: Op, d: BaseModel) -> str:
    return json.dumps({"op": int(op), "d": d.model_dump(mode="json")}, separators=(",", ":"))


def encode_event(kind: str, data: BaseModel) -> str:
    """Encoded once per event and shared by every subscribed client."""
    d = {
        "eventType": kind,
        "eventIntent": EVENT_BIT[kind],
        "eventData": data.model_dump(mode="json"),
    }
    return json.dumps({"op": int(Op.EVENT), "d": d}, separators=(",", ":"))


def response(
    request: Request,
    code: RequestCode,
    comment: str | None = None,
    data: BaseModel | None = None,
) -> RequestResponse:
    return RequestResponse(
        requestType=request.requestType,
        requestId=request.requestId,
        requestStatus=RequestStatus(result=code == RequestCode.SUCCESS, code=code, comment=comment),
        responseData=None if data is None else data.model_dump(mode="json"),
    )


# -- typed view for the schema and for clients that validate -----------------------------------
# The unions below spell out, per event and request type, which payload goes with it. They
# are built from EVENT_DATA and REQUESTS so they cannot disagree with the server.


def _typed(name: str, tag_field: str, tag: str | int, **fields: Any) -> type[BaseModel]:
    return create_model(  # type: ignore[call-overload,no-any-return]
        name, __base__=_Data, **{tag_field: (Literal[tag], ...)}, **fields
    )


def _union(members: list[Any], discriminator: str | Discriminator) -> Any:
    return Annotated[Union[tuple(members)], Field(discriminator=discriminator)]  # noqa: UP007


_EVENT_MODELS = [
    _typed(
        f"{kind}Event",
        "eventType",
        kind,
        eventIntent=(Literal[EVENT_BIT[kind]], ...),
        eventData=(model, ...),
    )
    for kind, model in EVENT_DATA.items()
]
_REQUEST_MODELS = [
    _typed(
        f"{name}Request",
        "requestType",
        name,
        requestId=(str, ...),
        **({"requestData": (spec.data, ...)} if spec.data else {}),
    )
    for name, spec in REQUESTS.items()
]
_RESPONSE_MODELS = [
    _typed(
        f"{name}Response",
        "requestType",
        name,
        requestId=(str, ...),
        requestStatus=(RequestStatus, ...),
        responseData=((spec.response or type(None)) | None, None),
    )
    for name, spec in REQUESTS.items()
]


def _response_tag(d: Any) -> str:
    """Typed response per known requestType; an unknown type is answered generically."""
    kind = d.get("requestType") if isinstance(d, Mapping) else getattr(d, "requestType", None)
    return kind if kind in REQUESTS else "unknown"


_TAGGED_RESPONSES = [Annotated[m, Tag(n)] for n, m in zip(REQUESTS, _RESPONSE_MODELS, strict=True)]
_ANY_RESPONSE = _union(
    [*_TAGGED_RESPONSES, Annotated[RequestResponse, Tag("unknown")]], Discriminator(_response_tag)
)


def _envelope(name: str, op: Op, d: Any) -> type[BaseModel]:
    return _typed(name, "op", int(op), d=(d, ...))


ServerMessage = _union(
    [
        _envelope("HelloMessage", Op.HELLO, Hello),
        _envelope("IdentifiedMessage", Op.IDENTIFIED, Identified),
        _envelope("EventMessage", Op.EVENT, _union(_EVENT_MODELS, "eventType")),
        _envelope(
            "RequestResponseMessage",
            Op.REQUEST_RESPONSE,
            _ANY_RESPONSE,
        ),
    ],
    "op",
)
ClientMessage = _union(
    [
        _envelope("IdentifyMessage", Op.IDENTIFY, Identify),
        _envelope("ReidentifyMessage", Op.REIDENTIFY, Reidentify),
        _envelope("RequestMessage", Op.REQUEST, _union(_REQUEST_MODELS, "requestType")),
    ],
    "op",
)
SERVER_MESSAGES: TypeAdapter[Any] = TypeAdapter(ServerMessage)
CLIENT_MESSAGES: TypeAdapter[Any] = TypeAdapter(ClientMessage)


def parse_server_message(raw: str | bytes | Mapping[str, Any]) -> BaseModel:
    """Validate a message a client received; raises ProtocolError when it breaks the schema."""
    try:
        if isinstance(raw, Mapping):
            return SERVER_MESSAGES.validate_python(raw)  # type: ignore[no-any-return]
        return SERVER_MESSAGES.validate_json(raw)  # type: ignore[no-any-return]
    except ValueError as exc:
        raise ProtocolError(f"message breaks the meetwatch protocol: {_first_error(exc)}") from exc


def json_schema() -> dict[str, Any]:
    client = CLIENT_MESSAGES.json_schema(ref_template="#/$defs/{model}")
    server = SERVER_MESSAGES.json_schema(ref_template="#/$defs/{model}")
    defs = {**client.pop("$defs"), **server.pop("$defs")}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "meetwatch websocket protocol",
        "description": f"rpcVersion {RPC_VERSION}; see docs/protocol.md",
        "rpcVersion": RPC_VERSION,
        "eventSubscriptions": {**EVENT_BIT, "default": DEFAULT_SUBSCRIPTIONS, "all": ALL_EVENTS},
        "oneOf": [
            {"title": "ClientMessage", **client},
            {"title": "ServerMessage", **server},
        ],
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m meetwatch.outputs.feed.protocol")
    parser.add_argument("--schema", action="store_true", help="print the JSON Schema")
    args = parser.parse_args(argv)
    if args.schema:
        print(schema_text(), end="")
    else:
        parser.print_help()


if __name__ == "__main__":
    main()
