"""The only package that imports PyQt6; the core never depends on it.

opencv-python(-contrib) wheels point QT_QPA_PLATFORM_PLUGIN_PATH and QT_QPA_FONTDIR at their
bundled Qt5 plugins when cv2 is imported (mediapipe imports cv2). Qt6 then loads the wrong
platform plugin or none at all ("could not load the Qt platform plugin xcb"), so every
QApplication here is created through `application()`, which removes those paths first.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PyQt6.QtWidgets import QApplication

_QT_PATH_VARIABLES = ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_PLUGIN_PATH", "QT_QPA_FONTDIR")
_FOREIGN_QT_PACKAGES = {"cv2", "mediapipe"}


def clean_qt_environment() -> list[str]:
    """Drop Qt path variables that point into cv2/mediapipe; returns the names removed.

    Paths a user set deliberately (anything else) are kept.
    """
    removed = []
    for name in _QT_PATH_VARIABLES:
        value = os.environ.get(name)
        if value and any(
            _FOREIGN_QT_PACKAGES & set(Path(p).parts) for p in value.split(os.pathsep)
        ):
            del os.environ[name]
            removed.append(name)
    return removed


def application() -> QApplication:
    """The process's QApplication, created (with a clean environment) on first use."""
    clean_qt_environment()
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(["meetwatch"])  # argv[0] becomes the X11 WM_CLASS
    assert isinstance(app, QApplication)
    return app
