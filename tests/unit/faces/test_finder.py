"""FaceFinder on real faces: single portraits, two people in one tile, edge cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from meetwatch.capture.frame import Frame
from meetwatch.faces.faces import NUM_LANDMARKS, Faces
from meetwatch.faces.finder import REDETECT_EVERY, FaceFinder
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tile, Tiles
from tests.factories.layouts import LayoutCase, build
from tests.unit.faces.portraits import PORTRAITS, find, finder, portrait, whole_image_tiles

# Where the faces are, checked by eye on the images (x, y, w, h): forehead to chin.
FACE_REGION = {"astronaut": Rect(165, 55, 120, 135), "hopper": Rect(150, 110, 240, 260)}


def _inside(points: np.ndarray, r: Rect, margin: float = 0.0) -> np.ndarray:
    mx, my = r.w * margin, r.h * margin
    x, y = points[..., 0], points[..., 1]
    return (x >= r.x - mx) & (x <= r.x + r.w + mx) & (y >= r.y - my) & (y <= r.y + r.h + my)


@pytest.mark.parametrize("name", PORTRAITS)
def test_portrait_face_found_with_landmarks_inside_its_box(name: str) -> None:
    faces = find(portrait(name))
    assert len(faces) == 1
    assert faces.landmarks.shape == (1, NUM_LANDMARKS, 3)
    assert faces.slots.tolist() == [0] and 0.5 < faces.scores[0] <= 1.0
    box = Rect(*(int(v) for v in faces.boxes[0]))
    assert box.iou(FACE_REGION[name]) > 0.5
    lm = faces.landmarks[0]
    # Eyes, irises, nose and mouth lie in the detector's box; the whole mesh (forehead and
    # chin reach a little past it) lies in the box grown by 15 % each side.
    core = [1, 4, 33, 133, 263, 362, 468, 473, 61, 291, 13, 14]
    assert _inside(lm[core], box).all()
    assert _inside(lm, box, margin=0.15).all()
    # Anatomy, not noise: image-left eye left of the nose, both eyes above it, chin lowest.
    assert lm[33, 0] < lm[1, 0] < lm[263, 0]
    assert max(lm[33, 1], lm[263, 1]) < lm[1, 1] < lm[152, 1]


def test_faces_are_mapped_back_from_a_tile_offset_in_the_frame() -> None:
    """The same portrait pasted into a tile of a bigger frame gives the same landmarks, shifted."""
    face = portrait("astronaut")
    alone = find(face).landmarks[0]
    frame_img = np.full((1080, 1920, 3), 30, np.uint8)
    ox, oy = 1100, 400
    frame_img[oy : oy + 512, ox : ox + 512] = face
    tiles = Tiles(
        0,
        0.0,
        (1920, 1080),
        (Tile(7, Rect(ox, oy, 512, 512)), Tile(3, Rect(0, 0, 600, 300))),  # 2nd tile is empty
        "grid",
        (1, 2),
    )
    faces = finder().find(Frame(frame_img, 1.5, 42, "t"), tiles)
    assert (faces.frame_index, faces.timestamp) == (42, 1.5)
    assert faces.slots.tolist() == [7]
    shifted = faces.landmarks[0] - np.array([ox, oy, 0], np.float32)
    assert np.abs(shifted[:, :2] - alone[:, :2]).max() < 1.0


def test_two_people_in_one_tile_are_both_found() -> None:
    a, b = portrait("astronaut"), portrait("hopper")[:512, :512]
    tile = np.concatenate([a, b], axis=1)  # two people side by side, 1024 x 512
    faces = find(tile)
    assert len(faces) == 2
    assert sorted(faces.slots.tolist()) == [0, 0]
    order = np.argsort(faces.boxes[:, 0])
    astronaut_face, hopper_face = (Rect(*(int(v) for v in faces.boxes[i])) for i in order)
    assert astronaut_face.iou(FACE_REGION["astronaut"]) > 0.5
    hopper_region = FACE_REGION["hopper"]
    shifted = Rect(hopper_region.x + 512, hopper_region.y, hopper_region.w, hopper_region.h)
    assert hopper_face.iou(shifted) > 0.5
    # Each mesh belongs to its own face, not to the neighbour reaching into its crop.
    for i, r in zip(order, (astronaut_face, hopper_face), strict=True):
        assert _inside(faces.landmarks[i, [1, 33, 263]], r).all()


def test_no_face_camera_off_and_missing_frames_give_no_faces() -> None:
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)
    assert len(find(noise)) == 0
    assert len(find(np.zeros((360, 640, 3), np.uint8))) == 0
    face = portrait("astronaut")
    h, w = face.shape[:2]
    off = Tiles(0, 0.0, (w, h), (Tile(0, Rect(0, 0, w, h), kind="camera_off"),), "grid")
    assert len(finder().find(Frame(face, 0.0, 0, "t"), off)) == 0  # a profile photo, not live
    missing = Frame(face, 0.0, 0, "t", missing=True)
    assert len(finder().find(missing, whole_image_tiles(face))) == 0
    tiny = Tiles(0, 0.0, (w, h), (Tile(0, Rect(0, 0, 12, 12)),), "grid")
    assert len(finder().find(Frame(face, 0.0, 0, "t"), tiny)) == 0


def test_stats_count_what_was_searched() -> None:
    find(portrait("hopper"))
    stats = finder().last_stats
    assert (stats.tiles, stats.detections, stats.faces) == (1, 1, 1)
    assert stats.detect_seconds > 0 and stats.mesh_seconds > 0


def test_tiles_from_another_frame_size_are_rejected() -> None:
    face = portrait("astronaut")
    with pytest.raises(ValueError, match="frame"):
        finder().find(Frame(face, 0.0, 0, "t"), whole_image_tiles(face[:100]))


def test_closed_finder_refuses_work_and_closes_once() -> None:
    with FaceFinder() as f:
        assert (
            len(
                f.find(
                    Frame(portrait("astronaut"), 0.0, 0, "t"),
                    whole_image_tiles(portrait("astronaut")),
                )
            )
            == 1
        )
    f.close()  # second close is harmless
    with pytest.raises(ValueError, match="close"):
        f.find(Frame(portrait("astronaut"), 0.0, 0, "t"), whole_image_tiles(portrait("astronaut")))


def test_bad_confidence_is_rejected() -> None:
    with pytest.raises(ValueError, match="confidence"):
        FaceFinder(min_detection_confidence=1.5)


def test_empty_faces_from_mediapipe() -> None:
    faces = Faces.from_mediapipe(3, 2.0, [])
    assert len(faces) == 0 and faces.landmarks.shape == (0, NUM_LANDMARKS, 3)


@pytest.mark.data
def test_a_hard_face_in_a_tile_left_faceless_is_found_within_the_redetect_period(
    data_dir: Path,
) -> None:
    """A painted, screaming face (FER-2013; ten annotators call it a face) that only the whole
    search finds: at once in a new tile, and within REDETECT_EVERY frames in a tile that was
    faceless, where the frames between run the quick search alone."""
    scene = build(data_dir, LayoutCase("hard-face", "teams", 13))
    gt = scene.tiles[12]
    h, w = scene.image.shape[:2]
    tiles = Tiles(0, 0.0, (w, h), (Tile(gt.slot, gt.rect),), "grid")
    face = gt.faces[0]
    away = scene.image.copy()
    away[face.y : face.y + face.h, face.x : face.x + face.w] = np.median(
        scene.image[gt.rect.y : gt.rect.y + gt.rect.h, gt.rect.x : gt.rect.x + gt.rect.w],
        axis=(0, 1),
    )
    with FaceFinder() as fresh:
        assert len(fresh.find(Frame(scene.image, 0.0, 0, "t"), tiles)) == 1
        assert len(fresh.find(Frame(away, 1.0, 1, "t"), tiles)) == 0
        first = next(
            (
                i
                for i in range(1, REDETECT_EVERY + 2)
                if len(fresh.find(Frame(scene.image, 1.0 + i, 1 + i, "t"), tiles))
            ),
            None,
        )
    assert first is not None and first <= REDETECT_EVERY
