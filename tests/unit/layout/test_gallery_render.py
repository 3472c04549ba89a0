"""The synthetic gallery renderer: what it draws agrees with the ground truth it reports."""

from __future__ import annotations

import numpy as np
import pytest

from meetwatch.demo.gallery import (
    demo_faces,
    grid_shape,
    render_gallery,
    render_screen_share,
    render_speaker_view,
)
from meetwatch.demo.styles import STYLES
from meetwatch.errors import ConfigError, DataError


@pytest.mark.parametrize(
    ("n", "shape"),
    [
        (1, (1, 1)),
        (2, (1, 2)),
        (3, (2, 2)),
        (4, (2, 2)),
        (5, (2, 3)),
        (6, (2, 3)),
        (7, (3, 3)),
        (9, (3, 3)),
        (10, (3, 4)),
        (12, (3, 4)),
        (13, (4, 4)),
        (16, (4, 4)),
        (49, (7, 7)),
    ],
)
def test_grid_shape_follows_client_rule(n: int, shape: tuple[int, int]) -> None:
    assert grid_shape(n) == shape


def test_tiles_faces_and_labels_are_where_reported() -> None:
    faces = demo_faces(3)
    gallery = render_gallery(
        faces,
        7,
        "zoom",
        (1280, 720),
        camera_off=frozenset({3}),
        speaker=1,
        two_people=frozenset({5}),
    )
    img = gallery.image
    assert img.shape == (720, 1280, 3) and img.dtype == np.uint8
    bg = np.array(STYLES["zoom"].background)
    assert (img[0, 0] == bg).all()
    rects = [t.rect for t in gallery.tiles]
    assert all(a.intersection(b) == 0 for i, a in enumerate(rects) for b in rects[i + 1 :])
    last_row = rects[6]
    assert abs(last_row.center[0] - 640) <= 1, "the last row is centred"
    for t in gallery.tiles:
        inside = img[t.rect.y : t.rect.y + t.rect.h, t.rect.x : t.rect.x + t.rect.w]
        assert not (inside == bg).all(axis=2).all()
        for f in t.faces:
            assert t.rect.intersection(f) == f.area
        assert t.name_strip is not None and t.rect.intersection(t.name_strip) == t.name_strip.area
    assert [len(t.faces) for t in gallery.tiles] == [1, 1, 1, 0, 1, 2, 1]
    assert [t.kind for t in gallery.tiles].count("camera_off") == 1
    assert [t.active_speaker for t in gallery.tiles] == [i == 1 for i in range(7)]
    for t in gallery.tiles[:3]:
        assert t.face is not None and 0.34 * t.rect.h <= t.face.h <= 0.61 * t.rect.h


def test_face_scale_and_default_seed_are_deterministic() -> None:
    a = render_gallery(demo_faces(2), 4, "teams")
    b = render_gallery(demo_faces(2), 4, "teams")
    assert np.array_equal(a.image, b.image)


def test_speaker_view_and_screen_share_report_their_layout() -> None:
    speaker = render_speaker_view(demo_faces(2), 3, "zoom")
    assert speaker.layout == "speaker" and len(speaker.tiles) == 4
    assert speaker.tiles[0].rect.area > 10 * speaker.tiles[1].rect.area
    share = render_screen_share(demo_faces(2), 3, "meet")
    assert share.layout == "screen_share" and share.share is not None and len(share.tiles) == 3


def test_demo_faces_are_varied_bgr_crops() -> None:
    faces = demo_faces(6)
    assert len(faces) == 6
    assert all(f.ndim == 3 and f.shape[2] == 3 and f.dtype == np.uint8 for f in faces)
    assert len({f.shape for f in faces}) > 1


def test_all_cameras_off_needs_no_faces() -> None:
    gallery = render_gallery([], 2, "meet", camera_off=frozenset({0, 1}))
    assert [t.kind for t in gallery.tiles] == ["camera_off", "camera_off"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"n_tiles": 0}, ConfigError),
        ({"n_tiles": 82}, ConfigError),
        ({"style": "webex"}, ConfigError),
        ({"size": (100, 50)}, ConfigError),
        ({"faces": []}, ConfigError),
        ({"faces": [np.zeros((48, 48), np.float32)]}, DataError),
        ({"faces": [np.zeros((48, 48, 2), np.uint8)]}, DataError),
    ],
)
def test_bad_input_is_one_clear_error(kwargs: dict[str, object], error: type) -> None:
    args: dict[str, object] = {"faces": demo_faces(1), "n_tiles": 4, "style": "zoom"}
    args.update(kwargs)
    with pytest.raises(error):
        render_gallery(**args)  # type: ignore[arg-type]
