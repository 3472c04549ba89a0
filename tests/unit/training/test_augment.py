from __future__ import annotations

import numpy as np

from meetwatch.training.augment import augment_batch


def test_degrade_zero_keeps_only_geometry() -> None:
    """A flat grey face survives flips and warps unchanged but not exposure or occlusion."""
    flat = np.full((64, 48, 48), 128, np.uint8)
    clean = augment_batch(flat, np.random.default_rng(0), degrade=0.0)
    assert (clean == 128).all()
    degraded = augment_batch(flat, np.random.default_rng(0), degrade=1.0)
    changed = (degraded != 128).any(axis=(1, 2)).mean()
    assert changed > 0.5
