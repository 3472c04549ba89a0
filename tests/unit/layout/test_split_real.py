"""split_tiles on real Zoom screenshots (two live galleries, two promotional mock-ups)."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import pytest

from meetwatch.capture.frame import Frame
from meetwatch.layout.grid import split_tiles

pytestmark = pytest.mark.data

# index.csv hand-counts 20 tiles for gommy15_zoom1.jpg, but the picture shows a 4x4 grid and
# its own toolbar reads "Manage Participants 16": the image is the authority here.
CORRECTED = {"gommy15_zoom1.jpg": 16}


def _screenshots(data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / "meeting_screenshots" / "index.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("index", range(4))
def test_tile_count_matches_hand_count(data_dir: Path, index: int) -> None:
    row = _screenshots(data_dir)[index]
    # two of them are RGBA PNGs: IMREAD_COLOR drops alpha the way a screen grab would
    image = cv2.imread(str(data_dir / "meeting_screenshots" / row["file"]), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[:2] == (int(row["height"]), int(row["width"]))

    tiles = split_tiles(Frame(image, 0.0, 0, row["file"]))

    expected = CORRECTED.get(row["file"], int(row["tiles_approx"]))
    assert tiles.layout == "grid"
    assert len(tiles.tiles) == expected
    rows, cols = tiles.grid
    assert rows * cols >= expected > (rows - 1) * cols
    areas = sorted(t.rect.area for t in tiles.tiles)
    assert areas[0] >= 0.9 * areas[-1], "tiles of one gallery have one size"
    assert all(t.kind == "video" for t in tiles.tiles)
