"""The demo meeting: a gallery of real faces that changes over time.

Faces come from images shipped inside installed packages (scikit-image's astronaut,
matplotlib's Grace Hopper), so `meetwatch demo` works on a fresh machine with no data and
no download. The script repeats every `period` seconds: one participant steps away from
their camera for a while, one has the camera off throughout, and the others' faces vary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from meetwatch.capture.frame import Frame
from meetwatch.capture.source import SourceBase
from meetwatch.demo.gallery import Gallery, render_gallery
from meetwatch.demo.sample_faces import demo_faces

DEMO_TITLE = "Zoom Meeting - meetwatch demo"


@dataclass(frozen=True)
class DemoScript:
    n_tiles: int = 6
    size: tuple[int, int] = (1280, 720)
    period: float = 60.0
    camera_off: int = 5  # slot with the camera off throughout
    leaves: int = 1  # slot whose participant steps away ...
    leave_from: float = 20.0  # ... from this second of each period ...
    leave_until: float = 35.0  # ... until this one


class DemoScenario:
    def __init__(self, script: DemoScript | None = None, seed: int = 0) -> None:
        self.script = script or DemoScript()
        rng = np.random.default_rng(seed)
        self._faces = demo_faces(self.script.n_tiles * 2, rng)
        self._blank = np.full_like(self._faces[0], 90)

    def gallery_at(self, t: float) -> Gallery:
        s = self.script
        phase = t % s.period
        variant = int(t // 10) % 2  # faces change every 10 s
        faces = [self._faces[2 * i + variant] for i in range(s.n_tiles)]
        if s.leave_from <= phase < s.leave_until:
            faces[s.leaves] = self._blank
        return render_gallery(
            faces,
            s.n_tiles,
            "zoom",
            s.size,
            camera_off={s.camera_off},
            speaker=int(t // 15) % (s.n_tiles - 1),
            rng=np.random.default_rng(0),
        )

    def frame_at(self, t: float) -> np.ndarray:
        return self.gallery_at(t).image


class ScenarioSource(SourceBase):
    """The demo gallery rendered straight into the pipeline, for machines without a display.

    Frames carry the wall-clock time they were read at, like a screen grab, so the demo's
    session reads like a live one.
    """

    def __init__(self, scenario: DemoScenario, frames: int = 0) -> None:
        super().__init__()
        self._scenario = scenario
        self._frames = frames
        self._start = 0.0

    def describe(self) -> str:
        return "demo:replayed gallery"

    def _open(self) -> None:
        self._start = time.time()

    def _close(self) -> None:
        pass

    def read(self) -> Frame | None:
        if self._frames and self._index >= self._frames:
            return None
        now = time.time()
        image = self._scenario.frame_at(now - self._start)
        frame = Frame(image, now, self._index, self.describe())
        self._index += 1
        return frame
