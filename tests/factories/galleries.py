"""Meeting galleries built from real dataset faces (FER-2013 and CK+), for layout and face tests.

Loading FER-2013 takes a second and galleries reuse the same faces, so `real_faces` is cached
for the whole test session. Only FER-2013 images that every FER+ annotator saw as a face
(no "not a face" vote) are used, mixed with CK+ peak frames from distinct subjects.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import cv2
import numpy as np

from meetwatch.demo.gallery import Gallery, render_gallery
from meetwatch.demo.styles import StyleName
from meetwatch.demo.webcam import webcam_frame
from meetwatch.geometry import Rect

_NOT_A_FACE = 9  # FER+ column "NF"
_UPSCALE = 3  # 48 px dataset faces -> 144 px, closer to a webcam face in a big tile


@functools.lru_cache(maxsize=4)
def real_faces(data_dir: Path, n: int = 64, seed: int = 0) -> tuple[np.ndarray, ...]:
    """n grayscale faces, upscaled with bicubic interpolation: half FER-2013, half CK+."""
    rng = np.random.default_rng(seed)
    with np.load(data_dir / "fer2013" / "fer2013.npz") as fer:  # each key decompresses anew
        x, votes = fer["x"], fer["ferplus_votes"]
    usable = np.flatnonzero((votes[:, _NOT_A_FACE] == 0) & (votes[:, 0] >= 0))
    picks = [x[i] for i in rng.choice(usable, n - n // 2, replace=False)]
    ck_files = sorted((data_dir / "ckplus48" / "images").glob("*/*.png"))
    for path in rng.choice(np.array(ck_files, dtype=object), n // 2, replace=False):
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is not None:
            picks.append(image)
    order = rng.permutation(len(picks))
    return tuple(
        cv2.resize(picks[i], None, fx=_UPSCALE, fy=_UPSCALE, interpolation=cv2.INTER_CUBIC)
        for i in order
    )


def ckplus_peak_frames(data_dir: Path, label: str | None = None) -> list[str]:
    """The last frame of each CK+ sequence, its strongest expression, as a path under images/;
    `label` keeps one expression's sequences."""
    with (data_dir / "ckplus48" / "labels.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if label in (None, r["label"])]
    # rows run through each sequence in frame order, so the file kept per sequence is its last
    return list({(r["subject"], r["sequence"]): r["file"] for r in rows}.values())


def as_webcam_sends_it(
    face: np.ndarray | None, size: tuple[int, int], rng: np.random.Generator
) -> np.ndarray:
    """One person's whole webcam frame as a meeting app receives it: the face at 35-60 % of the
    height over a room and shoulders, sensor noise, then JPEG at quality 80 (the stream's
    compression). With no face, the room with nobody before the camera (the same room for the
    same rng state: it is drawn first)."""
    return webcam_sent_with_box(face, size, rng)[0]


def webcam_sent_with_box(
    face: np.ndarray | None, size: tuple[int, int], rng: np.random.Generator
) -> tuple[np.ndarray, tuple[Rect, ...]]:
    """`as_webcam_sends_it`, and the drawn face's box (none for the empty room)."""
    frame, boxes = webcam_frame([] if face is None else [face], *size, rng)
    jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])[1]
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR), boxes


def make_gallery(
    data_dir: Path,
    n_tiles: int,
    style: StyleName = "zoom",
    *,
    seed: int = 0,
    camera_off: frozenset[int] = frozenset(),
    speaker: int | None = None,
    two_people: frozenset[int] = frozenset(),
    size: tuple[int, int] = (1920, 1080),
) -> Gallery:
    """A gallery of real faces; the seed picks which faces and how each webcam looks."""
    faces = real_faces(data_dir)
    start = (seed * 7) % len(faces)
    rotated = faces[start:] + faces[:start]
    return render_gallery(
        rotated,
        n_tiles,
        style,
        size,
        camera_off=camera_off,
        speaker=speaker,
        rng=np.random.default_rng(seed),
        two_people=two_people,
    )
