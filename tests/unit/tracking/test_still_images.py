"""A still image is judged as a still image: closed eyes and looking away from one frame.

Faces are real: FER-2013 faces picked by their landmarks (not by eye), the portraits shipped
with scikit-image and matplotlib, and 137 FER-2013 faces labelled by hand as looking at the
camera or not (fer_attention_labels.csv: FER-2013 row, 1 = looks at the camera; a random
sample plus faces that looked down, aside or had low eye openness, ambiguous ones left out),
and 130 WIDER FACE photos labelled the same way (wider_attention_labels.csv: every face of the
subset at least 40 px high that the finder finds alone in its crop, sunglasses, masks, posters
of a poster and unclear ones left out), which show faces at tile sizes (40-200 px) instead of
48 px ones upscaled.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from meetwatch.analysis.analyzer import Analyzer
from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import render_gallery
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tile, Tiles
from meetwatch.tracking.config import TrackingConfig
from meetwatch.tracking.tracker import Tracker
from tests.factories.cli import meetwatch
from tests.unit.faces.portraits import dataset_face, finder, portrait

LABELS = Path(__file__).with_name("fer_attention_labels.csv")
WIDER_LABELS = Path(__file__).with_name("wider_attention_labels.csv")
# FER-2013 rows chosen by landmarks from the first 6,000 usable faces: eye aspect ratio under
# 0.11 with the head within 8 degrees of frontal (eyes shut); head pitch under -25 degrees with
# open eyes and the eyes' direction within 12 degrees of straight ahead (looking down); head
# and eyes within 4 degrees and 0.08 of centre with wide-open eyes (looking at the camera).
CLOSED, DOWN, FRONTAL = 1385, 1219, 91


def _fer(data_dir: Path) -> np.ndarray:
    with np.load(data_dir / "fer2013" / "fer2013.npz") as fer:
        return fer["x"]


def _attention(image: np.ndarray, key: int = 0) -> str:
    """What meetwatch says about the one face of a still image (analysis and tracking).

    Each image gets its own tile slot (`key`): the finder follows the faces of a slot from
    one call to the next, which is right for video and wrong for unrelated images."""
    h, w = image.shape[:2]
    frame = Frame(np.ascontiguousarray(image), 0.0, 0, "test")
    tiles = Tiles(0, 0.0, (w, h), (Tile(key, Rect(0, 0, w, h)),), "single")
    signals = Analyzer(None).analyse(frame, finder().find(frame, tiles))
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
    assert _attention(portrait("astronaut"), 1) == "on_screen"
    assert _attention(portrait("hopper"), 2) == "on_screen"
    cameraman = cv2.cvtColor(skimage.data.camera(), cv2.COLOR_GRAY2BGR)
    assert _attention(cameraman, 3) == "away"


@pytest.mark.data
def test_on_screen_or_not_on_hand_labelled_faces(data_dir: Path) -> None:
    """106 of 137 right (77 %); 22 of the 70 faces not looking at the camera are called on
    screen, 9 of the 67 looking at it are not. The earlier rules (eye openness 0.15, head and
    iris judged apart, iris tolerance 0.9 before calibration) got 94 right (69 %) and called
    41 of the 70 on screen. The thresholds were chosen on these labels, so this is a floor
    that guards them, not a held-out figure; 48 px faces upscaled make FaceMesh's eyes noisy."""
    with LABELS.open(newline="") as f:
        rows = [(int(r["fer_row"]), r["looks_at_camera"] == "1") for r in csv.DictReader(f)]
    x = _fer(data_dir)
    right = missed_away = 0
    for key, (row, looks) in enumerate(rows, start=100):
        on_screen = _attention(dataset_face(x[row]), key) == "on_screen"
        right += on_screen == looks
        missed_away += on_screen and not looks
    away = sum(not looks for _, looks in rows)
    assert right / len(rows) >= 0.75
    assert missed_away / away <= 0.35


def _wider_face(
    data_dir: Path, sizes: dict[str, tuple[float, float]], row: dict[str, str]
) -> np.ndarray:
    """The labelled face and its surroundings (1.8 times its size), with the subset's stretch
    to 416x416 undone so the head's proportions, and so its pose, are the photo's own."""
    ow, oh = sizes[row["file"]]
    fx, fy = (ow / oh, 1.0) if ow >= oh else (1.0, oh / ow)
    image = cv2.imread(str(data_dir / "widerface_val_subset" / "images" / row["file"]))
    image = cv2.resize(image, None, fx=fx, fy=fy, interpolation=cv2.INTER_CUBIC)
    x, y, w, h = (float(row[k]) for k in "xywh")
    cx, cy, half = (x + w / 2) * fx, (y + h / 2) * fy, max(w * fx, h * fy) * 0.9
    x0, y0 = int(max(0.0, cx - half)), int(max(0.0, cy - half))
    return np.ascontiguousarray(image[y0 : int(cy + half), x0 : int(cx + half)])


@pytest.mark.data
def test_on_screen_or_not_on_hand_labelled_photos(data_dir: Path) -> None:
    """88 of 130 right (68 %); 31 of the 82 faces not looking at the camera are called on
    screen (mostly heads turned 10-35 degrees whose iris reading cancels the turn), and 11 of
    the 48 looking at it are not (6 smiling or squinting faces read as eyes closed, 5 with a
    raised or turned head). No threshold was chosen on these photos: searching the rule's
    tolerances on them and on the FER-2013 labels together tops out near 80 %, because
    FaceMesh reads most closed eyes here as open (eye aspect ratio 0.28-0.44 on 4 of 8 shut
    eyes). This guards the figure; better eye and gaze signals are needed to raise it."""
    with (data_dir / "widerface_val_subset" / "boxes.csv").open(newline="") as f:
        sizes = {
            r["file"]: (float(r["orig_width"]), float(r["orig_height"])) for r in csv.DictReader(f)
        }
    with WIDER_LABELS.open(newline="") as f:
        rows = list(csv.DictReader(f))
    right = missed_away = away = 0
    for key, row in enumerate(rows, start=400):
        looks = row["looks_at_camera"] == "1"
        on_screen = _attention(_wider_face(data_dir, sizes, row), key) == "on_screen"
        right += on_screen == looks
        missed_away += on_screen and not looks
        away += not looks
    assert right / len(rows) >= 0.65
    assert missed_away / away <= 0.40
