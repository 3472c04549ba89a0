"""Calls of 10-16 people recorded at 360p, and of 49 at 720p: every participant keeps their
tile.

At 640x360 a 4x4 call's tiles are about 150x85 px. Zoom's gaps are gone, and H.264 at a
recorder's bitrate blurs a camera-off placeholder's edge into the window's margin. The
splitter then finds a few tiles among the placeholders, or a block of faces it reads as a
speaker view, and Teams' top row runs into the header bar. The pipeline mends what the faces
say: the window's content is cut into its tiles when that gives more of them than the
layout (`meetwatch.layout.lattice`, where placeholders need no edge between them, profile
photo or not); a face at a place the grid's rows and columns leave free gets that place as
its tile, however much of the window the grid explains; and a cut tile whose face the
faces stage then misses stays a participant, as a grid's tile does. Each window is judged
as `meetwatch analyze` judges a still: the tiles must be the drawn ones (IoU >= 0.9,
nothing more).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from meetwatch.capture.frame import Frame
from meetwatch.layout.grid import split_tiles
from meetwatch.pipeline import Perception
from tests.factories.layouts import calls, low_bitrate
from tests.factories.video import needs
from tests.unit.layout.matching import match
from tests.unit.recorded_calls import KBPS, SIZE, score_calls

pytestmark = [
    pytest.mark.data,
    pytest.mark.slow,
    needs("h264"),
]

# 10-16 tiles with none, a quarter, half or three quarters of the cameras off
PLAN = [(n, round(share * n)) for n in (10, 12, 16) for share in (0.0, 0.25, 0.5, 0.75)]


def test_larger_calls_at_360p_keep_every_tile(data_dir: Path, perception: Perception) -> None:
    """Measured: 70 of the 72 windows exact through the pipeline (63 before the content's cut
    and the free places; the splitter alone 56), 562 of 570 live faces found (561). The two
    left are one Zoom call with 8 of 10 cameras off whose second face the search misses: one
    face is too few to trust a cut. Most missed faces are one screaming, hand-covered face."""
    score = score_calls(data_dir, perception, PLAN, seed_step=100)
    assert score.exact >= 68, score.wrong
    assert score.split_exact < score.exact  # the pipeline mends what the layout stage misses
    assert score.found >= score.faces - 10


AT_720P = ((1280, 720), 1200)  # a recorder's size and bitrate for a 7x7 call


@pytest.mark.parametrize(
    ("look", "n", "off", "how", "photos", "recorder"),
    [
        ("zoom", 12, 6, "drawn", False, (SIZE, KBPS)),
        ("zoom", 12, 9, "scaled", False, (SIZE, KBPS)),
        ("teams", 16, 0, "drawn", False, (SIZE, KBPS)),
        ("zoom", 10, 8, "drawn", True, (SIZE, KBPS)),
        ("zoom", 49, 24, "drawn", False, AT_720P),
    ],
    ids=[
        "block-beside-placeholders",
        "grid-among-placeholders",
        "row-under-header",
        "photos-read-as-thumbnails",
        "tile-lost-from-a-large-grid",
    ],
)
def test_what_the_splitter_loses_the_faces_give_back(
    data_dir: Path,
    perception: Perception,
    look: str,
    n: int,
    off: int,
    how: str,
    photos: bool,
    recorder: tuple[tuple[int, int], int],
) -> None:
    """One window for each way a call lost tiles before (7, 7, 15 and 4 tiles, not 12, 12,
    16 and 10; 49 with one built round a face): at 360p, a block of faces read as a speaker's
    tile beside placeholders run into the margin; a few tiles found among placeholders whose
    edges blurred; Teams' top row run into its header bar; and placeholders whose profile
    photos the splitter took for a screen share's thumbnails, whose four photos then counted
    as people looking at the screen while the two live faces were lost. At 720p, a 7x7 grid
    that lost one live tile explains nearly all of the window, so nothing is cut: the face
    found at the grid's free place gets that place (a tile built round the face instead was
    121x96 for 162x90). The splitter alone still loses them (the control)."""
    case = next(c for c in calls([(n, off)], seed_step=100) if c.style == look)
    case = dataclasses.replace(case, profile_photos=photos)
    scene, image = next((s, i) for h, s, i in low_bitrate(data_dir, case, *recorder) if h == how)
    frame = Frame(image, 0.0, 0, case.name)
    alone = split_tiles(frame).tiles
    assert len(match(scene.tiles, alone)) < n
    perception.reset()
    seen = perception(frame)
    assert seen.tiles is not None
    tiles = seen.tiles.tiles
    assert len(match(scene.tiles, tiles)) == len(tiles) == n
    assert sum(t.kind == "camera_off" for t in tiles) == off
    assert scene.on_placeholders(seen.faces.boxes) == 0
