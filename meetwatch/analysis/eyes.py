"""Eye openness as the eye aspect ratio (EAR, Soukupová and Čech 2016) on FaceMesh landmarks.

EAR = (|p2 - p6| + |p3 - p5|) / (2 |p1 - p4|): two lid-to-lid heights over the corner-to-corner
width, so it does not depend on the face's size in the tile. Measured in the image plane.

Recorded per participant (eye openness in the store and reports); whether the eyes are closed
is judged by the attention model (meetwatch.analysis.looks), because FaceMesh fits the lids to
its face prior and often reads a shut eye in one picture as open.
"""

from __future__ import annotations

import numpy as np

# p1..p6 per eye (corner, two upper-lid points, corner, two lower-lid points), image-left eye
# first. p2/p6 and p3/p5 face each other across the eye.
_EYE_POINTS = np.array(
    [
        [33, 160, 158, 133, 153, 144],
        [362, 385, 387, 263, 373, 380],
    ]
)


def eye_aspect_ratio(landmarks: np.ndarray) -> np.ndarray:
    """(N, 478, 3) landmarks -> (N,) float64 mean EAR of both eyes (NaN for a collapsed eye)."""
    if landmarks.ndim != 3 or landmarks.shape[2] != 3 or landmarks.shape[1] <= _EYE_POINTS.max():
        raise ValueError(f"expected (N, 478, 3) landmarks, got {landmarks.shape}")
    p = landmarks[:, _EYE_POINTS, :2].astype(np.float64)  # (N, 2 eyes, 6, 2)

    def dist(i: int, j: int) -> np.ndarray:
        return np.linalg.norm(p[:, :, i - 1] - p[:, :, j - 1], axis=-1)

    width = dist(1, 4)
    with np.errstate(invalid="ignore", divide="ignore"):
        ear = (dist(2, 6) + dist(3, 5)) / (2.0 * width)
    ear[~(width > 0)] = np.nan
    return ear.mean(axis=1)
