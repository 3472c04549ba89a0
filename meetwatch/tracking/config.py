"""Tracking thresholds: smoothing, calibration and attention rules.

Angles are degrees, durations seconds, eye openness is the eye aspect ratio (EAR).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


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
        "yaw, pitch and gaze) becomes their 'looking at the screen' reference. Until then "
        "the attention model's reading of the face decides whether they look at the camera.",
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
        title="Sideways tolerance",
        description="Looking further than this many degrees left or right of the "
        "participant's calibrated rest pose counts as looking away. The direction is the "
        "head's yaw plus the eyes' turn (gaze_degrees_x), so eyes turned aside in a frontal "
        "head count, and a turned head whose eyes still hold the screen does not.",
    )
    pitch_tolerance: float = Field(
        default=15.0,
        gt=0,
        title="Up/down tolerance",
        description="Looking further than this many degrees up or down from the "
        "participant's calibrated rest pose (head pitch plus the eyes' turn, "
        "gaze_degrees_y) counts as looking away: down at a phone or notes, or up.",
    )
    gaze_degrees_x: float = Field(
        default=40.0,
        ge=0,
        title="Sideways eye turn",
        description="Degrees of sideways eye rotation per unit of iris offset (1 = the iris "
        "at the eye corner; the eye turns about 40 degrees there).",
    )
    gaze_degrees_y: float = Field(
        default=10.0,
        ge=0,
        title="Vertical eye turn",
        description="Degrees of vertical eye rotation per unit of iris offset between the "
        "lids. Small, because the lids follow the eye: looking down lowers the upper lid "
        "onto the iris, which then reads as looking up.",
    )
    eyes_closed_confidence: float = Field(
        default=0.5,
        gt=0,
        lt=1,
        title="Closed-eye confidence",
        description="The eyes count as closed when the attention model gives at least this "
        "probability that they are (it reads the eyelids from the face's pixels).",
    )
    eyes_closed_seconds: float = Field(
        default=1.0,
        ge=0,
        title="Eyes-closed duration",
        description="Eyes must stay closed this long to count as 'eyes_closed', so blinks "
        "(about 0.1-0.4 s) are ignored. A single image is judged at once.",
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

    def for_still_image(self) -> TrackingConfig:
        """The same rules for a single image: one frame is all the evidence there is, so
        closed eyes and a look away are reported from it instead of waiting seconds for
        more (which would call every still image 'on_screen')."""
        return self.model_copy(
            update={"eyes_closed_seconds": 0.0, "away_seconds": 0.0, "return_seconds": 0.0}
        )
