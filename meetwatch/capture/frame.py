"""Frame: what every FrameSource yields."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One captured image (BGR uint8, H x W x 3) with its capture time.

    `missing` frames carry no pixels worth analysing (window minimised or off-screen): they
    keep the session's timeline honest instead of silently skipping time.
    """

    image: np.ndarray
    timestamp: float  # seconds, from the runtime clock (wall-clock epoch for live sources)
    index: int
    source: str
    missing: bool = False

    def __post_init__(self) -> None:
        img = self.image
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"Frame needs an H x W x 3 uint8 image, got {img.shape} {img.dtype}")
        if img.shape[0] < 1 or img.shape[1] < 1:
            raise ValueError("Frame image is empty")

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)"""
        return (int(self.image.shape[1]), int(self.image.shape[0]))
