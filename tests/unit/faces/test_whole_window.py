"""Faces do not depend on the grid: tiles are built around the faces no grid explains.

Windows come from the real-looks factory (dataset faces in Zoom/Teams/Meet looks); the
faces stage runs on the tiles `WholeWindow` returns, exactly as the pipeline runs it.
"""

from __future__ import annotations

import csv
import dataclasses
from contextlib import closing
from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import render_gallery
from meetwatch.faces.faces import Faces
from meetwatch.faces.whole_window import EXTRA_SLOTS, WholeWindow
from meetwatch.faces.window_search import WindowSearch
from meetwatch.geometry import Rect
from meetwatch.layout.grid import split_tiles
from meetwatch.layout.tiles import Tile, Tiles
from tests.factories.galleries import as_webcam_sends_it, ckplus_peak_frames, real_faces
from tests.factories.layouts import LayoutCase, build
from tests.factories.video import through_video
from tests.unit.faces.portraits import finder, portrait, whole_image_tiles


def _frame(image: np.ndarray, index: int = 0) -> Frame:
    return Frame(image, float(index), index, "test")


def _run(image: np.ndarray, whole: WholeWindow, index: int = 0) -> tuple[Tiles, Faces]:
    """Layout, whole-window search and faces, as the pipeline runs them."""
    frame = _frame(image, index)
    tiles = whole(frame, split_tiles(frame))
    faces = finder().find(frame, tiles)
    return whole.keep_found(tiles, faces), faces


def _centre_in(r: Rect, face: Rect) -> bool:
    cx, cy = face.center
    return r.x <= cx <= r.x + r.w and r.y <= cy <= r.y + r.h


@pytest.fixture
def whole() -> WholeWindow:
    w = WholeWindow(finder().window_search())  # the faces stage's detectors, as live
    yield w  # type: ignore[misc]
    w.close()


def test_a_search_on_the_finders_detectors_leaves_them_open() -> None:
    """One set of detector graphs per process: closing the search must not close them."""
    image = portrait("astronaut")
    with closing(finder().window_search()) as search:
        assert len(search.find(image)) == 1
    finder().reset()
    assert len(finder().find(_frame(image), whole_image_tiles(image))) == 1


@pytest.mark.data
@pytest.mark.parametrize(
    ("style", "n", "source"),
    [
        ("zoom", 9, "drawn"),
        ("teams", 16, "mp4v"),
        pytest.param("meet", 49, "drawn", marks=pytest.mark.slow),
        pytest.param("zoom", 25, "mp4v", marks=pytest.mark.slow),
    ],
)
def test_no_grid_found_gives_a_tile_per_face(
    data_dir: Path, whole: WholeWindow, style: str, n: int, source: str
) -> None:
    """A capture region drawn round the tiles shows no window background: no grid is found,
    so the whole window is searched and every person gets a tile of their own."""
    scene = build(data_dir, LayoutCase("cropped", style, n, frame="cropped"))  # type: ignore[arg-type]
    image = scene.image if source == "drawn" else through_video(scene.image, source)
    assert split_tiles(_frame(image)).layout == "single"

    tiles, faces = _run(image, whole)

    assert tiles.layout == "faces"
    rects = [t.rect for t in tiles.tiles]
    assert all(a.intersection(b) == 0 for i, a in enumerate(rects) for b in rects[i + 1 :])
    visible = scene.visible_faces()
    for r in rects:  # a tile holds one person, never two
        assert sum(_centre_in(r, f) for f in visible) <= 1
    assert len(set(faces.slots.tolist())) == len(faces), "one face per tile"
    # measured 9/9, 16/16, 48/49, 25/25 (45/49 and 24/25 before empty lattice cells were
    # searched; the miss: a turned face)
    assert scene.found(faces.boxes) >= 0.95 * len(visible)


@pytest.mark.data
@pytest.mark.parametrize(
    ("style", "n", "off", "size", "source"),
    [
        ("meet", 12, {0, 5, 11}, (1920, 1080), "drawn"),
        ("zoom", 16, {2, 3, 9}, (1280, 720), "mp4v"),
        ("teams", 9, {1, 4}, (1280, 720), "drawn"),
    ],
)
def test_profile_photos_without_a_grid_are_cameras_off(
    data_dir: Path,
    whole: WholeWindow,
    style: str,
    n: int,
    off: set[int],
    size: tuple[int, int],
    source: str,
) -> None:
    """No grid says which tiles are camera-off placeholders, but a round photo on one dark
    colour is not someone in front of a camera: its tile is camera-off (outside the attention
    share), never a participant looking at the screen."""
    case = LayoutCase(
        "cropped-photos",
        style,  # type: ignore[arg-type]
        n,
        size=size,
        frame="cropped",
        camera_off=frozenset(off),
        profile_photos=True,
    )
    scene = build(data_dir, case)
    image = scene.image if source == "drawn" else through_video(scene.image, source)

    tiles, faces = _run(image, whole)

    assert tiles.layout == "faces"
    truth = {gt.slot: gt for gt in scene.tiles}
    placeholders = [gt.rect for gt in truth.values() if gt.kind == "camera_off"]
    off_tiles = [t for t in tiles.tiles if t.kind == "camera_off"]
    # every tile called camera-off lies on a placeholder, and each photo found is called so
    assert all(any(_centre_in(p, t.rect) for p in placeholders) for t in off_tiles)
    assert len(off_tiles) == len(off)
    assert all(t.kind == "video" for t in tiles.tiles if t not in off_tiles)
    assert not set(faces.slots.tolist()) & {t.slot for t in off_tiles}, "photos are not searched"
    # measured 8/9, 13/13, 7/7
    assert scene.found(faces.boxes) >= len(scene.visible_faces()) - 1


@pytest.mark.data
def test_a_tile_full_of_faces_is_replaced_by_tiles_round_the_faces(
    data_dir: Path, whole: WholeWindow
) -> None:
    """A window whose border is mostly camera-off tiles reads as one big tile; the faces in
    it get a tile each (this window gave 0 of 16 faces before)."""
    case = LayoutCase(
        "cropped-mostly-off",
        "meet",
        25,
        size=(1280, 720),
        frame="cropped",
        camera_off=frozenset(range(0, 25, 3)),
        profile_photos=True,
    )
    scene = build(data_dir, case)
    layout = split_tiles(_frame(scene.image))
    assert layout.layout == "grid" and len(layout.tiles) == 1

    tiles, faces = _run(scene.image, whole)

    assert tiles.layout == "faces"
    assert scene.found(faces.boxes) == len(scene.visible_faces())


@pytest.mark.data
def test_self_view_beside_the_grid_gets_its_own_tile(data_dir: Path, whole: WholeWindow) -> None:
    scene = build(data_dir, LayoutCase("self", "meet", 7, self_view=True))
    tiles, faces = _run(scene.image, whole)

    assert tiles.layout == "grid"
    extra = [t for t in tiles.tiles if t.slot >= EXTRA_SLOTS]
    assert len(extra) == 1 and len(tiles.tiles) == 8
    (self_face,) = scene.extra_faces
    assert _centre_in(extra[0].rect, self_face)
    grid = [t.rect for t in tiles.tiles if t.slot < EXTRA_SLOTS]
    assert all(extra[0].rect.intersection(r) == 0 for r in grid)
    assert EXTRA_SLOTS in faces.slots.tolist()


@pytest.mark.data
def test_tiles_that_cut_faces_are_replaced_by_tiles_round_the_faces(
    data_dir: Path, whole: WholeWindow
) -> None:
    """A wrong grid (every tile shifted by half a tile) cuts every face in two."""
    scene = build(data_dir, LayoutCase("wrong", "zoom", 4))
    h, w = scene.image.shape[:2]
    wrong = tuple(
        Tile(t.slot, Rect(t.rect.x + t.rect.w // 2, t.rect.y, t.rect.w // 2, t.rect.h))
        for t in scene.tiles
    )
    frame = _frame(scene.image)
    tiles = whole(frame, Tiles(0, 0.0, (w, h), wrong, "grid", (2, 2)))

    assert tiles.layout == "faces"
    faces = finder().find(frame, tiles)
    assert scene.found(faces.boxes) == len(scene.visible_faces())


def test_one_webcam_keeps_the_whole_window_tile(whole: WholeWindow) -> None:
    image = portrait("astronaut")
    frame = _frame(image)
    single = split_tiles(frame)
    assert whole(frame, single) == single


@pytest.mark.data
def test_a_webcam_picture_read_as_tiles_stays_one_tile_until_a_grid_shows(
    data_dir: Path,
) -> None:
    """A 720p webcam frame whose wall the layout stage splits into tiles is one tile, and
    stays that one tile between searches while the wall is read another way, and across a
    search while its person has left the picture (away, not a participant less); a grid of
    equal camera tiles replacing it is followed at once and kept by the next search."""
    folder = data_dir / "ckplus48" / "images"
    misread: np.ndarray | None = None  # a person's webcam whose wall is read as tiles
    room: tuple[np.ndarray, np.ndarray] | None = None  # a webcam, its empty room read so
    for k, name in enumerate(ckplus_peak_frames(data_dir)):
        face = cv2.imread(str(folder / name), cv2.IMREAD_GRAYSCALE)
        picture = as_webcam_sends_it(face, (1280, 720), np.random.default_rng(k))
        empty = as_webcam_sends_it(None, (1280, 720), np.random.default_rng(k))
        if misread is None and len(split_tiles(_frame(picture)).tiles) > 1:
            misread = picture
        elif room is None and len(split_tiles(_frame(empty)).tiles) > 1:
            room = (picture, empty)
        if misread is not None and room is not None:
            break
    assert misread is not None and room is not None
    pictures, empty_rooms = [room[0], misread], [room[1], room[1]]
    gallery = render_gallery(real_faces(data_dir), 4, "zoom", (1280, 720)).image
    whole = WholeWindow(finder().window_search(), search_every=2)
    seen, searched = [], []
    try:
        for i, image in enumerate([*pictures, *empty_rooms, gallery, gallery]):
            seen.append(_run(image, whole, i)[0])
            searched.append(whole.searched)
    finally:
        whole.close()
    assert searched == [True, False, True, False, True, False]
    assert [len(t.tiles) for t in seen] == [1, 1, 1, 1, 4, 4]
    assert {t.tiles[0].slot for t in seen[:4]} == {0}, "the webcam's person keeps their slot"


@pytest.mark.data
def test_search_runs_every_nth_frame_and_slots_stay(data_dir: Path) -> None:
    scene = build(data_dir, LayoutCase("cropped", "teams", 6, frame="cropped"))
    with_every_3 = WholeWindow(search_every=3)
    try:
        searched, slots = [], []
        for i in range(7):
            frame = _frame(scene.image, i)
            tiles = with_every_3(frame, split_tiles(frame))
            searched.append(with_every_3.searched)
            slots.append([(t.slot, t.rect) for t in tiles.tiles])
            assert tiles.frame_index == i
    finally:
        with_every_3.close()
    assert searched == [True, False, False, True, False, False, True]
    for later in slots[1:]:  # the detector's boxes may move by a pixel between searches
        assert [slot for slot, _ in later] == [slot for slot, _ in slots[0]], "slots stay"
        assert all(r.iou(q) >= 0.9 for (_, r), (_, q) in zip(later, slots[0], strict=True))


@pytest.mark.data
@pytest.mark.slow
def test_search_finds_small_faces_of_a_75_tile_window(data_dir: Path) -> None:
    """Meet's 9x9 grid at 1080p: faces 30-60 px high, none found by a whole-frame detector."""
    scene = build(data_dir, LayoutCase("m75", "meet", 75))
    with closing(WindowSearch()) as search:
        found = search.find(scene.image)
    visible = scene.visible_faces()
    hits = sum(any(_centre_in(b.rect, f) for b in found) for f in visible)
    assert hits >= 0.88 * len(visible)  # measured 68/75
    assert len(found) <= len(visible) + 2, "few boxes on anything but a face"


@pytest.mark.data
def test_empty_lattice_cells_are_searched_like_tiles(data_dir: Path) -> None:
    """A face the cascade did not propose is found in its cell of the others' lattice; faces
    that form no lattice add nothing."""
    scene = build(data_dir, LayoutCase("cropped", "meet", 16, frame="cropped"))
    with closing(WindowSearch()) as search:
        found = search.find(scene.image)
        visible = scene.visible_faces()
        assert len(found) >= 12
        missing = visible[5]
        kept = [f for f in found if not _centre_in(f.rect, missing)]  # as if it were missed
        added = search.fill_in(scene.image, kept)
        assert [a for a in added if _centre_in(missing, a.rect)], "the missed face is found"
        assert all(any(_centre_in(v, a.rect) for v in visible) for a in added)
        assert search.fill_in(scene.image, kept[:3]) == []


def test_bad_search_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="search_every"):
        WholeWindow(search_every=0)


def test_a_region_too_small_to_hold_a_face_is_not_searched() -> None:
    with closing(WindowSearch()) as search:
        image = np.zeros((100, 100, 3), np.uint8)
        assert search.find(image, Rect(0, 0, 20, 100)) == []
        assert search.last_stats.faces == 0


@pytest.mark.data
def test_tiles_where_the_faces_stage_finds_nobody_are_dropped(data_dir: Path) -> None:
    scene = build(data_dir, LayoutCase("cropped", "teams", 4, frame="cropped"))
    whole = WholeWindow()
    try:
        frame = _frame(scene.image)
        layout = split_tiles(frame)
        tiles = whole(frame, layout)
        assert len(tiles.tiles) == 4
        first = tiles.tiles[0].slot
        only_first = finder().find(frame, dataclasses.replace(tiles, tiles=tiles.tiles[:1]))
        kept = whole.keep_found(tiles, only_first)
        assert [t.slot for t in kept.tiles] == [first]
        later = whole(_frame(scene.image, 1), layout)  # reused until the next search
        assert [t.slot for t in later.tiles] == [first]
        assert whole.keep_found(later, Faces.empty(1, 1.0)) == later, "kept unless searched"
    finally:
        whole.close()


@pytest.mark.data
def test_real_screenshots_keep_their_tiles(data_dir: Path, whole: WholeWindow) -> None:
    """The four real Zoom screenshots: the grid explains every face, so the whole-window
    check adds no tile (an emoji in the toolbar is no participant)."""
    folder = data_dir / "meeting_screenshots"
    with open(folder / "index.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        image = cv2.imread(str(folder / row["file"]), cv2.IMREAD_COLOR)
        layout = split_tiles(_frame(image))
        tiles, _ = _run(image, whole)
        assert tiles.layout == "grid", row["file"]
        assert [t.rect for t in tiles.tiles] == [t.rect for t in layout.tiles], row["file"]


@pytest.mark.data
def test_a_grid_found_in_every_other_frame_costs_one_search_a_period(data_dir: Path) -> None:
    """A recording whose grid is found in one frame and lost in the next (noise over the
    window's border hides its background) is searched once per period, not every frame."""
    scene = build(data_dir, LayoutCase("flip", "zoom", 4))
    lost = scene.image.copy()
    noise = np.random.default_rng(0).integers(0, 256, lost.shape, dtype=np.uint8)
    border = np.ones(lost.shape[:2], bool)
    border[30:-30, 30:-30] = False
    lost[border] = noise[border]
    frames = [scene.image, lost] * 3
    assert [split_tiles(_frame(f)).layout for f in frames[:2]] == ["grid", "single"]
    whole = WholeWindow(search_every=4)
    try:
        searched = []
        for i, image in enumerate(frames):
            frame = _frame(image, i)
            whole(frame, split_tiles(frame))
            searched.append(whole.searched)
    finally:
        whole.close()
    assert searched == [True, False, False, False, True, False]
