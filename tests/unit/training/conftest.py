from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture
def tiny_fer(tmp_path: Path) -> Path:
    """A synthetic FER-2013 archive of 96 noise faces: enough to run every training step."""
    n = 96
    root = tmp_path / "data"
    rng = np.random.default_rng(0)
    (root / "fer2013").mkdir(parents=True)
    votes = rng.integers(0, 4, size=(n, 10)).astype(np.int8)
    votes[::7] = -1  # rows without FER+ entries use their original label
    np.savez(
        root / "fer2013" / "fer2013.npz",
        x=rng.integers(0, 256, size=(n, 48, 48), dtype=np.uint8),
        y=rng.integers(0, 7, size=n).astype(np.int8),
        split=np.array([0] * (n - 32) + [1] * 16 + [2] * 16, np.int8),
        ferplus_votes=votes,
    )
    return root
