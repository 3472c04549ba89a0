from __future__ import annotations

import numpy as np

from meetwatch.training.augment import augment_batch, random_crops


def test_degrade_zero_keeps_only_geometry() -> None:
    """A flat grey face survives flips and warps unchanged but not exposure or occlusion."""
    flat = np.full((64, 48, 48), 128, np.uint8)
    clean = augment_batch(flat, np.random.default_rng(0), degrade=0.0)
    assert (clean == 128).all()
    degraded = augment_batch(flat, np.random.default_rng(0), degrade=1.0)
    changed = (degraded != 128).any(axis=(1, 2)).mean()
    assert changed > 0.5


def test_random_crops_are_windows_of_the_face() -> None:
    faces = np.arange(4 * 48 * 48, dtype=np.float32).reshape(4, 1, 48, 48)
    crops = random_crops(faces, 44, np.random.default_rng(3))
    assert crops.shape == (4, 1, 44, 44)
    offsets = set()
    for face, crop in zip(faces, crops, strict=True):
        y, x = np.argwhere(face[0] == crop[0, 0, 0])[0]  # every pixel value is unique
        np.testing.assert_array_equal(face[0, y : y + 44, x : x + 44], crop[0])
        offsets.add((int(y), int(x)))
    assert len(offsets) > 1
