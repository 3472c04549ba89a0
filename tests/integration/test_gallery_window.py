"""The demo/test gallery window: a real Qt window on Xvfb, driven as its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import skimage.data

from meetwatch.capture import WindowSource
from meetwatch.qt import clean_qt_environment
from tests.integration.test_capture_xvfb import read_until
from tests.integration.x11 import GalleryLauncher, same_pixels

ASTRONAUT = np.ascontiguousarray(skimage.data.astronaut()[:, :, ::-1])
TITLE = "Zoom Meeting - meetwatch demo"


@pytest.mark.xvfb
def test_gallery_window_cycles_through_its_images(galleries: GalleryLauncher) -> None:
    mirrored = np.ascontiguousarray(ASTRONAUT[:, ::-1])
    galleries.show(TITLE, ASTRONAUT, (10, 10), then=[mirrored], interval_ms=200)
    with WindowSource(TITLE) as source:
        read_until(source, lambda f: same_pixels(f.image, mirrored), "the second image")
        read_until(source, lambda f: same_pixels(f.image, ASTRONAUT), "the first image again")


def test_gallery_window_without_images_says_so(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "meetwatch.qt.gallery_window", "--image-dir", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: No images (.png, .jpg, .jpeg, .bmp, .webp) in {tmp_path}"


def test_qt_paths_from_opencv_are_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    cv2_qt = Path("/venv/lib/python3.11/site-packages/cv2/qt")
    monkeypatch.setenv("QT_QPA_PLATFORM_PLUGIN_PATH", str(cv2_qt / "plugins"))
    monkeypatch.setenv("QT_QPA_FONTDIR", str(cv2_qt / "fonts"))
    monkeypatch.setenv("QT_PLUGIN_PATH", "/opt/my-qt/plugins")  # the user's own: kept
    assert clean_qt_environment() == ["QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"]
    assert "QT_QPA_PLATFORM_PLUGIN_PATH" not in os.environ
    assert os.environ["QT_PLUGIN_PATH"] == "/opt/my-qt/plugins"
