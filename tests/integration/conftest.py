"""Fixtures for tests on a real X server (helpers in x11.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.x11 import GalleryLauncher, running_xvfb, using_display


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """A real `Xvfb -screen 0 1920x1080x24` for the whole session, with DISPLAY set to it.

    Skips (with the reason) only when the Xvfb binary is absent.
    """
    with running_xvfb() as display, using_display(display):
        yield display


@pytest.fixture
def galleries(xvfb_display: str, tmp_path: Path) -> Iterator[GalleryLauncher]:
    """`galleries.show(title, image, position)` opens a meeting-like window on the current
    DISPLAY; all of them are closed after the test."""
    launcher = GalleryLauncher(tmp_path)
    yield launcher
    launcher.close_all()
