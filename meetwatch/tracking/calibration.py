"""Per-participant rest pose: where this person's head and eyes point when they look at the
screen.

A camera sits above or beside the screen, so a person reading the meeting looks at it with
e.g. -15° pitch; judging attention against (0, 0) would call them away all meeting. The median
over their first attentive minute is robust to the glances away that minute contains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RestPose:
    yaw: float
    pitch: float
    gaze_x: float
    gaze_y: float


class RestPoseCalibration:
    def __init__(self, seconds: float, max_yaw: float, max_pitch: float, max_gap: float) -> None:
        self._seconds = seconds
        self._max_yaw = max_yaw
        self._max_pitch = max_pitch
        self._max_gap = max_gap
        self._samples: list[tuple[float, float, float, float]] = []
        self._attentive_time = 0.0
        self._last_t: float | None = None
        self._pose: RestPose | None = None

    @property
    def pose(self) -> RestPose | None:
        """The calibrated rest pose; None until calibration completes."""
        return self._pose

    def add(
        self, t: float, yaw: float, pitch: float, gaze_x: float, gaze_y: float, eyes_open: bool
    ) -> None:
        """Feed one raw (unsmoothed) frame; frames that are not attentive are skipped."""
        if self._pose is not None:
            return
        # NaN (not measurable) fails every comparison below, so such frames are skipped
        if not (eyes_open and abs(yaw) < self._max_yaw and abs(pitch) < self._max_pitch):
            return
        if self._last_t is not None:
            self._attentive_time += min(max(0.0, t - self._last_t), self._max_gap)
        self._last_t = t
        self._samples.append((yaw, pitch, gaze_x, gaze_y))
        if self._attentive_time >= self._seconds:
            samples = np.asarray(self._samples)
            # gaze may be unmeasurable (NaN) in every frame: then it stays centred
            median = [
                float(np.median(c[~np.isnan(c)])) if (~np.isnan(c)).any() else 0.0
                for c in samples.T
            ]
            self._pose = RestPose(*median)
            self._samples.clear()
