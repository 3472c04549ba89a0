"""cut_block: a block of tiles run together is cut into its tiles where its faces say, and a
picture that is one camera's is never cut.

Small calls in the three clients' looks, drawn at 640x360 (Zoom's 4 px gaps round to none) and
drawn at 1080p then scaled down (gaps blend into the tiles), through H.264 at a meeting
recorder's bitrate (mp4v where no H.264 encoder is installed); the block is the tiles' bounding
box and the faces are the drawn ones, so this checks the cut alone. The webcam pictures are
real CK+ faces in a room, the whole frame one block.
"""

from __future__ import annotations

import csv
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


# (look, tiles, camera-off slots, the live tile whose face the search missed)
MISSED: list[tuple[StyleName, int, frozenset[int], int]] = [
    ("zoom", 5, frozenset({1, 2}), 0),  # 3+2: a lattice reaching past the short row is refused
    ("zoom", 6, frozenset({1, 3}), 5),
    ("teams", 4, frozenset({0}), 3),
    ("meet", 6, frozenset({2, 3}), 0),
    ("zoom", 9, frozenset({0, 4, 8}), 5),
]


@pytest.mark.parametrize("how", ["drawn", "scaled"])
@pytest.mark.parametrize(
    ("look", "n", "off", "missed"), MISSED, ids=[f"{s}-{n}-miss{m}" for s, n, _, m in MISSED]
)
def test_a_live_tile_whose_face_was_missed_is_cut_too(
    data_dir: Path, look: StyleName, n: int, off: frozenset[int], missed: int, how: str
) -> None:
    """A screaming or hand-covered face the search misses leaves a faceless cell that is no
    placeholder; framed by edges on every side and with two faces found for it, it is a live
    tile (a 3x4 call at 360p with one of three faces missed read as one tile and 0 faces)."""
    scene, image = _recorded(data_dir, LayoutCase("call", look, n, camera_off=off), how)
    colour = background_colour(image)
    assert colour is not None
    truth = [t.rect for t in scene.tiles]
    tiles = sorted(scene.tiles, key=lambda t: t.slot)
    faces = [f for t in tiles if t.kind == "video" and t.slot != missed for f in t.faces]
    cells = cut_block(image, _bounds(truth), faces, colour)
    assert cells is not None and len(cells) == n
    for t in truth:
        assert max(t.iou(c) for c in cells) >= 0.85, f"{t} not among {cells}"
    # one face for a missed one is too little: a webcam's wall would pass as a tile
    assert cut_block(image, _bounds(truth), faces[:1], colour) is None


def test_a_photo_of_several_people_is_not_cut(data_dir: Path) -> None:
    """200 WIDER FACE photos (crowds, parades, groups, meetings) at 720p with their labelled
    faces of 24 px and more: a room with several people, and its faceless wall and windows,
    is never read as a call whose tiles' faces were missed."""
    folder = data_dir / "widerface_val_subset"
    faces: dict[str, list[Rect]] = {}
    sizes: dict[str, tuple[int, int]] = {}
    with (folder / "boxes.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            w, h = int(row["orig_width"]), int(row["orig_height"])
            k = 720 / h
            sizes[row["file"]] = (round(w * k), 720)
            box = Rect(
                *(round(float(row[c]) * k) for c in ("orig_x", "orig_y", "orig_w", "orig_h"))
            )
            if box.h >= 24:
                faces.setdefault(row["file"], []).append(box)
    groups = {name: boxes for name, boxes in faces.items() if len(boxes) >= 2}
    assert len(groups) >= 100
    cut = []
    for name, boxes in groups.items():
        image = cv2.resize(cv2.imread(str(folder / "images" / name)), sizes[name])
        colour = background_colour(image) or (0, 0, 0)
        if cut_block(image, Rect(0, 0, *sizes[name]), boxes, colour) is not None:
            cut.append(name)
    assert not cut


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
