"""Engagement weights, smoothing and alert rules (see meetwatch.aggregation.engagement)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LowAttentionRule(_Section):
    enabled: bool = Field(
        default=True,
        title="Enabled",
        description="Raise an alert when the room's attention stays low.",
    )
    threshold: float = Field(
        default=0.5,
        ge=0,
        le=1,
        title="Attention threshold",
        description="Share of the participants with their camera on who look at the screen "
        "(0-1; a participant whose face has gone counts as not looking) below which the room "
        "counts as inattentive.",
    )
    seconds: float = Field(
        default=30.0,
        ge=0,
        title="Duration",
        description="How long attention must stay below the threshold before the alert.",
    )
    clear_seconds: float = Field(
        default=5.0,
        ge=0,
        title="Recovery duration",
        description="How long attention must be back at or above the threshold to end the "
        "episode, so one good frame neither clears an alert nor restarts the count.",
    )


class ParticipantAwayRule(_Section):
    enabled: bool = Field(
        default=False,
        title="Enabled",
        description="Raise an alert when one participant looks away, or leaves the picture "
        "with the camera on, for long. Never raised in aggregate-only privacy mode.",
    )
    seconds: float = Field(
        default=60.0,
        ge=0,
        title="Duration",
        description="How long a participant must be away before the alert.",
    )


class AlertRules(_Section):
    low_attention: LowAttentionRule = Field(
        default_factory=LowAttentionRule,
        title="Low room attention",
        description="Alert when the room's attention share stays under a threshold.",
    )
    participant_away: ParticipantAwayRule = Field(
        default_factory=ParticipantAwayRule,
        title="Participant away",
        description="Alert when one participant stays away from the screen.",
    )


class AggregationConfig(_Section):
    attention_weight: float = Field(
        default=0.6,
        ge=0,
        le=1,
        title="Attention weight",
        description="Share of engagement from attention (on screen 1, eyes closed "
        "eyes_closed_score, away 0). Weights must add up to 1.",
    )
    presence_weight: float = Field(
        default=0.2,
        ge=0,
        le=1,
        title="Presence weight",
        description="Share of engagement from presence: the part of the smoothing window in "
        "which the participant's face was visible.",
    )
    expression_weight: float = Field(
        default=0.2,
        ge=0,
        le=1,
        title="Expressiveness weight",
        description="Share of engagement from expressiveness (non-neutral expression and arousal).",
    )
    eyes_closed_score: float = Field(
        default=0.3,
        ge=0,
        le=1,
        title="Eyes-closed attention score",
        description="Attention credit for eyes closed longer than a blink: the person is "
        "still facing the meeting and may be listening, but may also be dozing.",
    )
    arousal_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        title="Arousal share of expressiveness",
        description="Expressiveness = (1 - share) * (1 - neutral probability) + share * "
        "(arousal + 1) / 2.",
    )
    smoothing_seconds: float = Field(
        default=10.0,
        gt=0,
        title="Engagement window",
        description="Engagement is the mean of the instantaneous score over this many seconds.",
    )
    alerts: AlertRules = Field(
        default_factory=AlertRules, title="Alerts", description="Alert rules."
    )

    @model_validator(mode="after")
    def _weights_add_up(self) -> AggregationConfig:
        total = self.attention_weight + self.presence_weight + self.expression_weight
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"attention_weight + presence_weight + expression_weight must add up to 1 "
                f"(they add up to {total:g})"
            )
        return self
