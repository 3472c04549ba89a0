"""Tiles built around faces: one per face, inside the frame, never overlapping, slots kept."""

from __future__ import annotations

import numpy as np

from meetwatch.geometry import Rect
from meetwatch.layout.face_tiles import tile_rects, tiles_from_faces

FRAME = (1280, 720)


def test_each_face_gets_a_tile_holding_it_and_no_other() -> None:
    faces = [Rect(100, 100, 60, 60), Rect(190, 110, 60, 60), Rect(150, 230, 60, 60)]
    rects = tile_rects(faces, FRAME)
    assert len(rects) == 3
    for i, (r, f) in enumerate(zip(rects, faces, strict=True)):
        assert r.intersection(f) == f.area, "the face lies wholly in its tile"
        assert r.x >= 0 and r.y >= 0 and r.x + r.w <= FRAME[0] and r.y + r.h <= FRAME[1]
        for j, other in enumerate(rects):
            if j != i:
                assert r.intersection(other) == 0


def test_tiles_stay_clear_of_obstacles_and_frame_edges() -> None:
    grid_tile = Rect(0, 0, 600, 720)
    face = Rect(640, 600, 80, 80)  # beside the grid tile, near the bottom edge
    (r,) = tile_rects([face], FRAME, obstacles=[grid_tile])
    assert r.intersection(grid_tile) == 0
    assert r.intersection(face) == face.area
    assert r.y + r.h <= FRAME[1]


def test_reading_order_and_kept_slots() -> None:
    image = np.random.default_rng(0).integers(0, 256, (FRAME[1], FRAME[0], 3), dtype=np.uint8)
    faces = [Rect(900, 100, 80, 80), Rect(200, 110, 80, 80), Rect(500, 400, 80, 80)]
    first = tiles_from_faces(image, faces, 0, 0.0)
    assert first.layout == "faces"
    assert [t.rect.center[0] < 640 for t in first.tiles] == [True, False, True]
    assert [t.slot for t in first.tiles] == [0, 1, 2]
    moved = [Rect(f.x + 4, f.y + 2, f.w, f.h) for f in reversed(faces)]
    again = tiles_from_faces(image, moved, 1, 1.0, previous=first)
    assert [t.slot for t in again.tiles] == [0, 1, 2], "the same people keep their slots"
    beside = tiles_from_faces(image, faces[:1], 0, 0.0, first_slot=500)
    assert [t.slot for t in beside.tiles] == [500]
    assert tiles_from_faces(image, [], 0, 0.0).tiles == ()
