"""Raw frames out of a GStreamer pipeline run as `gst-launch-1.0`, newest frame kept.

PipeWire streams are read with GStreamer's pipewiresrc. Running it as a child process needs
no Python GStreamer bindings (PyGObject does not install from wheels) and keeps a crashing
pipeline out of meetwatch's process. The pipeline converts and scales to fixed-size BGR at a
fixed rate, so each frame on the pipe is exactly width x height x 3 bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence

import numpy as np

from meetwatch.errors import CaptureError

GST_LAUNCH = "gst-launch-1.0"
INSTALL_HINT = (
    "install GStreamer's command-line tools and its PipeWire plugin "
    "(Debian/Ubuntu: sudo apt install gstreamer1.0-tools gstreamer1.0-pipewire)"
)


class GstFrames:
    """`source` is the pipeline's first element(s), e.g. ["pipewiresrc", "fd=5", "path=42"]."""

    def __init__(
        self,
        source: Sequence[str],
        size: tuple[int, int],
        rate_hz: int = 2,
        pass_fds: Sequence[int] = (),
    ) -> None:
        binary = shutil.which(GST_LAUNCH)
        if binary is None:
            raise CaptureError(f"Capture on Wayland needs {GST_LAUNCH}: {INSTALL_HINT}")
        self.size = size
        w, h = size
        caps = f"video/x-raw,format=BGR,width={w},height={h},framerate={rate_hz}/1"
        command = [binary, "-q", *source, "!", "videoconvert", "!", "videoscale", "!"]
        command += ["videorate", "!", caps, "!", "fdsink", "fd=1", "sync=false"]
        self._frame_bytes = w * h * 3
        self._latest: np.ndarray | None = None
        self._latest_at = 0.0  # time.monotonic() when it arrived
        self._lock = threading.Lock()
        self._arrived = threading.Event()
        # a file, not a pipe: an unread pipe could fill up and stall GStreamer
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self._proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._errors, pass_fds=tuple(pass_fds)
        )
        self._reader = threading.Thread(target=self._read, name="meetwatch-gst", daemon=True)
        self._reader.start()

    def latest(self, timeout: float = 0.0) -> np.ndarray | None:
        """The newest frame (waiting up to `timeout` for the first); None if none came."""
        self._arrived.wait(timeout)
        with self._lock:
            return self._latest

    def seconds_since_frame(self) -> float | None:
        """How long ago the newest frame arrived; None before the first."""
        with self._lock:
            return None if self._latest is None else time.monotonic() - self._latest_at

    def failure(self) -> str | None:
        """Why the pipeline ended, once it has."""
        if self._proc.poll() is None:
            return None
        self._errors.seek(0)
        detail = " ".join(self._errors.read().decode(errors="replace").split())[-400:]
        return f"the GStreamer pipeline ended (exit code {self._proc.returncode}): {detail}"

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        self._reader.join(5)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._errors.close()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        w, h = self.size
        while True:
            data = self._proc.stdout.read(self._frame_bytes)
            if len(data) < self._frame_bytes:
                return
            frame = np.frombuffer(data, np.uint8).reshape(h, w, 3)
            with self._lock:
                self._latest, self._latest_at = frame, time.monotonic()
            self._arrived.set()
