"""Recorded inputs: a video file or a single image.

Video timestamps come from the file's own frame times (seconds from its start), not from the
wall clock, so analysing a recording gives the same timeline however fast the CPU is.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from meetwatch.capture.frame import Frame
from meetwatch.capture.source import SourceBase
from meetwatch.errors import CaptureError

# Container frame counts are sometimes estimated from the duration; a shortfall up to this
# many frames is rounding, more means the file ends early.
_FRAME_COUNT_SLACK = 2


def _existing_file(path: Path, kind: str) -> Path:
    if not path.exists():
        raise CaptureError(f"{kind} file not found: {path}")
    if not path.is_file():
        raise CaptureError(f"{kind} path is not a file: {path}")
    return path


class VideoSource(SourceBase):
    """Frames of a video file; `rate` samples that many frames per second of video
    (None: every frame). read() returns None at the end."""

    def __init__(self, path: str | Path, *, rate: float | None = None) -> None:
        super().__init__()
        if rate is not None and rate <= 0:
            raise CaptureError(f"Video sampling rate must be positive, got {rate}")
        self.path = Path(path)
        self.rate = rate
        self._cap: cv2.VideoCapture | None = None
        self.fps = 0.0
        self.frame_count = 0  # as the container declares it; 0 when unknown
        self._decoded = 0
        self._next_due = 0.0
        self._pending: tuple[np.ndarray, float] | None = None

    def describe(self) -> str:
        return f"video:{self.path.name}"

    def read(self) -> Frame | None:
        self._require_open()
        if self._pending is not None:
            image, timestamp = self._pending
            self._pending = None
        else:
            while True:
                decoded = self._decode_next()
                if decoded is None:
                    return None
                image, timestamp = decoded
                if self._due(timestamp):
                    break
        self._advance_due(timestamp)
        return self._frame(image, timestamp)

    def _open(self) -> None:
        _existing_file(self.path, "Video")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise CaptureError(
                f"Cannot open video {self.path}: not a video OpenCV can read "
                "(corrupt, truncated, or an unsupported format/codec)"
            )
        self._cap = cap
        self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.frame_count = max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0))
        self._decoded = 0
        self._next_due = 0.0
        first = self._decode_next()
        if first is None:
            self._close()
            raise CaptureError(f"Video {self.path} has no frame that can be decoded (corrupt?)")
        self._pending = first

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
        self._pending = None

    def _decode_next(self) -> tuple[np.ndarray, float] | None:
        """The next frame and its time, None at a clean end; CaptureError if it ends early."""
        assert self._cap is not None
        if not self._cap.grab():
            expected = self.frame_count
            if self._decoded and expected and self._decoded < expected - _FRAME_COUNT_SLACK:
                raise CaptureError(
                    f"Video {self.path} ends after {self._decoded} of {expected} frames: "
                    "the file is truncated or corrupt"
                )
            return None
        timestamp = self._timestamp()
        ok, image = self._cap.retrieve()
        if not ok or image is None:
            raise CaptureError(f"Video {self.path}: frame {self._decoded} cannot be decoded")
        self._decoded += 1
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        return image, timestamp

    def _timestamp(self) -> float:
        """Seconds of the frame just grabbed. Some backends report 0 for every frame; then
        the nominal frame rate is the best we have."""
        assert self._cap is not None
        position = float(self._cap.get(cv2.CAP_PROP_POS_MSEC)) / 1000.0
        if position <= 0.0 and self._decoded > 0 and self.fps > 0:
            return self._decoded / self.fps
        return position

    def _due(self, timestamp: float) -> bool:
        return self.rate is None or timestamp >= self._next_due - 1e-6

    def _advance_due(self, timestamp: float) -> None:
        """Schedule the next sample on a fixed grid (0, 1/rate, 2/rate, ...) so sampling
        does not drift with the video's frame spacing."""
        if self.rate is None:
            return
        period = 1.0 / self.rate
        while self._next_due <= timestamp + 1e-6:
            self._next_due += period


class ImageSource(SourceBase):
    """One still image as a single frame (timestamp 0); read() returns None afterwards."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._image: np.ndarray | None = None

    def describe(self) -> str:
        return f"image:{self.path.name}"

    def read(self) -> Frame | None:
        self._require_open()
        if self._image is None:
            return None
        image, self._image = self._image, None
        return self._frame(image, 0.0)

    def _open(self) -> None:
        path = _existing_file(self.path, "Image")
        # imdecode(fromfile) rather than imread: imread cannot open non-ASCII paths on Windows
        try:
            data = np.fromfile(path, np.uint8)
        except OSError as e:
            raise CaptureError(f"Cannot read image {path}: {e}") from e
        image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        if image is None:
            raise CaptureError(f"Cannot read image {path}: not an image format OpenCV knows")
        self._image = image

    def _close(self) -> None:
        self._image = None
