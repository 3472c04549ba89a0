"""Qt tests run on the offscreen platform: no display needed, and pixels are the same
everywhere, so tests can grab windows and compare what a person would see."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
# cv2 points this at its bundled Qt5 plugins when imported (mediapipe imports cv2) and PyQt6
# must not see it: import cv2 first so the variable is set now, then drop it.
import cv2  # noqa: F401

os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)

import pytest
from PyQt6.QtWidgets import QApplication

from meetwatch.qt import application


@pytest.fixture(scope="session")
def qapp() -> QApplication:
    return application()
