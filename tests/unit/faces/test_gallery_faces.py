"""Every face of a 1920x1080 gallery is found in its own tile, up to 7x7.

Galleries come from `meetwatch.demo.gallery.render_gallery` (real faces pasted into webcam-like
tiles with the client's gaps and name strips); the tiles are the renderer's ground truth, so
these tests measure the faces stage alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import Gallery, demo_faces, render_gallery
from meetwatch.faces.faces import Faces
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tile, Tiles
from tests.unit.faces.portraits import finder

GRIDS = (1, 9, 25, 49)


def _find(gallery: Gallery) -> Faces:
    h, w = gallery.image.shape[:2]
    tiles = Tiles(
        0,
        0.0,
        (w, h),
        tuple(Tile(t.slot, t.rect, t.kind) for t in gallery.tiles),
        gallery.layout,
        gallery.grid,
    )
    return finder().find(Frame(gallery.image, 0.0, 0, "gallery"), tiles)


def _check_placement(gallery: Gallery, faces: Faces) -> None:
    """Each face found lies in the tile its slot names, on the face drawn there."""
    by_slot = {t.slot: t for t in gallery.tiles}
    assert len(set(faces.slots.tolist())) == len(faces), "two faces reported for one tile"
    for slot, box, lm in zip(faces.slots.tolist(), faces.boxes, faces.landmarks, strict=True):
        tile = by_slot[slot]
        r = tile.rect
        x, y, w, h = box
        assert r.x <= x and r.y <= y and x + w <= r.x + r.w and y + h <= r.y + r.h
        truth = tile.faces[0]
        nose_x, nose_y = lm[1, :2]
        assert truth.x <= nose_x <= truth.x + truth.w and truth.y <= nose_y <= truth.y + truth.h
        found = Rect(int(x), int(y), int(w), int(h))
        assert found.intersection(truth) >= 0.6 * found.area  # mostly on the drawn face


@pytest.mark.parametrize("n", GRIDS)
def test_every_demo_face_found_in_its_tile(n: int) -> None:
    gallery = render_gallery(demo_faces(n), n, rng=np.random.default_rng(n))
    faces = _find(gallery)
    assert sorted(faces.slots.tolist()) == list(range(n))
    _check_placement(gallery, faces)


def test_two_people_sharing_a_camera_tile() -> None:
    gallery = render_gallery(demo_faces(6), 4, two_people={2}, rng=np.random.default_rng(5))
    faces = _find(gallery)
    assert sorted(faces.slots.tolist()) == [0, 1, 2, 2, 3]
    truths = gallery.tiles[2].faces
    shared = faces.boxes[faces.slots == 2]
    for truth in truths:  # one detection on each person
        ious = [Rect(*(int(v) for v in b)).iou(truth) for b in shared]
        assert max(ious) > 0.3


def test_camera_off_tiles_are_skipped() -> None:
    gallery = render_gallery(demo_faces(9), 9, camera_off={0, 4}, rng=np.random.default_rng(9))
    faces = _find(gallery)
    assert sorted(faces.slots.tolist()) == [1, 2, 3, 5, 6, 7, 8]


@pytest.mark.data
@pytest.mark.parametrize("n", GRIDS)
def test_fer2013_faces_found_in_their_tiles(data_dir, n: int) -> None:
    """Dataset faces are harder than portraits (tight 48x48 crops, profiles, hands over the
    face, drawings): the same 49 PrivateTest faces, shown in galleries of n tiles, are found at
    >= 85 % at every grid size (measured 92-94 %) and never in the wrong tile."""
    data = np.load(data_dir / "fer2013" / "fer2013.npz")
    pool = list(data["x"][data["split"] == 2][:49])
    found = 0
    for start in range(0, len(pool), n):
        chunk = pool[start : start + n]
        gallery = render_gallery(chunk, len(chunk), rng=np.random.default_rng(start))
        faces = _find(gallery)
        _check_placement(gallery, faces)
        found += len(faces)
    assert found >= 0.85 * len(pool)
