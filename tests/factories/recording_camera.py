"""A pyvirtualcam backend that keeps every frame it is sent, as a meeting app would receive
them, so tests run the real virtual camera without a v4l2loopback device."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyvirtualcam


class RecordingCamera:
    frames: list[np.ndarray] = []  # noqa: RUF012 - filled by the instance pyvirtualcam builds

    def __init__(self, *, width: int, height: int, **kw: Any) -> None:
        self.shape = (height, width, 3)

    def send(self, frame: np.ndarray) -> None:
        RecordingCamera.frames.append(frame.reshape(self.shape).copy())

    def close(self) -> None:
        pass

    def device(self) -> str:
        return "recorder"

    def native_fourcc(self) -> int:
        return 0


@contextmanager
def recording_camera(name: str) -> Iterator[type[RecordingCamera]]:
    """The backend registered under `name` (the camera falls back to it when no real one
    opens), with no frames yet; unregistered afterwards."""
    RecordingCamera.frames = []
    pyvirtualcam.register_backend(name, RecordingCamera)
    try:
        yield RecordingCamera
    finally:
        pyvirtualcam.camera.BACKENDS.pop(name, None)
