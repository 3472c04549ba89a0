"""Shared fixtures. Datasets come from MEETWATCH_DATA (or a `shared/data` folder beside the
checkout); tests that need them skip cleanly when absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts"


def _find_data() -> Path | None:
    env = os.environ.get("MEETWATCH_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if (c / "README.md").is_file() or (c / "fer2013").is_dir():
            return c
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    found = _find_data()
    if found is None:
        pytest.skip("shared datasets absent (set MEETWATCH_DATA)")
    return found


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots and other test artefacts a person may want to look at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
