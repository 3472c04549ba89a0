"""Recorded inputs: a video file or a single image.

Video timestamps come from the file's own frame times (seconds from its start), not from the
wall clock, so analysing a recording gives the same timeline however fast the CPU is; a
file whose frame times make no sense gets times from its frame rate instead.

Sizes are checked before anything is decoded (see image_header.py): images up to
MAX_IMAGE_SIDE pixels a side and MAX_IMAGE_PIXELS in all, videos up to MAX_VIDEO_SIDE and
MAX_VIDEO_PIXELS per frame (the README's "Limits"). An 8K screenshot or recording is well
inside them; a picture that would take gigabytes to decode is refused with one line.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import cv2
import numpy as np

from meetwatch.capture.frame import Frame
from meetwatch.capture.image_header import ImageHeader, image_kind, read_header
from meetwatch.capture.source import SourceBase, Timebase
from meetwatch.errors import CaptureError

MAX_IMAGE_SIDE = 16_384
MAX_IMAGE_PIXELS = 100_000_000  # 300 MB decoded
MAX_IMAGE_BYTES = 512 * 2**20
MAX_VIDEO_SIDE = 8_192
MAX_VIDEO_PIXELS = 8_192 * 4_320  # DCI 8K
# OpenCV's own bound for formats whose header meetwatch does not read; OpenCV reads it at
# its first decode.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_IMAGE_PIXELS))

# Container frame counts are sometimes estimated from the duration; a shortfall up to this
# many frames is rounding, more means the file ends early.
_FRAME_COUNT_SLACK = 2
_HEADER_BYTES = 1 << 20  # a JPEG's size may follow large EXIF and ICC segments
_MAX_FPS = 1000.0  # above this a container's frame rate is garbage
_MAX_STEP = 3600.0  # seconds between two frames beyond which a frame time is garbage


def _existing_file(path: Path, kind: str) -> Path:
    if not path.exists():
        raise CaptureError(f"{kind} file not found: {path}")
    if not path.is_file():
        raise CaptureError(f"{kind} path is not a file: {path}")
    return path


class VideoSource(SourceBase):
    """Frames of a video file; `rate` samples that many frames per second of video
    (None: every frame). read() returns None at the end."""

    timebase: Timebase = "media"

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
        self._last_position: float | None = None
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
        try:
            with self.path.open("rb") as f:
                kind = image_kind(f.read(16))
        except OSError as e:
            raise CaptureError(f"Cannot read video {self.path}: {e.strerror or e}") from e
        if kind is not None:
            raise CaptureError(
                f"{self.path} is a {kind} image, not a video: give it an image name "
                f"(.{kind.lower()}) to analyse it as a picture"
            )
        # FFmpeg only: OpenCV's image-sequence reader would take a name with %d as a pattern
        cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            raise CaptureError(
                f"Cannot open video {self.path}: not a video OpenCV can read "
                "(corrupt, truncated, or an unsupported format/codec)"
            )
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        if max(width, height) > MAX_VIDEO_SIDE or width * height > MAX_VIDEO_PIXELS:
            cap.release()
            raise CaptureError(
                f"Video {self.path} is {width}x{height} pixels: meetwatch analyses videos up "
                f"to {MAX_VIDEO_SIDE} pixels a side ({MAX_VIDEO_PIXELS / 1e6:.0f} megapixels)"
            )
        self._cap = cap
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if math.isfinite(fps) and 0.0 < fps <= _MAX_FPS else 0.0
        self.frame_count = max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0))
        self._decoded = 0
        self._last_position = None
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
        """Seconds of the frame just grabbed. Some backends report 0 for every frame, and
        broken files report times that are not finite, negative, going back or hours
        ahead; then the nominal frame rate is the best we have."""
        assert self._cap is not None
        position = float(self._cap.get(cv2.CAP_PROP_POS_MSEC)) / 1000.0
        last = self._last_position
        plausible = (
            math.isfinite(position)
            and position >= 0.0
            and (last is None or last <= position <= last + _MAX_STEP)
            and not (position == 0.0 and self._decoded > 0)
        )
        if not plausible:
            period = 1.0 / (self.fps or 25.0)
            position = self._decoded * period if last is None else last + period
        self._last_position = position
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

    timebase: Timebase = "media"

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
            size = path.stat().st_size
            if size > MAX_IMAGE_BYTES:
                raise CaptureError(
                    f"Image {path} is {size / 2**20:.0f} MB: meetwatch reads image files up "
                    f"to {MAX_IMAGE_BYTES // 2**20} MB"
                )
            data = np.fromfile(path, np.uint8)
        except OSError as e:
            raise CaptureError(f"Cannot read image {path}: {e}") from e
        header = _checked_header(path, data[:_HEADER_BYTES].tobytes())
        image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        if image is None:
            what = "not an image format OpenCV knows"
            if header is not None:
                what = f"the {header.kind} file is damaged or truncated"
            raise CaptureError(f"Cannot read image {path}: {what}")
        self._image = image

    def _close(self) -> None:
        self._image = None


def _checked_header(path: Path, head: bytes) -> ImageHeader | None:
    """The image's header; refuses one that declares more pixels than meetwatch decodes."""
    header = read_header(head)
    if header is None or header.width is None or header.height is None:
        return header
    width, height = header.width, header.height
    if width == 0 or height == 0:
        raise CaptureError(f"Cannot read image {path}: its header declares {width}x{height} pixels")
    if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise CaptureError(
            f"Image {path} declares {width}x{height} pixels: meetwatch analyses images up to "
            f"{MAX_IMAGE_SIDE} pixels a side and {MAX_IMAGE_PIXELS // 1_000_000} megapixels"
        )
    return header
