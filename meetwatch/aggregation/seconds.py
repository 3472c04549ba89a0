"""One room sample per whole second, whatever rate the analysis runs at.

The store, the reports and the 1 Hz `EngagementUpdated` feed all need a regular timeline:
faster analysis is thinned to the first state of each second, slower analysis is filled by
repeating the last state for up to `max_fill_seconds` (a longer gap stays a gap: the data
are missing, not constant).
"""

from __future__ import annotations

import math

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
