"""Pictures passed through a real video encoder and read back, as in a recorded meeting.

A few copies of the picture are encoded and the last one is read back through OpenCV's
FFmpeg reader, as the product reads a recording: a predicted frame, carrying the blocking,
ringing and chroma blur of a real recording.

mp4v (MPEG-4 part 2) is written by OpenCV's own writer. H.264 is what meeting clients
record, but OpenCV's pip wheel cannot encode it, so it is written by the `ffmpeg` program
with libx264 (Debian's `ffmpeg` package) with the settings of an ordinary recording: 4:2:0
chroma (yuv420p, what every player and meeting recorder writes), x264's default preset
(medium) at 25 frames/s, and either x264's default constant rate factor (23: quality held
constant whatever the resolution, so 360p, 720p and 1080p are compared fairly) or, for a
recording like Zoom's, a fixed bitrate (`bitrate_kbps`).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest

CODECS = ("mp4v", "h264")
_COPIES = 3
_MP4V_FPS = 5.0
_H264_FPS = 25
_H264_CRF = 23  # x264's default rate factor


@functools.cache
def missing(codec: str) -> str | None:
    """Why `codec` cannot be written into an .mp4 file here, or None when it can."""
    if codec == "h264":
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            return "no ffmpeg to encode H.264 (Debian: apt install ffmpeg)"
        encoders = subprocess.run(
            [ffmpeg, "-hide_banner", "-encoders"], capture_output=True, text=True, check=False
        ).stdout
        return None if " libx264 " in encoders else "ffmpeg has no libx264 H.264 encoder"
    with tempfile.TemporaryDirectory() as tmp:
        writer = cv2.VideoWriter(
            str(Path(tmp) / "probe.mp4"), cv2.VideoWriter.fourcc(*codec), _MP4V_FPS, (64, 64)
        )
        ok = writer.isOpened()
        writer.release()
    return None if ok else f"OpenCV cannot write {codec}"


def needs(codec: str) -> pytest.MarkDecorator:
    """A mark that skips a test, saying why, where `codec` cannot be written here."""
    reason = missing(codec)
    return pytest.mark.skipif(reason is not None, reason=str(reason))


def through_video(
    image: np.ndarray, codec: str = "mp4v", bitrate_kbps: int | None = None
) -> np.ndarray:
    """The picture as it comes back out of an .mp4 file written with `codec` ("mp4v" or
    "h264"); `bitrate_kbps` (H.264 only) replaces the constant rate factor."""
    reason = missing(codec)
    if reason is not None:
        raise RuntimeError(reason)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        if codec == "h264":
            _write_h264(image, path, bitrate_kbps)
        else:
            _write_opencv(image, path, codec)
        reader = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        frame = None
        for _ in range(_COPIES):
            ok, got = reader.read()
            if ok:
                frame = got
        reader.release()
    h, w = image.shape[:2]
    frame = None if frame is None else frame[:h, :w]  # the H.264 writer pads odd sides
    if frame is None or frame.shape != image.shape:
        raise RuntimeError(f"the {codec} clip could not be read back")
    return np.ascontiguousarray(frame)


def _write_opencv(image: np.ndarray, path: Path, codec: str) -> None:
    h, w = image.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*codec), _MP4V_FPS, (w, h))
    for _ in range(_COPIES):
        writer.write(image)
    writer.release()


def _write_h264(image: np.ndarray, path: Path, bitrate_kbps: int | None) -> None:
    h, w = image.shape[:2]
    rate = ["-crf", str(_H264_CRF)] if bitrate_kbps is None else ["-b:v", f"{bitrate_kbps}k"]
    command = [
        *("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin"),
        *("-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}", "-r", str(_H264_FPS)),
        *("-i", "pipe:0", "-c:v", "libx264", "-preset", "medium", *rate),
        *("-pix_fmt", "yuv420p", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"),  # 4:2:0 needs even
        *("-y", str(path)),
    ]
    frames = np.ascontiguousarray(np.broadcast_to(image, (_COPIES, *image.shape)))
    done = subprocess.run(command, input=frames.tobytes(), capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg could not encode H.264: {done.stderr.decode().strip()}")
