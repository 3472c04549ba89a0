"""Engagement data as persisted and sent over the wire (pydantic, versioned).

These are the contract between the state thread (tracking + aggregation) and every sink:
the session store, the websocket feed, the overlays and the reports.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from meetwatch.shared import SCHEMA_VERSION, AttentionState, FrozenModel


class ParticipantEngagement(FrozenModel):
    participant_id: int = Field(description="Anonymous id, stable for the session (1, 2, ...)")
    label: str = Field(description='Shown name: "Participant N"')
    slot: int = Field(description="Tile slot the participant occupies")
    attention: AttentionState
    engagement: float | None = Field(
        default=None, ge=0, le=1, description="Smoothed engagement, None without a face"
    )
    top_emotion: str | None = None
    emotion: dict[str, float] | None = Field(
        default=None, description="Smoothed probabilities, FER-2013 order"
    )
    valence: float | None = None
    arousal: float | None = None
    yaw: float | None = None
    pitch: float | None = None
    gaze_x: float | None = None
    gaze_y: float | None = None
    eye_openness: float | None = None


class RoomEngagement(FrozenModel):
    schema_version: int = SCHEMA_VERSION
    session_id: str
    timestamp: float = Field(description="Unix time, seconds")
    engagement: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Mean engagement of the participants whose camera is on (a face that left "
        "counts with its falling score)",
    )
    attention_share: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Share of the participants whose camera is on who look at the screen "
        "(no face counts as not looking)",
    )
    emotion_mix: dict[str, float] = Field(
        default_factory=dict, description="Mean emotion probabilities"
    )
    participants_total: int = Field(
        default=0, description="Participants known, including any hidden under another window"
    )
    participants_with_face: int = 0
    participants: list[ParticipantEngagement] = Field(
        default_factory=list, description="Empty in aggregate-only mode"
    )
    attention_counts: dict[str, int] = Field(
        default_factory=dict, description="Participants per attention state (room level)"
    )
    attention_only: bool = Field(
        default=False,
        description="Emotion is not analysed (attention-only mode): no emotion figures, and "
        "engagement comes from attention and presence alone",
    )
    min_faces: int = Field(
        default=0,
        ge=0,
        description="Aggregate-only mode: while fewer faces than this are visible every room "
        "figure is withheld (None/empty); 0 in individual mode",
    )


class Alert(FrozenModel):
    schema_version: int = SCHEMA_VERSION
    session_id: str
    kind: str = Field(description='Rule name, e.g. "low_attention"')
    message: str = Field(description='Plain language, e.g. "attention under 50% for 30 s"')
    timestamp: float
    since: float = Field(description="When the condition started")
    value: float | None = None
    state: Literal["raised", "cleared"] = Field(
        default="raised", description="cleared: the episode that raised it is over (at timestamp)"
    )
    participant_id: int | None = Field(default=None, description="For per-participant rules")
