"""A still image is judged as a still image: closed eyes and looking away from one frame.

Faces are real: FER-2013 faces picked by their landmarks (not by eye), the portraits shipped
with scikit-image and matplotlib, and the two held-out sets of meetwatch.training.
attention_data: 137 FER-2013 faces and 130 WIDER FACE photos (faces of 40-200 px, as in
meeting tiles) labelled by hand as looking at the camera or not, and the CK+ lab recordings,
whose subjects face a camera at eye level as a webcam user faces theirs. The attention network
was trained on other faces, and no threshold was chosen on these. Each held-out set is judged
as framed in a meeting tile and again as a whole webcam frame (480p, 720p: face at 35-60 % of
the height, a room, JPEG), the still image a user would take from one camera: the figures
hold at webcam sizes.
"""

from __future__ import annotations

import functools
import itertools
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from meetwatch.analysis.analyzer import Analyzer
from meetwatch.analysis.looks import LookModel
from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import render_gallery
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tile, Tiles
from meetwatch.tracking.config import TrackingConfig
from meetwatch.tracking.tracker import Tracker
from meetwatch.training.attention_data import FRAME_MARGIN, fer_test, framed_face, wider_test
from tests.factories.cli import meetwatch
from tests.factories.galleries import as_webcam_sends_it, ckplus_peak_frames
from tests.unit.faces.portraits import finder, portrait

# FER-2013 rows chosen by landmarks from the first 6,000 usable faces: eye aspect ratio under
# 0.11 with the head within 8 degrees of frontal (eyes shut); head pitch under -25 degrees with
# open eyes and the eyes' direction within 12 degrees of straight ahead (looking down); head
# and eyes within 4 degrees and 0.08 of centre with wide-open eyes (looking at the camera).
CLOSED, DOWN, FRONTAL = 1385, 1219, 91
# Each image gets its own tile slot: the finder follows the faces of a slot from one call to
# the next, which is right for video and wrong for unrelated images.
_SLOTS = itertools.count()
TILE, WEBCAM_480P, WEBCAM_720P = None, (640, 480), (1280, 720)
SHOWN = {"tile": TILE, "webcam_480p": WEBCAM_480P, "webcam_720p": WEBCAM_720P}


def _fer(data_dir: Path) -> np.ndarray:
    with np.load(data_dir / "fer2013" / "fer2013.npz") as fer:
        return fer["x"]


@functools.cache
def _analyzer() -> Analyzer:
    return Analyzer(LookModel(threads=1), None)


def _attention(image: np.ndarray) -> str:
    """What meetwatch says about the one face of a still image (analysis and tracking)."""
    h, w = image.shape[:2]
    frame = Frame(np.ascontiguousarray(image), 0.0, 0, "test")
    tiles = Tiles(0, 0.0, (w, h), (Tile(next(_SLOTS), Rect(0, 0, w, h)),), "single")
    signals = _analyzer().analyse(frame, finder().find(frame, tiles))
    people = Tracker(TrackingConfig().for_still_image()).update(signals, tiles).participants
    return people[0].attention if people else "no_face"  # no face found: nothing to judge


def _analyze(home: Path, image: np.ndarray) -> list[str]:
    path = home / "still.png"
    cv2.imwrite(str(path), image)
    done = meetwatch(home, "analyze", str(path), "--json", "--no-store", "--attention-only")
    assert done.returncode == 0, done.stderr
    people = json.loads(done.stdout)["room"]["participants"]
    return [p["attention"] for p in sorted(people, key=lambda p: p["slot"])]


@pytest.mark.data
def test_closed_eyes_and_looking_down_are_not_on_screen_in_one_image(
    data_dir: Path, tmp_path: Path
) -> None:
    x = _fer(data_dir)
    faces = [
        cv2.resize(x[i], None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
        for i in (CLOSED, DOWN, FRONTAL)
    ]
    gallery = render_gallery(faces, 3, "zoom", (1280, 720), rng=np.random.default_rng(0))
    assert _analyze(tmp_path, gallery.image) == ["eyes_closed", "away", "on_screen"]
    alone = cv2.resize(x[DOWN], None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
    assert _analyze(tmp_path, cv2.cvtColor(alone, cv2.COLOR_GRAY2BGR)) == ["away"]


def test_portraits_looking_at_the_camera_and_a_man_looking_at_his_own() -> None:
    assert _attention(portrait("astronaut")) == "on_screen"
    assert _attention(portrait("hopper")) == "on_screen"
    cameraman = cv2.cvtColor(skimage.data.camera(), cv2.COLOR_GRAY2BGR)
    assert _attention(cameraman) == "away"


def _shown(images: list[np.ndarray], size: tuple[int, int] | None) -> list[np.ndarray]:
    """The images as a tile shows them, or each as a whole webcam frame of `size`."""
    if size is None:
        return images
    rng = np.random.default_rng(0)
    return [as_webcam_sends_it(image, size, rng) for image in images]


def _share_right(images: list[np.ndarray], looks: np.ndarray) -> tuple[float, float]:
    """Share of faces judged right (on screen or not), and share of those looking away that
    are called on screen."""
    said = np.array([_attention(image) == "on_screen" for image in images])
    return float(np.mean(said == looks)), float(np.sum(said & ~looks) / np.sum(~looks))


@pytest.mark.data
@pytest.mark.parametrize("shown", ["tile", "webcam_720p"])
def test_on_screen_or_not_on_hand_labelled_faces(data_dir: Path, shown: str) -> None:
    """In tiles 122 of 137 right (89 %), 10 of the 70 faces looking away called on screen (one
    network alone, the file before: 123 and 12); the landmark rules before the attention
    network got 106 (77 %), with thresholds chosen on these very faces, and called 22 of the 70
    on screen. As 720p webcam frames: 120, and 8 of the 70 (the frame's oval paste trims these
    tight crops' chins and brows; at 480p, 118 and 9)."""
    images, looks = fer_test(data_dir)
    if SHOWN[shown] is not None:  # the dataset face itself, without the tile's grey frame
        m = FRAME_MARGIN
        images = [image[m:-m, m:-m] for image in images]
    right, missed_away = _share_right(_shown(images, SHOWN[shown]), looks)
    assert right >= 0.86
    assert missed_away <= 0.2


@pytest.mark.data
@pytest.mark.parametrize("shown", SHOWN)
def test_on_screen_or_not_on_hand_labelled_photos(data_dir: Path, shown: str) -> None:
    """In tiles 109 of 130 right (84 %), 15 of the 82 faces looking away called on screen (one
    network alone, the file before: 104 and 19); as 480p and 720p webcam frames 109 and 110,
    16 of the 82. The landmark rules before the attention network got 88 of 130 (68 %):
    they called 31 of the 82 faces looking away on screen (heads turned 10-35 degrees whose
    iris reading cancelled the turn) and 6 smiling faces eyes_closed, because FaceMesh reads
    lids by its face prior (4 of 8 shut eyes here had an eye aspect ratio of 0.28-0.44)."""
    images, looks = wider_test(data_dir)
    right, missed_away = _share_right(_shown(images, SHOWN[shown]), looks)
    assert right >= 0.81
    assert missed_away <= 0.24


@pytest.mark.data
@pytest.mark.parametrize("shown", SHOWN)
def test_lab_recordings_facing_the_camera_are_on_screen(data_dir: Path, shown: str) -> None:
    """CK+: 118 people, each facing a camera at eye level while making a face; the last frame of
    each of the 327 sequences, the strongest expression. In tiles 313 are on screen (96 %); the
    other 14 screw their eyes up to slits or shut (9 of them in disgust) or lower them, and are
    read as eyes closed (12) or away (2). As 480p and 720p webcam frames 316 and 315 are on
    screen. One network alone (the file before) put 318 on screen in tiles and read 6 as
    closed. No CK+ face trained the networks."""
    folder = data_dir / "ckplus48" / "images"
    faces = [
        cv2.imread(str(folder / name), cv2.IMREAD_GRAYSCALE)
        for name in ckplus_peak_frames(data_dir)
    ]
    if SHOWN[shown] is None:
        faces = [framed_face(face) for face in faces]
    said = [_attention(image) for image in _shown(faces, SHOWN[shown])]
    assert len(said) == 327
    assert said.count("on_screen") >= 0.94 * len(said)
