"""Faces: every face found in one frame, in frame coordinates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NUM_LANDMARKS = 478  # FaceMesh with refined iris landmarks


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
