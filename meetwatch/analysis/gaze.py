"""Gaze: where the iris sits inside each eye, from FaceMesh's refined iris landmarks.

Convention (image plane, per eye, then averaged over the eyes that can be measured):
  x: -1 at the image-left eye corner, +1 at the image-right one, 0 centred. x > 0 means the
     person looks to their own left, the same side as a positive yaw.
  y: -1 on the lower lid, +1 on the upper lid, 0 centred; y > 0 means looking up, like pitch.
Values are clipped to [-1, 1]. A closed eye has no vertical reading (NaN for that eye); a face
with no measurable eye gives NaN.
"""

from __future__ import annotations

import numpy as np

# Per eye, image-left eye (the person's right) first: corners in image order, lids, iris.
_CORNER_A = np.array([33, 362])  # image-left corner of each eye
_CORNER_B = np.array([133, 263])  # image-right corner
_UPPER_LID = np.array([159, 386])
_LOWER_LID = np.array([145, 374])
_IRIS = np.array([[468, 469, 470, 471, 472], [473, 474, 475, 476, 477]])  # centre + ring
# Below this lid gap (fraction of the eye width) the iris is hidden and y means nothing.
_MIN_LID_GAP = 0.08


def gaze(landmarks: np.ndarray) -> np.ndarray:
    """(N, 478, 3) landmarks -> (N, 2) float64 gaze x, y in [-1, 1] (see module doc)."""
    if landmarks.ndim != 3 or landmarks.shape[1:] != (478, 3):
        raise ValueError(f"expected (N, 478, 3) landmarks with iris points, got {landmarks.shape}")
    pts = landmarks[..., :2].astype(np.float64)
    a, b = pts[:, _CORNER_A], pts[:, _CORNER_B]  # (N, 2 eyes, 2)
    iris = pts[:, _IRIS].mean(axis=2)
    axis = b - a
    width = np.linalg.norm(axis, axis=-1)  # (N, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = axis / width[..., None]
        up = np.stack([u[..., 1], -u[..., 0]], axis=-1)  # perpendicular, pointing up on screen
        x = 2.0 * np.sum((iris - a) * u, axis=-1) / width - 1.0

        def height(p: np.ndarray) -> np.ndarray:
            return np.sum((p - a) * up, axis=-1)

        upper, lower = height(pts[:, _UPPER_LID]), height(pts[:, _LOWER_LID])
        gap = upper - lower
        y = 2.0 * (height(iris) - lower) / gap - 1.0
    x[~(width > 0)] = np.nan
    y[~(gap > _MIN_LID_GAP * width)] = np.nan
    per_eye = np.clip(np.stack([x, y], axis=-1), -1.0, 1.0)  # (N, 2 eyes, 2)
    return _mean_over_eyes(per_eye)


def _mean_over_eyes(values: np.ndarray) -> np.ndarray:
    """nanmean over axis 1 without the all-NaN warning: NaN where neither eye has a value."""
    ok = np.isfinite(values)
    count = ok.sum(axis=1)
    total = np.where(ok, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)
