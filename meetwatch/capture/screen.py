"""Screen and region capture with mss (BGRA -> BGR)."""

from __future__ import annotations

import os
import threading

import cv2
import mss
import numpy as np
from mss.exception import ScreenShotError

from meetwatch.capture.display import ensure_screen_access
from meetwatch.capture.frame import Frame
from meetwatch.capture.source import SourceBase
from meetwatch.errors import CaptureError
from meetwatch.geometry import Rect
from meetwatch.runtime.clock import Clock, SystemClock


class ScreenGrabber:
    """Grabs screen rectangles as BGR arrays.

    An mss instance holds a display connection that must not be shared between threads, so
    each thread that grabs gets its own (a source may be opened on one thread and read on
    the capture thread); close() releases all of them.
    """

    def __init__(self) -> None:
        ensure_screen_access()
        self._local = threading.local()
        self._instances: list[mss.MSS] = []
        self._lock = threading.Lock()

    def monitors(self) -> list[Rect]:
        """Index 0 is the whole virtual screen, 1..N the monitors (mss's numbering)."""
        try:
            found = self._mss().monitors
        except ScreenShotError as e:
            raise CaptureError(f"Cannot list monitors: {e}") from e
        return [Rect(m["left"], m["top"], m["width"], m["height"]) for m in found]

    def grab(self, rect: Rect) -> np.ndarray | None:
        """BGR pixels of `rect`; parts off the screen are black, None if none of it is on it.

        Grabbing outside the root window is an X error, so only the on-screen part is asked
        for and placed into a canvas of the requested size (tile positions stay put when a
        window hangs over the screen's edge).
        """
        screen = self.monitors()[0]
        left, top = max(rect.x, screen.x), max(rect.y, screen.y)
        right = min(rect.x + rect.w, screen.x + screen.w)
        bottom = min(rect.y + rect.h, screen.y + screen.h)
        if right <= left or bottom <= top:
            return None
        box = {"left": left, "top": top, "width": right - left, "height": bottom - top}
        try:
            shot = self._mss().grab(box)
        except ScreenShotError as e:
            raise CaptureError(f"Screen grab of {rect.as_tuple()} failed: {e}") from e
        bgr = cv2.cvtColor(np.asarray(shot), cv2.COLOR_BGRA2BGR)
        if bgr.shape[:2] == (rect.h, rect.w):
            return bgr
        canvas = np.zeros((rect.h, rect.w, 3), np.uint8)
        canvas[top - rect.y : bottom - rect.y, left - rect.x : right - rect.x] = bgr
        return canvas

    def close(self) -> None:
        with self._lock:
            for instance in self._instances:
                instance.close()
            self._instances.clear()
            self._local = threading.local()

    def _mss(self) -> mss.MSS:
        instance: mss.MSS | None = getattr(self._local, "mss", None)
        if instance is None:
            try:
                instance = mss.MSS()
            except ScreenShotError as e:
                display = os.environ.get("DISPLAY")
                where = f" (display {display!r})" if display else ""
                raise CaptureError(f"Cannot open the screen for capture{where}: {e}") from e
            self._local.mss = instance
            with self._lock:
                self._instances.append(instance)
        return instance


class _GrabbingSource(SourceBase):
    """A live source that grabs one fixed screen rectangle per read."""

    def __init__(self, clock: Clock | None) -> None:
        super().__init__()
        self._clock = clock or SystemClock()
        self._grabber: ScreenGrabber | None = None
        self._rect = Rect(0, 0, 1, 1)

    def read(self) -> Frame:
        self._require_open()
        assert self._grabber is not None
        image = self._grabber.grab(self._rect)
        if image is None:  # the screen shrank under us (monitor unplugged)
            return self._frame(np.zeros((1, 1, 3), np.uint8), self._clock.now(), missing=True)
        return self._screen_frame(image, self._clock.now())

    def _open(self) -> None:
        self._grabber = ScreenGrabber()
        try:
            self._rect = self._resolve(self._grabber.monitors())
        except CaptureError:
            self._grabber.close()
            raise

    def _close(self) -> None:
        assert self._grabber is not None
        self._grabber.close()
        self._grabber = None

    def _resolve(self, monitors: list[Rect]) -> Rect:
        raise NotImplementedError


def _describe_monitors(monitors: list[Rect]) -> str:
    return "; ".join(f"{i}: {m.w}x{m.h} at {m.x},{m.y}" for i, m in enumerate(monitors))


class ScreenSource(_GrabbingSource):
    """A whole monitor; index 0 is all monitors together, 1 the first one (mss numbering)."""

    def __init__(self, monitor_index: int = 1, *, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.monitor_index = monitor_index

    def describe(self) -> str:
        return f"screen:{self.monitor_index}"

    def _resolve(self, monitors: list[Rect]) -> Rect:
        if not 0 <= self.monitor_index < len(monitors):
            raise CaptureError(
                f"No monitor {self.monitor_index}; available (0 = all together): "
                f"{_describe_monitors(monitors)}"
            )
        return monitors[self.monitor_index]


class RegionSource(_GrabbingSource):
    """A fixed rectangle in absolute screen coordinates; it must lie on the screen."""

    def __init__(self, x: int, y: int, w: int, h: int, *, clock: Clock | None = None) -> None:
        super().__init__(clock)
        if w < 1 or h < 1:
            raise CaptureError(f"Capture region must be at least 1x1 pixels, got {w}x{h}")
        self.region = Rect(x, y, w, h)

    def describe(self) -> str:
        r = self.region
        return f"region:{r.x},{r.y},{r.w}x{r.h}"

    def _resolve(self, monitors: list[Rect]) -> Rect:
        screen, r = monitors[0], self.region
        if r.intersection(screen) != r.area:
            raise CaptureError(
                f"Capture region {r.w}x{r.h} at {r.x},{r.y} is not inside the screen "
                f"({screen.w}x{screen.h} at {screen.x},{screen.y})"
            )
        return r
