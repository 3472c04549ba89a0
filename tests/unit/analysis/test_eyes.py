"""Eye aspect ratio on real open, shut and wide-open eyes."""

from __future__ import annotations

import warnings

import cv2
import numpy as np
import pytest

from meetwatch.analysis.eyes import eye_aspect_ratio
from meetwatch.faces.faces import NUM_LANDMARKS
from tests.factories.galleries import ckplus_peak_frames
from tests.unit.faces.portraits import PORTRAITS, dataset_face, find_one, flipped, portrait

# Where the eye aspect ratio separates shut from open eyes on these faces: measured on the 327
# CK+ peak frames (wide-open 0.26-0.41, shut or screwed up 0.04-0.11) and on portraits.
EYES_CLOSED_EAR = 0.20

# Contours of the two eyes (lids and corners), for painting them over.
EYE_CONTOURS = (
    [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246],
    [362, 382, 381, 380, 374, 373, 390, 249, 263, 466, 388, 387, 386, 385, 384, 398],
)


@pytest.mark.parametrize("name", PORTRAITS)
def test_open_eyes_are_open_and_mirror_invariant(name: str) -> None:
    img = portrait(name)
    ear = eye_aspect_ratio(find_one(img))[0]
    assert ear > EYES_CLOSED_EAR + 0.05
    assert abs(eye_aspect_ratio(find_one(flipped(img)))[0] - ear) < 0.03


@pytest.mark.parametrize("name", PORTRAITS)
def test_eyes_painted_over_with_skin_read_less_open(name: str) -> None:
    img = portrait(name)
    lm = find_one(img)[0]
    cheeks = lm[[50, 280], :2].astype(int)
    skin = np.median(img[cheeks[:, 1], cheeks[:, 0]], axis=0)
    painted = img.copy()
    for contour in EYE_CONTOURS:
        hull = cv2.convexHull(lm[contour, :2].astype(np.int32))
        cv2.fillConvexPoly(painted, hull, skin.tolist())
        cv2.polylines(painted, [hull], True, (skin * 0.7).tolist(), 1)  # a lash line
    assert eye_aspect_ratio(find_one(painted))[0] < 0.8 * eye_aspect_ratio(lm[None])[0]


def _lids_closed_by(lm: np.ndarray, fraction: float) -> np.ndarray:
    """Every eye contour point pulled `fraction` of the way onto its corner-to-corner line."""
    out = lm.copy()
    for eye in EYE_CONTOURS:
        a, b = lm[0, eye[0], :2], lm[0, eye[8], :2]
        u = (b - a) / np.linalg.norm(b - a)
        p = lm[0, eye, :2]
        on_line = a + np.outer((p - a) @ u, u)
        out[0, eye, :2] = p + fraction * (on_line - p)
    return out


def test_ear_falls_as_lids_close_and_ignores_face_size() -> None:
    lm = find_one(portrait("astronaut"))
    # lids lowered by a third still read open; half-shut (drowsy) eyes already read closed
    ears = [eye_aspect_ratio(_lids_closed_by(lm, f))[0] for f in (0.0, 0.3, 1.0)]
    assert ears[0] > ears[1] > EYES_CLOSED_EAR > ears[2]
    np.testing.assert_allclose(eye_aspect_ratio(lm * 3.0 + 17.0), eye_aspect_ratio(lm), rtol=1e-5)


def _ckplus(data_dir, names: list[str]) -> np.ndarray:
    root = data_dir / "ckplus48" / "images"
    return np.array(
        [eye_aspect_ratio(find_one(dataset_face(cv2.imread(str(root / n), 0))))[0] for n in names]
    )


@pytest.mark.data
def test_ckplus_shut_and_wide_open_eyes(data_dir) -> None:
    """Shut eyes (frames checked by eye) fall under the threshold, surprised eyes well over it."""
    shut = [
        "sadness/S093_001_00000020.png",
        "disgust/S106_004_00000008.png",
        "disgust/S079_002_00000012.png",
        "anger/S089_003_00000036.png",
    ]
    assert (_ckplus(data_dir, shut) < EYES_CLOSED_EAR).all()
    wide = _ckplus(data_dir, ckplus_peak_frames(data_dir, "surprise")[:20])
    assert (wide > EYES_CLOSED_EAR + 0.03).all() and np.median(wide) > 0.28


def test_degenerate_input_gives_nan_without_warnings() -> None:
    lm = np.zeros((2, NUM_LANDMARKS, 3))
    lm[1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = eye_aspect_ratio(lm)
    assert out.shape == (2,) and np.isnan(out).all()
    assert eye_aspect_ratio(np.zeros((0, NUM_LANDMARKS, 3))).shape == (0,)
    with pytest.raises(ValueError, match="landmarks"):
        eye_aspect_ratio(np.zeros((1, 68, 2)))
