"""cut_block: a block of tiles run together is cut into its tiles where its faces say, and a
picture that is one camera's is never cut.

Small calls in the three clients' looks, drawn at 640x360 (Zoom's 4 px gaps round to none) and
drawn at 1080p then scaled down (gaps blend into the tiles), through H.264 at a meeting
recorder's bitrate (mp4v where no H.264 encoder is installed); the block is the tiles' bounding
box and the faces are the drawn ones, so this checks the cut alone. The webcam pictures are
real CK+ faces in a room, the whole frame one block.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch.demo.styles import StyleName
from meetwatch.geometry import Rect
from meetwatch.layout.lattice import cut_block
from meetwatch.layout.regions import background_colour
from tests.factories.galleries import ckplus_peak_frames, webcam_sent_with_box
from tests.factories.layouts import LayoutCase, Scene, build, scaled
from tests.factories.video import missing, through_video

pytestmark = pytest.mark.data

SIZE = (640, 360)
CODEC = "h264" if missing("h264") is None else "mp4v"
# (look, tiles, camera-off slots): every camera-off pattern of a small call the clients draw
CALLS: list[tuple[StyleName, int, frozenset[int]]] = [
    ("zoom", 2, frozenset({1})),
    ("zoom", 3, frozenset({1})),
    ("zoom", 4, frozenset()),
    ("zoom", 4, frozenset({1, 2, 3})),
    ("zoom", 5, frozenset({0, 1, 2, 4})),
    ("zoom", 6, frozenset({1, 3, 4, 5})),
    ("teams", 4, frozenset({0, 3})),
    ("meet", 6, frozenset({2, 3})),
    ("zoom", 9, frozenset({0, 4, 8})),
]


def _recorded(data_dir: Path, case: LayoutCase, how: str) -> tuple[Scene, np.ndarray]:
    scene = (
        scaled(build(data_dir, case), SIZE) if how == "scaled" else build(data_dir, case.at(SIZE))
    )
    return scene, through_video(scene.image, CODEC, 400 if CODEC == "h264" else None)


def _bounds(rects: list[Rect]) -> Rect:
    x0, y0 = min(r.x for r in rects), min(r.y for r in rects)
    x1, y1 = max(r.x + r.w for r in rects), max(r.y + r.h for r in rects)
    return Rect(x0, y0, x1 - x0, y1 - y0)


@pytest.mark.parametrize("how", ["drawn", "scaled"])
@pytest.mark.parametrize(
    ("look", "n", "off"), CALLS, ids=[f"{s}-{n}-{len(o)}off" for s, n, o in CALLS]
)
def test_a_block_of_touching_tiles_is_cut_into_its_tiles(
    data_dir: Path, look: StyleName, n: int, off: frozenset[int], how: str
) -> None:
    scene, image = _recorded(data_dir, LayoutCase("call", look, n, camera_off=off), how)
    colour = background_colour(image)
    assert colour is not None
    truth = [t.rect for t in scene.tiles]
    faces = [f for t in scene.tiles if t.kind == "video" for f in t.faces]
    cells = cut_block(image, _bounds(truth), faces, colour)
    assert cells is not None, f"{look} {n} tiles, {sorted(off)} off: not cut"
    assert len(cells) == n
    for t in truth:
        assert max(t.iou(c) for c in cells) >= 0.85, f"{t} not among {cells}"


def test_a_webcam_picture_is_not_cut(data_dir: Path) -> None:
    """The 327 CK+ peak frames as 480p and 720p webcam pictures (a wall, shelves, shoulders):
    the whole frame with its one face is never cut into a call of placeholders."""
    folder = data_dir / "ckplus48" / "images"
    cut = []
    for k, name in enumerate(ckplus_peak_frames(data_dir)):
        face = cv2.imread(str(folder / name), cv2.IMREAD_GRAYSCALE)
        size = (1280, 720) if k % 2 else (640, 480)
        image, boxes = webcam_sent_with_box(face, size, np.random.default_rng(k))
        colour = background_colour(image) or (0, 0, 0)
        if cut_block(image, Rect(0, 0, *size), list(boxes), colour) is not None:
            cut.append(name)
    assert not cut
