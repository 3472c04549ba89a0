"""What the session store's readers return: plain frozen rows and numpy columns for reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from meetwatch.session.columns import Column, position
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
class EventRow:
    t: float
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Signals:
    """Per-second signals as one float64 matrix whose columns are `columns` (a table of
    meetwatch.session.columns): NULL is NaN, and a TEXT column holds the index of its value
    in the column's categories. One matrix rather than an attribute per signal, so a signal
    added to the registry reaches every reader without a change here."""

    columns: tuple[Column, ...]
    values: np.ndarray  # (N, len(columns)) float64

    def __len__(self) -> int:
        return len(self.values)

    def column(self, name: str) -> np.ndarray:
        return self.values[:, position(self.columns, name)]

    def field(self, field: str) -> np.ndarray:
        """The columns read from one dict field of the engagement model (the emotion mix,
        the attention counts) as an (N, k) matrix in registry order."""
        idx = [i for i, c in enumerate(self.columns) if c.field == field]
        if idx == list(range(idx[0], idx[-1] + 1)):
            return self.values[:, idx[0] : idx[-1] + 1]  # a view
        return self.values[:, idx]

    def text(self, name: str) -> np.ndarray:
        """A TEXT column as its values (dtype object)."""
        categories = np.array(self.columns[position(self.columns, name)].categories, object)
        return categories[self.column(name).astype(np.int64)]


@dataclass(frozen=True)
class RoomTable:
    """All room rows of a session, ordered by t; `signals` over columns.ROOM."""

    t: np.ndarray  # (N,) float64
    signals: Signals

    def __len__(self) -> int:
        return len(self.t)


@dataclass(frozen=True)
class SampleArrays:
    """All participant samples of a session, ordered by (t, participant_id); `signals` over
    columns.PARTICIPANT (emotion in FER-2013 order)."""

    participant_id: np.ndarray  # (N,) int64
    t: np.ndarray  # (N,) float64
    signals: Signals

    def __len__(self) -> int:
        return len(self.t)
