"""Pictures passed through a real video encoder and read back, as in a recorded meeting.

OpenCV's writer encodes a few copies of the picture and the last one is read back: a
predicted frame, carrying the blocking, ringing and chroma blur of a real recording.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import cv2
import numpy as np

CODECS = ("mp4v", "avc1")  # MPEG-4 part 2 everywhere; H.264 where the OpenCV build has it
_COPIES = 3


@functools.cache
def available(codec: str) -> bool:
    """Whether this OpenCV build can write `codec` into an .mp4 file."""
    with tempfile.TemporaryDirectory() as tmp:
        writer = cv2.VideoWriter(
            str(Path(tmp) / "probe.mp4"), cv2.VideoWriter.fourcc(*codec), 5.0, (64, 64)
        )
        ok = writer.isOpened()
        writer.release()
    return ok


def through_video(image: np.ndarray, codec: str = "mp4v", fps: float = 5.0) -> np.ndarray:
    """The picture as it comes back out of an .mp4 file written with `codec`."""
    h, w = image.shape[:2]
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "clip.mp4")
        writer = cv2.VideoWriter(path, cv2.VideoWriter.fourcc(*codec), fps, (w, h))
        if not writer.isOpened():
            raise RuntimeError(f"this OpenCV build cannot write {codec} video")
        for _ in range(_COPIES):
            writer.write(image)
        writer.release()
        reader = cv2.VideoCapture(path)
        frame = None
        for _ in range(_COPIES):
            ok, got = reader.read()
            if ok:
                frame = got
        reader.release()
    if frame is None or frame.shape != image.shape:
        raise RuntimeError(f"the {codec} clip could not be read back")
    return frame
