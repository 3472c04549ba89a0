"""The words every stage shares, below all of them: attention states, privacy modes, the
emotion class list, session info, stage status and the event kinds.

A stage may import this module and never a later stage, so these live here rather than in
the stage that happens to produce them (tracking names attention states before aggregation
exists; the runtime reports stage status below every stage). It imports no stage.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

AttentionState = Literal["on_screen", "away", "eyes_closed", "no_face", "camera_off"]
ATTENTION_STATES: tuple[AttentionState, ...] = (
    "on_screen",
    "away",
    "eyes_closed",
    "no_face",
    "camera_off",
)
# Camera on but not looking: turned away, or gone from the picture altogether.
NOT_ATTENDING: frozenset[AttentionState] = frozenset({"away", "no_face"})
PrivacyMode = Literal["individual", "aggregate_only"]

# FER-2013 class order: the emotion model's output order and every emotion column downstream.
EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

EventKind = Literal[
    "SessionStarted",  # payload: SessionInfo
    "SessionEnded",  # payload: SessionInfo (ended_at set)
    "ParticipantsChanged",  # payload: list[ParticipantEngagement]
    "EngagementUpdated",  # payload: RoomEngagement, about 1 Hz
    "FaceSignals",  # payload: FaceSignals (per analysed frame; numpy, not for the wire as-is)
    "AlertRaised",  # payload: Alert
    "StageStatusChanged",  # payload: StageStatus
    "SectionMarked",  # payload: dict {"title": str}
    # payload: dict {"start": float, "end": float, "participants"?: [int]}: the window (or, with
    # participants, their tiles under another window) was not visible
    "FramesMissing",
]


class FrozenModel(BaseModel):
    """Persisted and wire data: unknown fields refused, values never changed in place."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SessionInfo(FrozenModel):
    schema_version: int = SCHEMA_VERSION
    session_id: str
    started_at: float
    ended_at: float | None = None
    source: str
    analysis_rate: float
    privacy_mode: PrivacyMode = "individual"
    attention_only: bool = Field(
        default=False, description="Emotion was not analysed in this session (attention-only)"
    )


class StageStatus(FrozenModel):
    stage: str = Field(description='"capture", "layout", "faces", "analysis", "state", ...')
    state: Literal["starting", "running", "degraded", "stopped", "error"]
    message: str = ""
    fps: float | None = None
    latency_ms: float | None = None
    dropped: int = 0
