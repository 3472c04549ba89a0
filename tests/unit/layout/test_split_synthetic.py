"""split_tiles on Zoom/Teams/Meet-style galleries of real FER-2013 and CK+ faces."""

from __future__ import annotations

from pathlib import Path

import pytest

from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import Gallery, grid_shape
from meetwatch.demo.styles import StyleName
from meetwatch.layout.grid import split_tiles
from meetwatch.layout.tiles import Tiles
from tests.factories.galleries import make_gallery
from tests.unit.layout.matching import match

pytestmark = pytest.mark.data

STYLES: tuple[StyleName, ...] = ("zoom", "teams", "meet")
COUNTS = (1, 2, 4, 9, 16, 25, 49)


def _split(gallery: Gallery) -> Tiles:
    return split_tiles(Frame(gallery.image, 0.0, 0, "synthetic"))


def _gallery(data_dir: Path, style: StyleName, n: int) -> Gallery:
    """Speaker in slot 0; camera off in the last slot (and slot 1 from 4 tiles); from 9 tiles
    slot 2 holds two people sharing one camera."""
    camera_off = frozenset({n - 1} | ({1} if n >= 4 else set())) if n > 1 else frozenset()
    return make_gallery(
        data_dir,
        n,
        style,
        seed=n,
        camera_off=camera_off,
        speaker=0,
        two_people=frozenset({2}) if n >= 9 else frozenset(),
    )


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("n", COUNTS)
def test_every_tile_found_and_classified(data_dir: Path, style: StyleName, n: int) -> None:
    gallery = _gallery(data_dir, style, n)
    tiles = _split(gallery)

    assert tiles.layout == "grid"
    assert tiles.grid == grid_shape(n)
    assert len(tiles.tiles) == n
    pairs = match(gallery.tiles, tiles.tiles)
    assert sorted(pairs) == [gt.slot for gt in gallery.tiles], "a tile was missed (IoU < 0.9)"
    for gt in gallery.tiles:
        found = pairs[gt.slot]
        assert found.kind == gt.kind, f"slot {gt.slot}"
    assert [t.slot for t in tiles.tiles] == list(range(n)), "slots follow reading order"
