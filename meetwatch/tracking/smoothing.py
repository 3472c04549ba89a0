"""Time-based exponential smoothing.

The weight of a new sample depends on the time since the previous one, not on a frame count,
so the smoothing means the same seconds whether analysis runs at 3 or 30 frames per second.
"""

from __future__ import annotations

import math

import numpy as np


class TimeEma:
    def __init__(self, time_constant: float) -> None:
        if time_constant <= 0:
            raise ValueError(f"smoothing time constant must be positive, got {time_constant}")
        self._tau = time_constant
        self._value: np.ndarray | None = None
        self._t = 0.0

    @property
    def value(self) -> np.ndarray | None:
        return self._value

    def reset(self) -> None:
        self._value = None

    def update(self, t: float, sample: np.ndarray) -> np.ndarray:
        """Blend in `sample`; NaN components (not measured this frame) keep their old value and
        a component seen for the first time starts at its sample."""
        sample = np.asarray(sample, np.float64)
        if self._value is None:
            self._value = sample.copy()
        else:
            dt = max(0.0, t - self._t)
            alpha = 1.0 - math.exp(-dt / self._tau)
            prev = self._value
            blended = np.where(np.isnan(prev), sample, prev + alpha * (sample - prev))
            self._value = np.where(np.isnan(sample), prev, blended)
        self._t = max(t, self._t)
        return self._value
