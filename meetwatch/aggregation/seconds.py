"""One room sample per whole second, whatever rate the analysis runs at.

The store, the reports and the 1 Hz `EngagementUpdated` feed all need a regular timeline:
faster analysis is thinned to the first state of each second, slower analysis is filled by
repeating the last state for up to `max_fill_seconds` (a longer gap stays a gap: the data
are missing, not constant).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from meetwatch.aggregation.models import RoomEngagement


class SecondSampler:
    def __init__(self, max_fill_seconds: int = 5) -> None:
        self._max_fill = max_fill_seconds
        self._last_second: int | None = None
        self._last: RoomEngagement | None = None

    def feed(self, room: RoomEngagement) -> list[RoomEngagement]:
        """The samples (stamped at whole seconds) that `room` completes; often none."""
        second = math.floor(room.timestamp)
        out: list[RoomEngagement] = []
        if self._last_second is not None:
            if second <= self._last_second:
                return out
            gap = second - self._last_second - 1
            if self._last is not None and gap <= self._max_fill:
                out += [_at(self._last, s) for s in range(self._last_second + 1, second)]
        out.append(_at(room, second))
        self._last_second, self._last = second, room
        return out


def _at(room: RoomEngagement, second: int) -> RoomEngagement:
    return room.model_copy(update={"timestamp": float(second)})


class RoomHistory:
    """The last `seconds` of room figures at 1 Hz, for sparklines (NaN where unknown)."""

    def __init__(self, seconds: int) -> None:
        self._rows: deque[tuple[float, float, float]] = deque(maxlen=seconds)

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, room: RoomEngagement) -> None:
        nan = float("nan")
        eng = nan if room.engagement is None else room.engagement
        share = nan if room.attention_share is None else room.attention_share
        self._rows.append((room.timestamp, eng, share))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(t, engagement, attention_share) as float64 arrays of equal length."""
        data = np.asarray(self._rows, np.float64).reshape(-1, 3)
        return data[:, 0].copy(), data[:, 1].copy(), data[:, 2].copy()
