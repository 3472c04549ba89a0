"""Tracker: FaceSignals over time -> Participants with stable ids.

A participant is the person in a tile slot (the layout stage keeps slot identity when the
grid reflows); when one tile shows several faces at about the same size they are told apart by
left-to-right order, and faces far smaller than the tile's largest are background people.
Ids are handed out 1, 2, ... in order of first appearance and never reused, so a participant
who turns their camera off or leaves the frame keeps their id and history when they return.

The tracker belongs to the single state thread and takes no locks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from meetwatch.analysis.looks import eyes_closed
from meetwatch.analysis.signals import FaceSignals
from meetwatch.layout.tiles import Tiles
from meetwatch.shared import EMOTIONS
from meetwatch.tracking.attention import AttentionJudge
from meetwatch.tracking.calibration import RestPoseCalibration
from meetwatch.tracking.config import TrackingConfig
from meetwatch.tracking.participants import Participants, ParticipantState
from meetwatch.tracking.smoothing import TimeEma

# In a webcam tile, a face under this share of the height of the tile's largest face is
# someone behind the participant (an office, a family member passing), not a participant; two
# people sharing one camera sit at about the same distance from it. Not applied when the whole
# window is one tile, where faces of every size are different people's webcams.
BACKGROUND_FACE = 0.5

# Layout of the smoothed signal vector: emotion, valence, arousal, yaw/pitch/roll, gaze, EAR.
_E = len(EMOTIONS)
_VALENCE, _AROUSAL, _POSE, _GAZE, _EAR = _E, _E + 1, _E + 2, _E + 5, _E + 7


@dataclass
class _Track:
    participant_id: int
    slot: int
    ema: TimeEma
    calibration: RestPoseCalibration
    judge: AttentionJudge
    last_face_t: float | None = None
    face_present: bool = False


class Tracker:
    def __init__(self, config: TrackingConfig | None = None) -> None:
        self._cfg = config or TrackingConfig()
        self._slots: dict[int, list[_Track]] = {}  # slot -> tracks in left-to-right order
        self._next_id = 1

    def update(self, signals: FaceSignals, tiles: Tiles) -> Participants:
        t = signals.timestamp
        kinds = {tile.slot: tile.kind for tile in tiles.tiles}
        faces_by_slot: dict[int, list[int]] = {}
        for row, slot in enumerate(signals.slots.tolist()):
            if kinds.get(slot) != "camera_off":  # a face there is the avatar picture
                faces_by_slot.setdefault(slot, []).append(row)
        if tiles.layout != "single":  # a tile is one webcam: small faces are its background
            heights = signals.boxes[:, 3]
            for slot, rows in faces_by_slot.items():
                tallest = max(heights[r] for r in rows)
                faces_by_slot[slot] = [r for r in rows if heights[r] >= BACKGROUND_FACE * tallest]
        centres = signals.boxes[:, 0] + signals.boxes[:, 2] / 2
        for rows in faces_by_slot.values():
            rows.sort(key=lambda r: centres[r])

        states: list[ParticipantState] = []
        for tile in tiles.covered:
            for track in self._slots.get(tile.slot, []):
                states.append(self._covered(track, t))
        for slot in sorted(kinds.keys() | faces_by_slot.keys()):
            rows = faces_by_slot.get(slot, [])
            if not rows and slot not in self._slots and tiles.layout == "single":
                continue  # a whole-window fallback tile is a participant only once a face shows
            tracks = self._slots.setdefault(slot, [])
            while len(tracks) < max(1, len(rows)):
                tracks.append(self._new_track(slot, t))
            for index, track in enumerate(tracks):
                if index < len(rows):
                    self._observe(track, signals, rows[index], t)
                elif kinds.get(slot) == "camera_off":
                    self._lose(track, t, "camera_off")
                else:
                    self._missing(track, t)
                states.append(self._state(track))
        states.sort(key=lambda p: p.participant_id)
        return Participants(signals.frame_index, t, tuple(states))

    def _new_track(self, slot: int, t: float) -> _Track:
        cfg = self._cfg
        track = _Track(
            participant_id=self._next_id,
            slot=slot,
            ema=TimeEma(cfg.smoothing_seconds),
            calibration=RestPoseCalibration(
                cfg.calibration_seconds,
                cfg.calibration_max_yaw,
                cfg.calibration_max_pitch,
                cfg.calibration_max_gap,
            ),
            judge=AttentionJudge(cfg, t),
        )
        self._next_id += 1
        return track

    def _observe(self, track: _Track, signals: FaceSignals, row: int, t: float) -> None:
        yaw, pitch, _roll = (float(v) for v in signals.head_pose[row])
        gaze_x, gaze_y = (float(v) for v in signals.gaze[row])
        ear = float(signals.eye_openness[row])
        looks = signals.looks[row]
        raw = np.concatenate(
            [
                signals.emotion[row],
                [signals.valence[row], signals.arousal[row]],
                signals.head_pose[row],
                signals.gaze[row],
                [ear],
            ]
        )
        track.ema.update(t, raw)
        eyes_open = not eyes_closed(looks, self._cfg.eyes_closed_confidence)
        track.calibration.add(t, yaw, pitch, gaze_x, gaze_y, eyes_open)
        track.judge.observe(
            t,
            yaw,
            pitch,
            gaze_x,
            gaze_y,
            looks,
            track.calibration.pose,
        )
        track.last_face_t = t
        track.face_present = True

    def _covered(self, track: _Track, t: float) -> ParticipantState:
        """Another window hides the tile: keep everything as it was, and let the face-lost
        grace start afresh when the tile shows again (the face was there under the cover)."""
        if track.face_present:
            track.last_face_t = t
        return replace(self._state(track), covered=True)

    def _missing(self, track: _Track, t: float) -> None:
        """No face this frame in a video tile: keep the state through a short gap."""
        last = track.last_face_t
        if track.face_present and last is not None and t - last < self._cfg.face_lost_seconds:
            return
        since = last if track.face_present and last is not None else t
        self._lose(track, since, "no_face")

    def _lose(self, track: _Track, since: float, state: Literal["no_face", "camera_off"]) -> None:
        track.judge.absent(since, state)
        track.ema.reset()  # smoothing restarts fresh when the face returns
        track.face_present = False

    def _state(self, track: _Track) -> ParticipantState:
        base = ParticipantState(
            participant_id=track.participant_id,
            slot=track.slot,
            attention=track.judge.state,
            attention_since=track.judge.since,
            face_present=track.face_present,
            calibrated=track.calibration.pose is not None,
        )
        v = track.ema.value
        if not track.face_present or v is None:
            return base
        emotion = v[:_E]
        return replace(
            base,
            emotion=None if np.isnan(emotion).any() else emotion.copy(),
            valence=_measured(v[_VALENCE]),
            arousal=_measured(v[_AROUSAL]),
            yaw=_measured(v[_POSE]),
            pitch=_measured(v[_POSE + 1]),
            roll=_measured(v[_POSE + 2]),
            gaze_x=_measured(v[_GAZE]),
            gaze_y=_measured(v[_GAZE + 1]),
            eye_openness=_measured(v[_EAR]),
        )


def _measured(v: float) -> float | None:
    """NaN means the analysis could not measure it (no emotion model, hidden eye): None."""
    return None if np.isnan(v) else float(v)
