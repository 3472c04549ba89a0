"""Head pose: exact on projected model geometry, consistent on real faces."""

from __future__ import annotations

import numpy as np
import pytest

from meetwatch.analysis.headpose import _INDICES, _MODEL, head_pose
from meetwatch.faces.faces import NUM_LANDMARKS
from tests.unit.faces.portraits import PORTRAITS, dataset_face, find_one, flipped, portrait, rotated


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Rotation in camera axes (x right, y down, z away) for the module's documented angles."""
    b, a, c = np.radians([-yaw, -pitch, -roll])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rz @ rx @ ry


def _projected_face(yaw: float, pitch: float, roll: float, at: tuple[float, float]) -> np.ndarray:
    """Landmarks of the model face turned by the given angles, 60 cm from a 1000 px camera."""
    pts = _MODEL @ _rotation(yaw, pitch, roll).T + np.array([0.0, 0.0, 60.0])
    uv = 1000.0 * pts[:, :2] / pts[:, 2:] + np.array(at)
    lm = np.zeros((1, NUM_LANDMARKS, 3), np.float32)
    lm[0, _INDICES, :2] = uv
    return lm


@pytest.mark.parametrize(
    "angles",
    [
        (0, 0, 0),
        (30, 0, 0),
        (-45, 0, 0),
        (0, 20, 0),
        (0, -25, 0),
        (0, 0, 30),
        (20, -10, 15),
        (-35, 15, -10),
    ],
)
def test_recovers_known_angles_with_documented_signs(angles: tuple[float, float, float]) -> None:
    lm = _projected_face(*angles, at=(900.0, 300.0))  # off-centre: the pose must not care
    np.testing.assert_allclose(head_pose(lm, (1000, 800))[0], angles, atol=0.5)


def test_signs_match_what_the_picture_shows() -> None:
    """yaw > 0: nose towards the viewer's right; pitch > 0: nose up; roll > 0: counter-clockwise."""
    frontal = _projected_face(0, 0, 0, at=(500, 400))[0, 1]
    assert _projected_face(30, 0, 0, at=(500, 400))[0, 1, 0] > frontal[0] + 10
    assert _projected_face(0, 20, 0, at=(500, 400))[0, 1, 1] < frontal[1] - 10
    chin = _projected_face(0, 0, 20, at=(500, 400))[0, 152]  # chin swings right when the
    assert chin[0] > 500 + 10  # face turns counter-clockwise on screen


@pytest.mark.parametrize("name", PORTRAITS)
def test_portraits_look_at_the_camera(name: str) -> None:
    img = portrait(name)
    yaw, pitch, roll = head_pose(find_one(img), (img.shape[1], img.shape[0]))[0]
    assert abs(yaw) < 8 and abs(pitch) < 10 and abs(roll) < 8


@pytest.mark.parametrize("name", PORTRAITS)
def test_mirrored_face_mirrors_yaw_and_roll(name: str) -> None:
    img = portrait(name)
    size = (img.shape[1], img.shape[0])
    yaw, pitch, roll = head_pose(find_one(img), size)[0]
    yaw_m, pitch_m, roll_m = head_pose(find_one(flipped(img)), size)[0]
    assert abs(yaw + yaw_m) < 5 and abs(roll + roll_m) < 5 and abs(pitch - pitch_m) < 5


@pytest.mark.parametrize("name", PORTRAITS)
@pytest.mark.parametrize("degrees", [20.0, -20.0])
def test_in_plane_rotation_changes_roll_only(name: str, degrees: float) -> None:
    img = portrait(name)
    size = (img.shape[1], img.shape[0])
    before = head_pose(find_one(img), size)[0]
    after = head_pose(find_one(rotated(img, degrees)), size)[0]
    assert abs((after[2] - before[2]) - degrees) < 6
    assert abs(after[0] - before[0]) < 6 and abs(after[1] - before[1]) < 6


@pytest.mark.data
@pytest.mark.parametrize(("row", "side"), [(32388, 1), (32373, -1)])
def test_turned_dataset_faces(data_dir, row: int, side: int) -> None:
    """FER-2013 faces seen near profile: 32388 faces the viewer's right, 32373 the left."""
    x = np.load(data_dir / "fer2013" / "fer2013.npz")["x"]
    img = dataset_face(x[row])
    size = (img.shape[1], img.shape[0])
    yaw = head_pose(find_one(img), size)[0, 0]
    yaw_m = head_pose(find_one(flipped(img)), size)[0, 0]
    assert side * yaw > 30 and side * yaw_m < -30
    assert abs(yaw + yaw_m) < 12


def test_degenerate_rows_are_nan_and_others_unharmed() -> None:
    good = _projected_face(10, 5, 0, at=(400, 300))[0]
    nan = np.full_like(good, np.nan)
    point = np.zeros_like(good)
    line = good.copy()
    line[:, 1] = 100.0  # every point on one horizontal line
    out = head_pose(np.stack([good, nan, point, line]), (800, 600))
    assert out.shape == (4, 3)
    np.testing.assert_allclose(out[0], (10, 5, 0), atol=0.5)
    assert np.isnan(out[1:3]).all()
    assert np.isnan(out[3]).all() or np.isfinite(out[3]).all()  # no exception either way


def test_empty_and_malformed_input() -> None:
    assert head_pose(np.zeros((0, NUM_LANDMARKS, 3)), (640, 480)).shape == (0, 3)
    with pytest.raises(ValueError, match="landmarks"):
        head_pose(np.zeros((2, 68, 2)), (640, 480))
    with pytest.raises(ValueError, match="frame size"):
        head_pose(np.zeros((1, NUM_LANDMARKS, 3)), (0, 0))
