"""Attention state of one participant from the attention model's reading of their face and
from their head pose and gaze.

Closed eyes are what the attention model reads from the face's pixels (meetwatch.analysis.
looks), always. Where the person looks is judged two ways. Until their rest pose is
calibrated nothing says where their screen is, so the model's reading of the face decides
(looking at the camera counts as on screen, as it must for a still image). Once calibrated,
head pose plus gaze against that rest pose decides, which also serves a camera beside the
screen, where looking at the screen is looking away from the camera.

Each state needs evidence for a while before it is committed (see TrackingConfig), and the
committed state is backdated to when the evidence began, so an away interval reports the
moment the head turned, not the moment the debounce was satisfied. Frames with briefly
closed eyes (blinks) carry no evidence either way: they neither start nor break an episode.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from meetwatch.analysis.looks import eyes_closed, looks_away
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
        looks: np.ndarray,
        rest: RestPose | None,
    ) -> None:
        """One frame's readings; `rest` is the participant's calibrated rest pose (None until
        calibrated)."""
        cfg = self._cfg
        appearing = self.state in ("no_face", "camera_off")
        if eyes_closed(looks, cfg.eyes_closed_confidence):
            if self._closed_since is None:
                self._closed_since = t
            if t - self._closed_since >= cfg.eyes_closed_seconds:
                self._commit("eyes_closed", self._closed_since)
                return
            if not appearing:
                return
        else:
            self._closed_since = None
        if rest is None:
            off = bool(looks_away(looks))
        elif math.isfinite(yaw) and math.isfinite(pitch):
            # Where the person looks is where the head points plus where the eyes turn in it.
            # An eye that cannot be measured (NaN) adds no turn: the head alone decides.
            sideways = (yaw - rest.yaw) + cfg.gaze_degrees_x * _turn(gaze_x, rest.gaze_x)
            vertical = (pitch - rest.pitch) + cfg.gaze_degrees_y * _turn(gaze_y, rest.gaze_y)
            off = abs(sideways) > cfg.yaw_tolerance or abs(vertical) > cfg.pitch_tolerance
        else:  # pose not measurable
            if appearing:
                self._commit("on_screen", t)
            return
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
