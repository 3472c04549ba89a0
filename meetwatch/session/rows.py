"""What the session store's readers return: plain frozen rows and numpy columns for reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from meetwatch.shared import SessionInfo


@dataclass(frozen=True)
class SessionRecord:
    info: SessionInfo
    app_version: str
    config_json: str

    @property
    def session_id(self) -> str:
        return self.info.session_id


@dataclass(frozen=True)
class ParticipantRow:
    participant_id: int
    slot: int
    label: str
    first_seen: float
    last_seen: float


@dataclass(frozen=True)
class RoomSampleRow:
    """The room at one whole second. attention_counts is None in rows from schema 1."""

    t: float
    engagement: float | None
    attention_share: float | None
    participants_total: int
    participants_with_face: int
    emotion_mix: dict[str, float]
    attention_counts: dict[str, int] | None


@dataclass(frozen=True)
class EventRow:
    t: float
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class SampleArrays:
    """All participant samples of a session as columns, ordered by (t, participant_id).

    Missing values are NaN. emotion is (N, 7) in FER-2013 order; attention holds the
    state names (dtype object).
    """

    participant_id: np.ndarray  # (N,) int64
    t: np.ndarray  # (N,) float64
    attention: np.ndarray  # (N,) object
    engagement: np.ndarray  # (N,) float64
    emotion: np.ndarray  # (N, 7) float64
    valence: np.ndarray
    arousal: np.ndarray
    yaw: np.ndarray
    pitch: np.ndarray
    gaze_x: np.ndarray
    gaze_y: np.ndarray
    eye_openness: np.ndarray

    def __len__(self) -> int:
        return len(self.t)
