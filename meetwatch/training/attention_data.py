"""Faces labelled for attention, cut the way the product cuts them.

Four sets, each a CSV in attention_labels/ next to this file (labels only; the images stay
in the data folder):
- fer_train.csv: 2,583 FER-2013 Training faces labelled at_camera, away or eyes_closed by
  hand from contact sheets (a random sample, faces whose landmarks looked down, aside or
  shut, faces an early network found uncertain or shut, frontal faces a trained one read as
  away, and, last, 353 faces where the head and the eyes can point different ways: frontal
  heads whose iris landmarks sit off-centre and that the network read at the camera, turned
  heads it read as away; sunglasses, drawings, masks and unclear faces left out).
- wider_train.csv: 158 faces of 24-200 px from WIDER FACE photos that give no face to
  wider_test.csv (split by photo), labelled the same way: colour photos with real blur,
  light and compression, the closest to a webcam's faces here.
- fer_test.csv: 137 other FER-2013 faces, 1 = looks at the camera.
- wider_test.csv: 130 WIDER FACE photos, 1 = looks at the camera; faces of 40-200 px as in
  meeting tiles, from another dataset altogether.
The two training sets train the attention network; the two test sets are held out.
Each face goes through FaceFinder and the FaceMesh alignment of meetwatch.analysis, so
training, evaluation and the product see the same crops.
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from meetwatch.analysis.emotion import aligned_crops
from meetwatch.analysis.looks import LOOKS
from meetwatch.capture.frame import Frame
from meetwatch.errors import DataError
from meetwatch.faces.finder import FaceFinder
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tile, Tiles
from meetwatch.training.data import load_fer2013

LABELS = Path(__file__).with_name("attention_labels")


FRAME_MARGIN = 96  # grey border round a framed face (px)


def framed_face(gray: np.ndarray, face_px: int = 96, margin: int = FRAME_MARGIN) -> np.ndarray:
    """A 48x48 dataset face upscaled and framed so the detector sees it as in a webcam tile."""
    face = cv2.resize(gray, (face_px, face_px), interpolation=cv2.INTER_CUBIC)
    img = cv2.copyMakeBorder(
        face, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=(90, 90, 90)
    )
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


def wider_face(
    image: np.ndarray, orig_size: tuple[float, float], box: tuple[float, ...]
) -> np.ndarray:
    """A WIDER FACE face and its surroundings (1.8 times its size) from the subset's 416x416
    image, with the subset's stretch undone so the head's proportions, and so its pose, are
    the photo's own."""
    ow, oh = orig_size
    fx, fy = (ow / oh, 1.0) if ow >= oh else (1.0, oh / ow)
    image = cv2.resize(image, None, fx=fx, fy=fy, interpolation=cv2.INTER_CUBIC)
    x, y, w, h = box
    cx, cy, half = (x + w / 2) * fx, (y + h / 2) * fy, max(w * fx, h * fy) * 0.9
    x0, y0 = int(max(0.0, cx - half)), int(max(0.0, cy - half))
    return np.ascontiguousarray(image[y0 : int(cy + half), x0 : int(cx + half)])


def _rows(name: str) -> list[dict[str, str]]:
    with (LABELS / name).open(newline="") as f:
        return list(csv.DictReader(f))


def _fer_faces(root: Path, name: str) -> tuple[list[np.ndarray], list[dict[str, str]]]:
    x = load_fer2013(root).x
    rows = _rows(name)
    return [framed_face(x[int(r["fer_row"])]) for r in rows], rows


def fer_train(root: Path) -> tuple[list[np.ndarray], np.ndarray]:
    """Framed FER-2013 faces and their LOOKS index."""
    images, rows = _fer_faces(root, "fer_train.csv")
    return images, np.array([LOOKS.index(r["look"]) for r in rows])


def fer_test(root: Path) -> tuple[list[np.ndarray], np.ndarray]:
    """Framed FER-2013 faces and whether each looks at the camera."""
    images, rows = _fer_faces(root, "fer_test.csv")
    return images, np.array([r["looks_at_camera"] == "1" for r in rows])


def _wider_faces(root: Path, name: str) -> tuple[list[np.ndarray], list[dict[str, str]]]:
    folder = root / "widerface_val_subset"
    if not (folder / "boxes.csv").is_file():
        raise DataError(f"{folder} has no boxes.csv: is the data folder complete?")
    with (folder / "boxes.csv").open(newline="") as f:
        sizes = {
            r["file"]: (float(r["orig_width"]), float(r["orig_height"])) for r in csv.DictReader(f)
        }
    rows = _rows(name)
    images = [
        wider_face(
            cv2.imread(str(folder / "images" / r["file"])),
            sizes[r["file"]],
            tuple(float(r[k]) for k in "xywh"),
        )
        for r in rows
    ]
    return images, rows


def wider_train(root: Path) -> tuple[list[np.ndarray], np.ndarray]:
    """WIDER FACE photos round the labelled face and its LOOKS index."""
    images, rows = _wider_faces(root, "wider_train.csv")
    return images, np.array([LOOKS.index(r["look"]) for r in rows])


def wider_test(root: Path) -> tuple[list[np.ndarray], np.ndarray]:
    """WIDER FACE photos round the labelled face and whether it looks at the camera."""
    images, rows = _wider_faces(root, "wider_test.csv")
    return images, np.array([r["looks_at_camera"] == "1" for r in rows])


def product_crops(images: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The aligned 48x48 crop of the one face found in each image, and which images had one
    (a face the finder misses, or two faces, gives no crop)."""
    crops, found = [], []
    with FaceFinder() as finder:
        for key, image in enumerate(images):
            h, w = image.shape[:2]
            frame = Frame(np.ascontiguousarray(image), 0.0, 0, "training")
            # one slot per image: the finder follows a slot's face from call to call
            tiles = Tiles(0, 0.0, (w, h), (Tile(key, Rect(0, 0, w, h)),), "single")
            faces = finder.find(frame, tiles)
            found.append(len(faces) == 1)
            if len(faces) == 1:
                gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
                crops.append(aligned_crops(gray, faces.landmarks)[0])
    return np.array(crops, np.uint8).reshape(-1, 48, 48), np.array(found, bool)
