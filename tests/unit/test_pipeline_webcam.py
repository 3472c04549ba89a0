"""One person's webcam frame is one participant, whatever the layout stage reads into it.

A still taken from one camera (or a 1:1 call) shows a wall, shelves and shoulders; the layout
stage can read their edges as a speaker view or a grid, and every faceless "tile" would then
be a participant whose camera is on and who is away. Frames are real CK+ faces in webcam
pictures (`as_webcam_sends_it`: a room, shoulders, JPEG), at 480p and 720p; the galleries
that must keep their tiles although only one face shows are drawn in Zoom and Teams looks.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import render_gallery, render_speaker_view
from meetwatch.demo.styles import StyleName
from meetwatch.demo.webcam import webcam_frame
from meetwatch.layout.grid import split_tiles
from meetwatch.pipeline import Observation, Perception
from tests.factories.galleries import as_webcam_sends_it, ckplus_peak_frames, real_faces


def _still(perception: Perception, image: np.ndarray) -> Observation:
    """What the pipeline makes of one image analysed on its own (`meetwatch analyze`)."""
    perception.reset()
    return perception(Frame(image, 0.0, 0, "test"))


@pytest.mark.data
@pytest.mark.slow
def test_webcam_frames_are_one_participant_each(data_dir: Path, perception: Perception) -> None:
    """The 327 CK+ peak frames as 480p and 720p webcam frames (alternately, each its own
    room): the layout stage alone splits 14 of them into 2-7 tiles, or hides the face's tile
    under a "window" (20 before a speaker's tile had to fill a quarter of the window); the
    pipeline gives one tile and one face for 326 (307 without the rule).
    The one left is a wall read as a lattice of tiles under a "window", which a real call
    whose other tiles a window covers must keep."""
    folder = data_dir / "ckplus48" / "images"
    split = one = 0
    for k, name in enumerate(ckplus_peak_frames(data_dir)):
        face = cv2.imread(str(folder / name), cv2.IMREAD_GRAYSCALE)
        size = (1280, 720) if k % 2 else (640, 480)
        image = as_webcam_sends_it(face, size, np.random.default_rng(k))
        split += len(split_tiles(Frame(image, 0.0, 0, "test")).tiles) != 1
        seen = _still(perception, image)
        assert seen.tiles is not None
        one += len(seen.tiles.tiles) == 1 and len(seen.faces) == 1
    assert split >= 10  # the control: the rule has misread frames to mend
    assert one >= 325


@pytest.mark.data
@pytest.mark.parametrize(
    ("look", "n", "off"),
    [("zoom", 2, {1}), ("teams", 4, {1, 2, 3}), ("zoom", 4, {0, 2, 3}), ("teams", 2, set())],
)
def test_a_gallery_with_one_face_keeps_its_tiles(
    data_dir: Path, perception: Perception, look: StyleName, n: int, off: set[int]
) -> None:
    """One big face in a 2- or 4-tile call whose other cameras are off, or on with nobody
    before them (an empty room: the last case), is a gallery, not one webcam's picture:
    everyone keeps a tile."""
    rng = np.random.default_rng(n)
    gallery = render_gallery(real_faces(data_dir)[n:], n, look, (1280, 720), off, rng=rng)
    image = gallery.image
    shown = min(set(range(n)) - off)  # the one face; other cameras on show an empty room
    for tile in gallery.tiles:
        if tile.slot not in off | {shown}:
            r = tile.rect
            image[r.y : r.y + r.h, r.x : r.x + r.w] = webcam_frame([], r.w, r.h, rng)[0]
    seen = _still(perception, image)
    assert seen.tiles is not None
    assert len(seen.tiles.tiles) == n
    assert len(seen.faces) == 1


@pytest.mark.data
def test_a_speaker_view_with_the_others_off_keeps_its_thumbnails(
    data_dir: Path, perception: Perception
) -> None:
    faces = real_faces(data_dir)
    view = render_speaker_view(
        faces, 3, "zoom", (1280, 720), camera_off={1, 2, 3}, rng=np.random.default_rng(5)
    )
    seen = _still(perception, view.image)
    assert seen.tiles is not None
    assert len(seen.tiles.tiles) == 4
    assert len(seen.faces) == 1
