"""Blank-frame detection: a window hidden from capture (black or one flat colour) is told
apart from a real gallery, even a very dark one."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch.capture.blank import (
    BLOCKED_AFTER_FRAMES,
    BLOCKED_AFTER_SECONDS,
    BlankWatch,
    CaptureBlocked,
    is_blank,
)
from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from tests.factories.galleries import make_gallery

HD = (1080, 1920, 3)


def _noisy(colour: tuple[int, int, int], sigma: float, seed: int = 0) -> np.ndarray:
    """A flat colour with sensor/compression-like noise, as a protected window may come."""
    noise = np.random.default_rng(seed).normal(0, sigma, HD)
    return np.clip(np.array(colour, float) + noise, 0, 255).astype(np.uint8)


def _demo_gallery(brightness: float) -> np.ndarray:
    faces = demo_faces(9, np.random.default_rng(1))
    image = render_gallery(faces, 9, "zoom", rng=np.random.default_rng(2)).image
    return (image.astype(np.float32) * brightness).astype(np.uint8)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros(HD, np.uint8),
        np.full(HD, 255, np.uint8),
        np.full(HD, (32, 32, 32), np.uint8),
        _noisy((40, 40, 40), 4.0),
        _noisy((200, 120, 30), 6.0, seed=1),
    ],
    ids=["black", "white", "dark grey", "noisy grey", "noisy orange"],
)
def test_flat_frames_are_blank(image: np.ndarray) -> None:
    assert is_blank(image)


@pytest.mark.parametrize("brightness", [1.0, 0.25, 0.1])
def test_a_gallery_of_faces_is_not_blank_however_dark(brightness: float) -> None:
    assert not is_blank(_demo_gallery(brightness))


@pytest.mark.data
@pytest.mark.parametrize("tiles", [1, 9, 49])
def test_dark_galleries_of_dataset_faces_are_not_blank(data_dir: Path, tiles: int) -> None:
    image = make_gallery(data_dir, tiles, "teams", seed=tiles).image
    assert not is_blank((image.astype(np.float32) * 0.15).astype(np.uint8))


def test_a_small_face_on_a_black_8k_screen_is_not_blank() -> None:
    screen = np.zeros((4320, 7680, 3), np.uint8)
    screen[-256:, -256:] = cv2.resize(demo_faces(1)[0], (256, 256))
    assert not is_blank(screen)


def test_tiny_images_are_not_judged() -> None:
    assert not is_blank(np.zeros((1, 1, 3), np.uint8))
    assert not is_blank(np.zeros((40, 600, 3), np.uint8))


def test_blankness_stops_capture_only_once_it_lasts_frames_and_seconds() -> None:
    watch = BlankWatch()
    black, gallery = np.zeros(HD, np.uint8), _demo_gallery(1.0)
    # many blank frames in quick succession (a repaint polled fast): missing, never blocked
    assert all(watch.check(black, i * 0.05, "w") for i in range(20))
    assert not watch.check(gallery, 2.0, "w")  # a real frame starts the count again
    t = 10.0
    for _ in range(BLOCKED_AFTER_FRAMES - 1):
        assert watch.check(black, t, "Capture of window:Zoom")
        t += 1.0
    assert t - 10.0 >= BLOCKED_AFTER_SECONDS
    with pytest.raises(CaptureBlocked) as info:
        watch.check(black, t, "Capture of window:Zoom")
    message = str(info.value)
    assert message.startswith("Capture of window:Zoom has shown only one flat colour for 4 s")
    assert "hiding its window from screen capture" in message and "no face" in message


def test_a_dark_gallery_never_stops_capture() -> None:
    watch = BlankWatch()
    dark = _demo_gallery(0.1)
    assert not any(watch.check(dark, float(t), "w") for t in range(30))
