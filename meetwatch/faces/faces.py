"""Faces: every face found in one frame, in frame coordinates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from meetwatch.geometry import Rect

NUM_LANDMARKS = 478  # FaceMesh with refined iris landmarks
LANDMARK_BOX_TRIM = 0.05


@dataclass(frozen=True)
class Faces:
    """N faces. Arrays are row-aligned; shapes are checked on construction.

    boxes: (N, 4) float32 x, y, w, h in frame pixels
    landmarks: (N, 478, 3) float32 x, y in frame pixels, z in the same pixel scale (FaceMesh z)
    scores: (N,) float32 detector confidence
    slots: (N,) int32 tile slot each face belongs to
    """

    frame_index: int
    timestamp: float
    boxes: np.ndarray
    landmarks: np.ndarray
    scores: np.ndarray
    slots: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.boxes)
        checks = {
            "boxes": (self.boxes, (n, 4)),
            "landmarks": (self.landmarks, (n, NUM_LANDMARKS, 3)),
            "scores": (self.scores, (n,)),
            "slots": (self.slots, (n,)),
        }
        for name, (arr, shape) in checks.items():
            if arr.shape != shape:
                raise ValueError(f"Faces.{name} has shape {arr.shape}, expected {shape}")

    def __len__(self) -> int:
        return len(self.boxes)

    @classmethod
    def empty(cls, frame_index: int, timestamp: float) -> Faces:
        return cls(
            frame_index,
            timestamp,
            np.zeros((0, 4), np.float32),
            np.zeros((0, NUM_LANDMARKS, 3), np.float32),
            np.zeros((0,), np.float32),
            np.zeros((0,), np.int32),
        )

    @classmethod
    def from_mediapipe(
        cls, frame_index: int, timestamp: float, found: Sequence[MediapipeFace]
    ) -> Faces:
        """The one place where mediapipe's relative coordinates become frame pixels.

        Detection boxes are relative to the tile the detector saw and landmarks to the square
        crop FaceMesh saw; both are mapped to frame pixels here so no later stage needs to know
        how the faces were found.
        """
        if not found:
            return cls.empty(frame_index, timestamp)
        boxes = np.empty((len(found), 4), np.float32)
        landmarks = np.empty((len(found), NUM_LANDMARKS, 3), np.float32)
        for i, face in enumerate(found):
            landmarks[i] = _frame_landmarks(face.landmarks, face.mesh_square)
            boxes[i] = (
                _landmark_box(landmarks[i], face.region)
                if face.detection is None
                else _detection_box(face.detection, face.region)
            )
        return cls(
            frame_index,
            timestamp,
            boxes,
            landmarks,
            np.array([f.score for f in found], np.float32),
            np.array([f.slot for f in found], np.int32),
        )


@dataclass(frozen=True)
class MediapipeFace:
    """One face as mediapipe reported it, with the image regions its coordinates refer to.

    detection: a `Detection` from `mp.solutions.face_detection`, relative to `region`; None
        for a face meshed again where it was in the previous frame (its box then comes from
        its landmarks)
    score: the detector's confidence (for a followed face, that of its last detection)
    region: the part of the frame (the tile) the detector saw
    landmarks: (478, 3) float32 FaceMesh points, relative to the square crop FaceMesh saw
        (`mesh_points` reads them out of mediapipe's landmark list once)
    mesh_square: that crop as (x, y, side) in frame pixels (it may reach past the tile edge)
    """

    slot: int
    detection: Any | None
    region: Rect
    landmarks: np.ndarray
    mesh_square: tuple[float, float, float]
    score: float


def _detection_box(detection: Any, region: Rect) -> tuple[float, float, float, float]:
    """Relative detector box -> frame pixels, clipped to the tile it was found in."""
    rel = detection.location_data.relative_bounding_box
    x0 = min(max(region.x + rel.xmin * region.w, region.x), region.x + region.w)
    y0 = min(max(region.y + rel.ymin * region.h, region.y), region.y + region.h)
    x1 = min(max(region.x + (rel.xmin + rel.width) * region.w, x0), region.x + region.w)
    y1 = min(max(region.y + (rel.ymin + rel.height) * region.h, y0), region.y + region.h)
    return (x0, y0, x1 - x0, y1 - y0)


def _landmark_box(points: np.ndarray, region: Rect) -> tuple[float, float, float, float]:
    """The box of a face's landmarks (frame pixels), clipped to its tile.

    FaceMesh's outline reaches from the hairline to the chin, a little beyond the detector's
    box; trimming LANDMARK_BOX_TRIM of it on every side keeps followed and detected boxes alike.
    """
    x0, y0 = points[:, 0].min(), points[:, 1].min()
    x1, y1 = points[:, 0].max(), points[:, 1].max()
    dx, dy = (x1 - x0) * LANDMARK_BOX_TRIM, (y1 - y0) * LANDMARK_BOX_TRIM
    x0, x1 = max(x0 + dx, region.x), min(x1 - dx, region.x + region.w)
    y0, y1 = max(y0 + dy, region.y), min(y1 - dy, region.y + region.h)
    return (float(x0), float(y0), float(max(0.0, x1 - x0)), float(max(0.0, y1 - y0)))


def mesh_points(landmarks: Any) -> np.ndarray:
    """A `NormalizedLandmarkList` from `mp.solutions.face_mesh` -> (478, 3) float32."""
    pts = np.array([(p.x, p.y, p.z) for p in landmarks.landmark], np.float32)
    if pts.shape != (NUM_LANDMARKS, 3):
        raise ValueError(
            f"FaceMesh gave {pts.shape[0]} landmarks, expected {NUM_LANDMARKS} "
            "(refine_landmarks=True is needed for the iris points)"
        )
    return pts


def _frame_landmarks(points: np.ndarray, square: tuple[float, float, float]) -> np.ndarray:
    """Normalised FaceMesh points -> frame pixels; z uses the x scale, as FaceMesh defines it."""
    x, y, side = square
    return points * side + np.array([x, y, 0.0], np.float32)
