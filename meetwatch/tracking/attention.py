"""Attention state of one participant from their raw pose, gaze and eye openness.

Each state needs evidence for a while before it is committed (see TrackingConfig), and the
committed state is backdated to when the evidence began, so an away interval reports the
moment the head turned, not the moment the debounce was satisfied. Frames with briefly
closed eyes (blinks) carry no evidence either way: they neither start nor break an episode.
"""

from __future__ import annotations

import math
from typing import Literal

from meetwatch.shared import AttentionState
from meetwatch.tracking.calibration import RestPose
from meetwatch.tracking.config import TrackingConfig


class AttentionJudge:
    def __init__(self, config: TrackingConfig, start: float) -> None:
        self._cfg = config
        self.state: AttentionState = "no_face"
        self.since = start
        self._pending: AttentionState | None = None
        self._pending_since = 0.0
        self._closed_since: float | None = None

    def absent(self, t: float, state: Literal["no_face", "camera_off"]) -> None:
        """No face to judge: 'no_face' or 'camera_off', effective from `t`."""
        if self.state != state:
            self.state, self.since = state, t
        self._pending = None
        self._closed_since = None

    def observe(
        self,
        t: float,
        yaw: float,
        pitch: float,
        gaze_x: float,
        gaze_y: float,
        ear: float,
        reference: RestPose,
        calibrated: bool,
    ) -> None:
        cfg = self._cfg
        appearing = self.state in ("no_face", "camera_off")
        if not (math.isfinite(yaw) and math.isfinite(pitch)):  # pose not measurable
            if appearing:
                self._commit("on_screen", t)
            return
        if ear < cfg.eyes_closed_threshold:  # False for NaN: an unmeasurable eye counts as open
            if self._closed_since is None:
                self._closed_since = t
            if t - self._closed_since >= cfg.eyes_closed_seconds:
                self._commit("eyes_closed", self._closed_since)
                return
            if not appearing:
                return
        else:
            self._closed_since = None
        widen = 1.0 if calibrated else cfg.uncalibrated_tolerance_factor
        # Where the person looks is where the head points plus where the eyes turn in it.
        # An eye that cannot be measured (NaN) adds no turn: the head alone decides.
        sideways = (yaw - reference.yaw) + cfg.gaze_degrees_x * _turn(gaze_x, reference.gaze_x)
        vertical = (pitch - reference.pitch) + cfg.gaze_degrees_y * _turn(gaze_y, reference.gaze_y)
        off = (
            abs(sideways) > cfg.yaw_tolerance * widen or abs(vertical) > cfg.pitch_tolerance * widen
        )
        candidate: AttentionState = "away" if off else "on_screen"
        if appearing:
            self._commit(candidate, t)  # a face appearing is a fact, not noise to debounce
            return
        if candidate == self.state:
            self._pending = None
            return
        if candidate != self._pending:
            self._pending, self._pending_since = candidate, t
        hold = cfg.away_seconds if candidate == "away" else cfg.return_seconds
        if t - self._pending_since >= hold:
            self._commit(candidate, self._pending_since)

    def _commit(self, state: AttentionState, since: float) -> None:
        if state != self.state:
            self.state, self.since = state, since
        self._pending = None


def _turn(offset: float, rest: float) -> float:
    """The eye's offset from its rest position; 0 when it cannot be measured."""
    return offset - rest if math.isfinite(offset) else 0.0
