"""Frames that are not galleries: tiny, blank, noise, huge, missing. No datasets needed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import demo_faces, render_gallery
from meetwatch.layout.grid import split_tiles
from tests.unit.layout.matching import match


def _frame(image: np.ndarray) -> Frame:
    return Frame(image, 1.5, 7, "test")


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((1, 1, 3), np.uint8),
        np.zeros((1080, 1920, 3), np.uint8),
        np.full((720, 1280, 3), 255, np.uint8),
        np.random.default_rng(0).integers(0, 256, (1080, 1920, 3), dtype=np.uint8),
        np.zeros((4320, 7680, 3), np.uint8),
        np.zeros((3, 4000, 3), np.uint8),
        np.zeros((4000, 3, 3), np.uint8),
        np.random.default_rng(1).integers(0, 256, (1, 9000, 3), dtype=np.uint8),
        np.random.default_rng(2).integers(0, 256, (9000, 2, 3), dtype=np.uint8),
    ],
    ids=["1x1", "black", "white", "noise", "black-8k", "4000x3", "3x4000", "9000x1", "2x9000"],
)
def test_no_gallery_gives_one_whole_frame_tile(image: np.ndarray) -> None:
    tiles = split_tiles(_frame(image))
    h, w = image.shape[:2]
    assert tiles.layout == "single"
    assert [t.rect.as_tuple() for t in tiles.tiles] == [(0, 0, w, h)]
    assert (tiles.frame_index, tiles.timestamp, tiles.frame_size) == (7, 1.5, (w, h))


def test_missing_frame_has_no_tiles() -> None:
    frame = Frame(np.zeros((10, 10, 3), np.uint8), 0.0, 0, "test", missing=True)
    tiles = split_tiles(frame)
    assert tiles.tiles == ()
    assert tiles.layout == "single"


def test_8k_gallery_is_split_at_full_resolution() -> None:
    gallery = render_gallery(demo_faces(4), 6, "meet", camera_off=frozenset({5}), speaker=2)
    big = cv2.resize(gallery.image, (7680, 4320), interpolation=cv2.INTER_NEAREST)
    tiles = split_tiles(_frame(big))

    assert tiles.layout == "grid"
    assert tiles.grid == (2, 3)
    assert tiles.frame_size == (7680, 4320)
    found = {t.slot: t for t in tiles.tiles}
    for gt in gallery.tiles:
        r = gt.rect
        scaled = type(r)(r.x * 4, r.y * 4, r.w * 4, r.h * 4)
        best = max(found.values(), key=lambda t: scaled.iou(t.rect))
        assert scaled.iou(best.rect) >= 0.9
        assert best.kind == gt.kind


@pytest.mark.parametrize("style", ["zoom", "teams", "meet"])
def test_demo_faces_gallery_without_datasets(style: str) -> None:
    gallery = render_gallery(demo_faces(6), 5, style, camera_off=frozenset({4}), speaker=1)  # type: ignore[arg-type]
    tiles = split_tiles(_frame(gallery.image))
    assert tiles.grid == (2, 3)
    pairs = match(gallery.tiles, tiles.tiles)
    assert len(pairs) == len(tiles.tiles) == 5
    assert [pairs[s].kind for s in range(5)] == ["video"] * 4 + ["camera_off"]
