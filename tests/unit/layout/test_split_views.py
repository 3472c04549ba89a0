"""Speaker view and screen share: one big region beside a strip of thumbnails."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import render_screen_share, render_speaker_view
from meetwatch.demo.styles import StyleName
from meetwatch.layout.grid import split_tiles
from tests.factories.galleries import real_faces
from tests.unit.layout.matching import match

pytestmark = pytest.mark.data
STYLES: tuple[StyleName, ...] = ("zoom", "teams", "meet")


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("camera_off", [frozenset({3}), frozenset({0})], ids=["thumb", "speaker"])
def test_speaker_view_gives_big_tile_first_then_thumbnails(
    data_dir: Path, style: StyleName, camera_off: frozenset[int]
) -> None:
    gallery = render_speaker_view(
        real_faces(data_dir), 5, style, camera_off=camera_off, rng=np.random.default_rng(1)
    )
    tiles = split_tiles(Frame(gallery.image, 0.0, 0, "synthetic"))

    assert tiles.layout == "speaker"
    assert len(tiles.tiles) == 6
    pairs = match(gallery.tiles, tiles.tiles)
    assert sorted(pairs) == list(range(6))
    assert tiles.tiles[0].rect.iou(gallery.tiles[0].rect) >= 0.9
    assert [pairs[s].kind for s in range(6)] == [gt.kind for gt in gallery.tiles]


@pytest.mark.parametrize("style", STYLES)
def test_screen_share_keeps_only_participant_thumbnails(data_dir: Path, style: StyleName) -> None:
    gallery = render_screen_share(real_faces(data_dir), 4, style, rng=np.random.default_rng(2))
    tiles = split_tiles(Frame(gallery.image, 0.0, 0, "synthetic"))

    assert tiles.layout == "screen_share"
    assert len(tiles.tiles) == 4
    assert sorted(match(gallery.tiles, tiles.tiles)) == [0, 1, 2, 3]
    assert gallery.share is not None
    assert all(t.rect.intersection(gallery.share) == 0 for t in tiles.tiles)
