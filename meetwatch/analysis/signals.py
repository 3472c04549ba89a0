"""FaceSignals: the per-face measurements of one frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from meetwatch.analysis.looks import LOOKS
from meetwatch.shared import EMOTIONS


@dataclass(frozen=True)
class FaceSignals:
    """N faces, row-aligned with the Faces they came from.

    emotion: (N, 7) probabilities in FER-2013 order
    valence, arousal: (N,) in [-1, 1], derived from the emotion probabilities
    head_pose: (N, 3) yaw, pitch, roll in degrees (yaw > 0: face turned to its left)
    gaze: (N, 2) iris offset inside the eye, x and y in [-1, 1] (0 = centred)
    eye_openness: (N,) mean eye aspect ratio of both eyes
    looks: (N, 3) probabilities that the face looks at the camera, away, or has its eyes
        closed, read from its pixels (meetwatch.analysis.looks)
    slots: (N,) int32 tile slot
    boxes: (N, 4) float32 face boxes in frame pixels (for annotation)
    """

    frame_index: int
    timestamp: float
    emotion: np.ndarray
    valence: np.ndarray
    arousal: np.ndarray
    head_pose: np.ndarray
    gaze: np.ndarray
    eye_openness: np.ndarray
    looks: np.ndarray
    slots: np.ndarray
    boxes: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.slots)
        shapes = {
            "emotion": (n, len(EMOTIONS)),
            "valence": (n,),
            "arousal": (n,),
            "head_pose": (n, 3),
            "gaze": (n, 2),
            "eye_openness": (n,),
            "looks": (n, len(LOOKS)),
            "boxes": (n, 4),
        }
        for name, shape in shapes.items():
            arr = getattr(self, name)
            if arr.shape != shape:
                raise ValueError(f"FaceSignals.{name} has shape {arr.shape}, expected {shape}")

    def __len__(self) -> int:
        return len(self.slots)
