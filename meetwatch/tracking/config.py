"""Tracking thresholds: smoothing, calibration and attention rules.

Angles are degrees, durations seconds, eye openness is the eye aspect ratio (EAR).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from meetwatch.analysis.eyes import EYES_CLOSED_EAR


class TrackingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    smoothing_seconds: float = Field(
        default=2.5,
        gt=0,
        title="Smoothing time constant",
        description="Time constant of the exponential smoothing of emotion, pose, gaze and eye "
        "openness, in seconds (time-based, so it does not depend on the frame rate).",
    )
    calibration_seconds: float = Field(
        default=60.0,
        gt=0,
        title="Calibration duration",
        description="Attentive time collected per participant before their rest pose (median "
        "yaw, pitch and gaze) becomes their 'looking at the screen' reference.",
    )
    calibration_max_yaw: float = Field(
        default=35.0,
        gt=0,
        title="Calibration yaw limit",
        description="Frames with a raw |yaw| above this many degrees are not used to calibrate.",
    )
    calibration_max_pitch: float = Field(
        default=30.0,
        gt=0,
        title="Calibration pitch limit",
        description="Frames with a raw |pitch| above this many degrees are not used to calibrate.",
    )
    calibration_max_gap: float = Field(
        default=1.0,
        gt=0,
        title="Calibration frame gap",
        description="Longest gap between two attentive frames that still counts as attentive "
        "time; longer gaps (the face was lost) count only this much.",
    )
    yaw_tolerance: float = Field(
        default=20.0,
        gt=0,
        title="Yaw tolerance",
        description="Head turned further than this many degrees left or right of the "
        "participant's calibrated rest pose counts as looking away.",
    )
    pitch_tolerance: float = Field(
        default=15.0,
        gt=0,
        title="Pitch tolerance",
        description="Head tilted further than this many degrees up or down from the "
        "participant's calibrated rest pose counts as looking away.",
    )
    gaze_tolerance: float = Field(
        default=0.6,
        gt=0,
        title="Gaze tolerance",
        description="Iris offset (in units of the eye's half width, 0 = centred) further than "
        "this from the calibrated rest gaze, on either axis, counts as looking away.",
    )
    uncalibrated_tolerance_factor: float = Field(
        default=1.5,
        ge=1,
        title="Tolerance widening before calibration",
        description="Until a participant is calibrated the reference is a straight-ahead pose "
        "(0, 0), which a camera above or beside the screen does not match, so the yaw, pitch "
        "and gaze tolerances are multiplied by this factor.",
    )
    eyes_closed_threshold: float = Field(
        default=EYES_CLOSED_EAR,
        gt=0,
        title="Closed-eye threshold",
        description="Eye aspect ratio below which the eyes count as closed.",
    )
    eyes_closed_seconds: float = Field(
        default=1.0,
        ge=0,
        title="Eyes-closed duration",
        description="Eyes must stay closed this long to count as 'eyes_closed', so blinks "
        "(about 0.1-0.4 s) are ignored.",
    )
    away_seconds: float = Field(
        default=1.0,
        ge=0,
        title="Away duration",
        description="The head or gaze must stay outside the tolerance this long to count as "
        "'away', so a glance at a note is not an absence.",
    )
    return_seconds: float = Field(
        default=0.5,
        ge=0,
        title="Return duration",
        description="Looking back at the screen must last this long to count as 'on_screen' "
        "again, so a noisy pose near the tolerance does not flicker between states.",
    )
    face_lost_seconds: float = Field(
        default=1.0,
        ge=0,
        title="Face-lost grace",
        description="A face missing for less than this keeps its previous state; after it the "
        "participant is 'no_face'. Bridges single missed detections.",
    )
