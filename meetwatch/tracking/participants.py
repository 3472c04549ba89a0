"""Participants: the tracking stage's output, one state per person per analysed frame."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from meetwatch.shared import EMOTIONS, AttentionState


@dataclass(frozen=True)
class ParticipantState:
    """One participant at one instant. Signal fields are smoothed; None without a face or
    when the analysis could not measure them (emotion is None with emotion analysis off).

    face_present stays True through a short detection gap (TrackingConfig.face_lost_seconds)
    so one missed frame does not flip the room's figures.
    covered: another window hides the participant's tile; nothing is known about them, so
    they keep their id and state but get no figures until it is uncovered.
    attention_since is when the current attention state began (backdated to the first frame
    of the episode, not to the moment the debounce confirmed it).
    """

    participant_id: int
    slot: int
    attention: AttentionState
    attention_since: float
    face_present: bool
    calibrated: bool
    covered: bool = False
    emotion: np.ndarray | None = None  # (7,) FER-2013 order
    valence: float | None = None
    arousal: float | None = None
    yaw: float | None = None
    pitch: float | None = None
    roll: float | None = None
    gaze_x: float | None = None
    gaze_y: float | None = None
    eye_openness: float | None = None

    def __post_init__(self) -> None:
        if self.emotion is not None and self.emotion.shape != (len(EMOTIONS),):
            raise ValueError(f"ParticipantState.emotion has shape {self.emotion.shape}")

    @property
    def label(self) -> str:
        return f"Participant {self.participant_id}"


@dataclass(frozen=True)
class Participants:
    frame_index: int
    timestamp: float
    participants: tuple[ParticipantState, ...]

    def __len__(self) -> int:
        return len(self.participants)

    def __iter__(self) -> Iterator[ParticipantState]:
        return iter(self.participants)

    def get(self, participant_id: int) -> ParticipantState | None:
        return next((p for p in self.participants if p.participant_id == participant_id), None)
