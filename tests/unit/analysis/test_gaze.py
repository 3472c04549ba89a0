"""Gaze from the iris landmarks of real faces."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from meetwatch.analysis.gaze import gaze
from meetwatch.faces.faces import NUM_LANDMARKS
from tests.unit.faces.portraits import PORTRAITS, dataset_face, find_one, flipped, portrait

LEFT_EYE_IRIS = list(range(468, 473))  # image-left eye
RIGHT_EYE_IRIS = list(range(473, 478))


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return find_one(portrait("astronaut"))


@pytest.mark.parametrize("name", PORTRAITS)
def test_portraits_look_straight_and_mirror(name: str) -> None:
    img = portrait(name)
    g = gaze(find_one(img))[0]
    g_m = gaze(find_one(flipped(img)))[0]
    assert np.abs(g).max() < 0.3
    assert abs(g[0] + g_m[0]) < 0.1 and abs(g[1] - g_m[1]) < 0.1


def _move_iris(lm: np.ndarray, towards: tuple[int, int], fraction: float) -> np.ndarray:
    """Shift each iris towards a landmark of its own eye by a fraction of the distance."""
    out = lm.copy()
    for iris, target in zip((LEFT_EYE_IRIS, RIGHT_EYE_IRIS), towards, strict=True):
        centre = out[0, iris[0]]
        out[0, iris] += fraction * (out[0, target] - centre)
    return out


def test_iris_moved_inside_the_real_eye_moves_gaze(astronaut: np.ndarray) -> None:
    base = gaze(astronaut)[0]
    right = gaze(_move_iris(astronaut, (133, 263), 0.5))[0]  # towards image-right corners
    left = gaze(_move_iris(astronaut, (33, 362), 0.5))[0]
    up = gaze(_move_iris(astronaut, (159, 386), 0.5))[0]  # towards the upper lids
    assert right[0] > base[0] + 0.3 and left[0] < base[0] - 0.3
    assert up[1] > base[1] + 0.3 and abs(up[0] - base[0]) < 0.15
    assert np.abs(np.stack([right, left, up])).max() <= 1.0


def test_closed_eyes_have_no_vertical_gaze(astronaut: np.ndarray) -> None:
    closed = astronaut.copy()
    for upper, lower in ((159, 145), (386, 374)):
        closed[0, lower] = closed[0, upper]
    g = gaze(closed)[0]
    assert np.isfinite(g[0]) and np.isnan(g[1])


@pytest.mark.data
@pytest.mark.parametrize("row", [32192, 32317, 32404])
def test_dataset_faces_looking_sideways(data_dir, row: int) -> None:
    """FER-2013 faces whose irises sit visibly towards the image right (checked by eye)."""
    x = np.load(data_dir / "fer2013" / "fer2013.npz")["x"]
    img = dataset_face(x[row])
    assert gaze(find_one(img))[0, 0] > 0.2
    assert gaze(find_one(flipped(img)))[0, 0] < -0.2


def test_degenerate_input_gives_nan_without_warnings() -> None:
    lm = np.zeros((2, NUM_LANDMARKS, 3))
    lm[1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = gaze(lm)
    assert out.shape == (2, 2) and np.isnan(out).all()
    assert gaze(np.zeros((0, NUM_LANDMARKS, 3))).shape == (0, 2)
    with pytest.raises(ValueError, match="iris"):
        gaze(np.zeros((1, 468, 3)))
