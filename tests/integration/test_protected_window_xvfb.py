"""A meeting window hidden from capture, on a real X display: what capture sees of such a
window is black (Windows, most apps) or one flat colour, shown here by a real window painted
that way. Capture must say so and stop instead of recording "no face" for everyone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from meetwatch.capture import WindowSource
from meetwatch.capture.blank import BLOCKED_AFTER_FRAMES, CaptureBlocked
from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from meetwatch.runtime.clock import ManualClock
from tests.factories.cli import cli_env, meetwatch, store_path, store_rows
from tests.integration.x11 import GalleryLauncher

pytestmark = pytest.mark.xvfb

TITLE = "Zoom Meeting"
SIZE = (960, 540)


class SecondsClock(ManualClock):
    """One second passes per reading, as at the live default of 1 Hz."""

    def now(self) -> float:
        return self.advance(1.0)


@pytest.mark.parametrize("colour", [(0, 0, 0), (38, 36, 35)], ids=["black", "zoom grey"])
def test_flat_window_gives_missing_frames_then_stops_capture(
    galleries: GalleryLauncher, colour: tuple[int, int, int]
) -> None:
    galleries.show(TITLE, np.full((SIZE[1], SIZE[0], 3), colour, np.uint8))
    with WindowSource(TITLE, clock=SecondsClock()) as source:
        frames = [source.read() for _ in range(BLOCKED_AFTER_FRAMES - 1)]
        with pytest.raises(CaptureBlocked, match="hiding its window from screen capture"):
            source.read()
    assert all(f.missing and f.size == SIZE for f in frames)


def test_dark_gallery_window_is_analysed(galleries: GalleryLauncher) -> None:
    faces = demo_faces(6, np.random.default_rng(3))
    gallery = render_gallery(faces, 6, "zoom", SIZE, rng=np.random.default_rng(0)).image
    dark = (gallery.astype(np.float32) * 0.15).astype(np.uint8)
    galleries.show(TITLE, dark)
    with WindowSource(TITLE, clock=SecondsClock()) as source:
        frames = [source.read() for _ in range(3 * BLOCKED_AFTER_FRAMES)]
    assert not any(f.missing for f in frames)


@pytest.mark.slow
def test_run_on_a_protected_window_says_so_and_records_no_samples(
    galleries: GalleryLauncher, tmp_path: Path
) -> None:
    galleries.show(TITLE, np.zeros((SIZE[1], SIZE[0], 3), np.uint8))
    done = meetwatch(
        tmp_path,
        *("run", "--window", TITLE, "--quiet", "--no-server", "--rate", "2"),
        *("--used-in", "other", "--in-eu", "no"),  # the first-run question, answered
        env=cli_env(tmp_path),
        timeout=180,
    )
    assert done.returncode == 3, done.stdout + done.stderr
    [line] = [x for x in done.stderr.splitlines() if x.startswith("error:")]
    assert "window:Zoom Meeting has shown only one flat colour" in line
    assert "hiding its window from screen capture" in line
    assert store_path(tmp_path).exists()
    assert store_rows(tmp_path, "SELECT COUNT(*) FROM samples") == [(0,)]
    ((ended,),) = store_rows(tmp_path, "SELECT ended_at FROM sessions")
    assert ended is not None, "the session is ended cleanly"
