"""Helpers for tests on a real X server: run Xvfb, show a gallery window, compare pixels."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
import pytest

from meetwatch.capture import ScreenGrabber, WindowInfo, list_windows
from meetwatch.geometry import Rect

SCREEN = (1920, 1080)
T = TypeVar("T")


def wait_for(check: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
    """Poll until `check` returns something truthy (readiness, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


@contextmanager
def running_xvfb(screen: str = f"{SCREEN[0]}x{SCREEN[1]}x24") -> Iterator[str]:
    """Run Xvfb with one screen of the given geometry; yields its DISPLAY name (":N").

    Xvfb picks a free display number itself and writes it to -displayfd once it accepts
    connections, so parallel runs never collide and readiness needs no polling.
    """
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb; see packaging/apt-packages.txt)")
    read_fd, write_fd = os.pipe()
    with tempfile.TemporaryFile() as log:
        command = [binary, "-displayfd", str(write_fd), "-screen", "0", screen]
        command += ["-nolisten", "tcp", "-noreset"]  # no reset: clients may come and go
        proc = subprocess.Popen(
            command,
            pass_fds=(write_fd,),
            stdout=log,
            stderr=log,
        )
        os.close(write_fd)
        try:
            ready, _, _ = select.select([read_fd], [], [], 30)
            number = os.read(read_fd, 64).decode().strip() if ready else ""
            if not number:
                log.seek(0)
                pytest.fail(f"Xvfb did not start: {log.read().decode(errors='replace')[-2000:]}")
            yield f":{number}"
        finally:
            os.close(read_fd)
            proc.terminate()
            proc.wait(10)


@contextmanager
def using_display(display: str) -> Iterator[str]:
    """Point this process (and the children it starts) at `display`, as an X11 session."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DISPLAY", display)
        mp.setenv("XDG_SESSION_TYPE", "x11")
        mp.delenv("WAYLAND_DISPLAY", raising=False)
        yield display


def grab(rect: Rect) -> np.ndarray | None:
    grabber = ScreenGrabber()
    try:
        return grabber.grab(rect)
    finally:
        grabber.close()


def same_pixels(a: np.ndarray | None, b: np.ndarray) -> bool:
    return a is not None and a.shape == b.shape and float(np.abs(a.astype(int) - b).mean()) < 1.0


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.astype(np.float64).ravel(), b.astype(np.float64).ravel())[0, 1])


@dataclass
class Gallery:
    process: subprocess.Popen[bytes]
    window: WindowInfo
    image: np.ndarray


class GalleryLauncher:
    """Opens meetwatch's gallery window in its own process, as a meeting app would be."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._started: list[subprocess.Popen[bytes]] = []

    def show(
        self,
        title: str,
        image: np.ndarray,
        position: tuple[int, int] = (0, 0),
        *,
        then: Sequence[np.ndarray] = (),
        interval_ms: int = 1000,
    ) -> Gallery:
        """Show `image` (followed by `then`, cycling every `interval_ms`) in a window titled
        `title`; returns once `image` is painted on screen."""
        folder = self._folder / f"gallery{len(self._started)}"
        folder.mkdir(parents=True)
        for i, frame in enumerate([image, *then]):
            cv2.imwrite(str(folder / f"frame{i:03d}.png"), frame)
        command = [sys.executable, "-m", "meetwatch.qt.gallery_window", "--title", title]
        command += ["--image-dir", str(folder), "--position", f"{position[0]},{position[1]}"]
        command += ["--interval-ms", str(interval_ms)]
        env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
        log = folder / "stderr.txt"
        with log.open("wb") as err:
            proc = subprocess.Popen(command, env=env, stderr=err)
        self._started.append(proc)
        h, w = image.shape[:2]

        def painted() -> WindowInfo | None:
            if proc.poll() is not None:
                pytest.fail(f"gallery window exited: {log.read_text(errors='replace')[-2000:]}")
            for win in list_windows():
                if win.title == title and win.visible and (win.w, win.h) == (w, h):
                    return win if same_pixels(grab(win.rect), image) else None
            return None

        return Gallery(proc, wait_for(painted, f"window {title!r} painted on screen"), image)

    def close_all(self) -> None:
        for proc in self._started:
            if proc.poll() is None:
                proc.terminate()
            proc.wait(10)
