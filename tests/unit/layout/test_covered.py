"""A window over the gallery hides tiles; it does not make or lose participants.

Real faces (the demo portraits shipped with scikit-image and matplotlib) in a Zoom-like
gallery, with a light dialog painted over parts of it as a window manager would show one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from meetwatch.demo.styles import StyleName
from meetwatch.geometry import Rect
from meetwatch.layout import split_tiles
from meetwatch.layout.identity import MAX_COVER_SECONDS, hold_covered, outside_covered
from meetwatch.layout.tiles import Tile, Tiles
from tests.factories.galleries import make_gallery

SIZE = (1280, 720)
FACES = demo_faces(6, np.random.default_rng(3))


def _gallery(n: int = 6) -> np.ndarray:
    faces = [FACES[i % len(FACES)] for i in range(n)]
    return render_gallery(
        faces, n, "zoom", SIZE, camera_off={5}, rng=np.random.default_rng(0)
    ).image


def _dialog(image: np.ndarray, x: int, y: int, w: int, h: int) -> np.ndarray:
    out = image.copy()
    cv2.rectangle(out, (x, y), (x + w, y + h), (240, 240, 240), -1)
    cv2.rectangle(out, (x, y), (x + w, y + 28), (200, 120, 40), -1)  # title bar
    cv2.putText(out, "Recording", (x + 12, y + 70), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2)
    return out


def _step(image: np.ndarray, previous: Tiles | None, t: float) -> Tiles:
    frame = Frame(image, t, int(t), "test")
    return hold_covered(split_tiles(frame, previous), previous, image)


def _slots(tiles: Tiles) -> tuple[list[int], list[int]]:
    return sorted(t.slot for t in tiles.tiles), sorted(t.slot for t in tiles.covered)


@pytest.mark.parametrize(
    ("dialog", "covered"),
    [
        ((440, 260, 400, 200), {1, 4}),  # within one column: the tiles are split as before
        ((300, 200, 700, 320), {0, 1, 2, 3, 4, 5}),  # merges four tiles, lies over two more
        ((100, 100, 1100, 560), {0, 1, 2, 3, 4, 5}),  # one over almost all of it
        ((1000, 560, 280, 160), {5}),  # a notification in the corner
    ],
)
def test_covered_tiles_keep_their_slots_and_come_back(
    dialog: tuple[int, int, int, int], covered: set[int]
) -> None:
    image = _gallery()
    before = _step(image, None, 0.0)
    assert _slots(before) == (list(range(6)), [])
    held = before
    for t in (1.0, 2.0, 10.0):
        held = _step(_dialog(image, *dialog), held, t)
        visible, hidden = _slots(held)
        assert set(hidden) == covered and sorted(visible + hidden) == list(range(6))
        assert held.covered_since == 1.0
    after = _step(image, held, 11.0)
    assert _slots(after) == (list(range(6)), []) and after.covered_since is None


# (x0, y0, x1, y1) as shares of the window: windows a user raises over a call
WINDOWS = {
    "dialog-centre": (0.3, 0.3, 0.7, 0.7),
    "small-dialog-centre": (0.4, 0.4, 0.6, 0.6),  # across the gaps where tiles meet
    "dialog-right": (0.45, 0.3, 0.95, 0.7),
    "notification": (0.72, 0.78, 0.98, 0.95),  # over a tile's edge and the window's margin
}


@pytest.mark.data
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("style", ["zoom", "teams", "meet"])
@pytest.mark.parametrize("n", [3, 4, 6, 9])
def test_a_window_over_a_small_call_makes_and_loses_nobody(
    data_dir: Path, style: StyleName, n: int, window: str
) -> None:
    """Every participant keeps their slot, visible or covered, while a window lies over the
    call for ten seconds. Tiles that still show their people at their places, merged with a
    window lying across a gap or over an edge, are kept (before: 15 of these 48 cases made
    new participants, most with the small dialog and the notification). A 1:1 call with a
    dialog in its middle is not held: both tiles are mostly covered, the splitter sees one
    block and no grid."""
    image = make_gallery(data_dir, n, style, seed=n, size=SIZE).image
    x0, y0, x1, y1 = (round(f * s) for f, s in zip(WINDOWS[window], SIZE * 2, strict=True))
    covered = _dialog(image, x0, y0, x1 - x0, y1 - y0)
    held = _step(image, None, 0.0)
    everyone = list(range(n))
    assert sorted(t.slot for t in held.tiles) == everyone
    for t in range(1, 11):
        held = _step(covered, held, float(t))
        visible, hidden = _slots(held)
        assert sorted(visible + hidden) == everyone, t
    assert _slots(_step(image, held, 11.0)) == (everyone, [])


@pytest.mark.data
def test_a_notification_that_stays_becomes_the_layout(data_dir: Path) -> None:
    """Tiles merged with a window but still showing their people are held as long as covered
    ones are, and no longer: what the splitter sees then is the layout."""
    image = make_gallery(data_dir, 3, "zoom", seed=3, size=SIZE).image
    x0, y0, x1, y1 = (round(f * s) for f, s in zip(WINDOWS["notification"], SIZE * 2, strict=True))
    stays = _dialog(image, x0, y0, x1 - x0, y1 - y0)
    held = _step(stays, _step(image, None, 0.0), 1.0)
    assert _slots(held) == ([0, 1, 2], [])
    later = _step(stays, held, 2.0 + MAX_COVER_SECONDS)
    assert later.covered_since is None and _slots(later)[0] != [0, 1, 2]


@pytest.mark.parametrize("n", [1, 4, 5, 9])
def test_a_reflow_is_not_a_cover(n: int) -> None:
    before = _step(_gallery(), None, 0.0)
    after = _step(_gallery(n), before, 1.0)
    assert after.covered == () and len(after.tiles) == n


def test_a_cover_that_stays_becomes_the_layout() -> None:
    image = _gallery()
    held = _step(image, None, 0.0)
    covered = _dialog(image, 300, 200, 700, 320)
    held = _step(covered, held, 1.0)
    assert held.covered
    held = _step(covered, held, 2.0 + MAX_COVER_SECONDS)
    assert held.covered == ()


def test_a_face_peeking_out_of_a_covered_tile_is_not_a_new_participant() -> None:
    image = _gallery()
    held = _step(image, None, 0.0)
    held = _step(_dialog(image, 300, 200, 700, 320), held, 1.0)
    (hidden, *_) = held.covered
    r = hidden.rect
    peeking = Tile(10_000, Rect(r.x + r.w - 120, r.y + 10, 100, 100))  # e.g. from a face search
    beside = Tile(10_001, Rect(0, 0, 20, 20))  # in the window's margin, under no cover
    found = replace(held, tiles=(*held.tiles, peeking, beside))
    kept = outside_covered(found)
    assert [t.slot for t in kept.tiles] == [*(t.slot for t in held.tiles), 10_001]
    assert kept.covered == held.covered


@pytest.mark.data
@pytest.mark.parametrize("style", ["zoom", "teams", "meet"])
@pytest.mark.parametrize("n", [6, 25])
def test_no_cover_is_seen_where_there_is_none(data_dir: Path, style: StyleName, n: int) -> None:
    """Speaker borders, neighbouring camera-off tiles and heavy JPEG blur in the gaps are
    not a window over the gallery."""
    for speaker, off in ((None, frozenset()), (1, frozenset({0, 1, 2, 3}))):
        drawn = make_gallery(data_dir, n, style, seed=n, speaker=speaker, camera_off=off).image
        for quality in (None, 60, 30):
            image = drawn
            if quality is not None:
                jpeg = cv2.imencode(".jpg", drawn, [cv2.IMWRITE_JPEG_QUALITY, quality])[1]
                image = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
            tiles = _step(image, _step(image, None, 0.0), 1.0)
            assert tiles.covered == (), (speaker, sorted(off), quality)
