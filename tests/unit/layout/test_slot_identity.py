"""Slots follow participants: fixed while the grid stands, matched by content on reflow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import Gallery, render_gallery
from meetwatch.layout.grid import split_tiles
from meetwatch.layout.tiles import Tiles
from tests.factories.galleries import real_faces

pytestmark = pytest.mark.data

NAMES = ["Ana", "Ben", "Chen", "Dana", "Emeka", "Farah"]


def _show(
    faces: list[np.ndarray], names: list[str], previous: Tiles | None = None, index: int = 0
) -> tuple[Gallery, Tiles]:
    """Every render uses the same seed, so a participant's room is the same in each."""
    gallery = render_gallery(faces, len(faces), "zoom", names=names, rng=np.random.default_rng(5))
    return gallery, split_tiles(Frame(gallery.image, float(index), index, "t"), previous)


def _slot_of(tiles: Tiles, gallery: Gallery) -> list[int]:
    """Slot found for each ground-truth tile, in the gallery's order."""
    return [max(tiles.tiles, key=lambda t: gt.rect.iou(t.rect)).slot for gt in gallery.tiles]


def test_unchanged_grid_keeps_slots_when_pictures_change(data_dir: Path) -> None:
    faces = list(real_faces(data_dir))
    _, first = _show(faces[:4], NAMES[:4])
    gallery, second = _show(faces[10:14], NAMES[:4], first, 1)
    assert _slot_of(second, gallery) == [0, 1, 2, 3]


@pytest.mark.parametrize("insert_at", [4, 2, 0])
def test_reflow_four_to_five_keeps_participants_slots(data_dir: Path, insert_at: int) -> None:
    faces = list(real_faces(data_dir))[:5]
    _, before = _show(faces[:4], NAMES[:4])
    assert [t.slot for t in before.tiles] == [0, 1, 2, 3]

    order = [0, 1, 2, 3]
    order.insert(insert_at, 4)  # the newcomer may appear anywhere in the grid
    gallery, after = _show([faces[i] for i in order], [NAMES[i] for i in order], before, 1)

    assert after.grid == (2, 3)
    slots = dict(zip(order, _slot_of(after, gallery), strict=True))
    assert [slots[i] for i in range(4)] == [0, 1, 2, 3]
    assert slots[4] == 4, "the newcomer gets a slot nobody had"


def test_someone_leaving_does_not_shift_the_others(data_dir: Path) -> None:
    faces = list(real_faces(data_dir))[:6]
    _, before = _show(faces, NAMES)
    keep = [0, 2, 3, 4, 5]
    gallery, after = _show([faces[i] for i in keep], [NAMES[i] for i in keep], before, 1)
    assert _slot_of(after, gallery) == keep
