"""A stand-in meeting window: shows BGR images at their native pixel size under a chosen title.

`meetwatch demo` and the integration tests use it to put a "Zoom Meeting" on a real X
display, so capture, window discovery and the whole pipeline run against a real window
rather than a synthetic frame. Pixels are painted 1:1 (no scaling, no margins) so a test
can compare what was captured with what was shown.

    python -m meetwatch.qt.gallery_window --title "Zoom Meeting" --image-dir DIR --interval-ms 1000
"""

from __future__ import annotations

import argparse
import itertools
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QImage, QPainter, QPaintEvent
from PyQt6.QtWidgets import QWidget

from meetwatch.errors import DataError, MeetwatchError
from meetwatch.qt import application

FrameProvider = Callable[[], np.ndarray | None]
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


class GalleryWindow(QWidget):
    """Calls `provider` every `interval_ms` and shows the image it returns (None: keep)."""

    def __init__(
        self, title: str, provider: FrameProvider | None = None, interval_ms: int = 1000
    ) -> None:
        super().__init__()
        self.setWindowTitle(title)
        self._image = QImage()
        self._provider = provider
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        if provider is not None:
            self._tick()
            self._timer.start(max(1, interval_ms))

    def show_image(self, bgr: np.ndarray) -> None:
        if bgr.dtype != np.uint8 or bgr.ndim != 3 or bgr.shape[2] != 3:
            raise ValueError(f"expected an H x W x 3 uint8 BGR image, got {bgr.shape} {bgr.dtype}")
        h, w = bgr.shape[:2]
        data = bgr.tobytes()
        # copy(): the QImage must own its pixels, `data` is freed when this returns
        self._image = QImage(data, w, h, 3 * w, QImage.Format.Format_BGR888).copy()
        if (self.width(), self.height()) != (w, h):
            self.setFixedSize(w, h)
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        painter.drawImage(0, 0, self._image)
        painter.end()

    def _tick(self) -> None:
        assert self._provider is not None
        image = self._provider()
        if image is not None:
            self.show_image(image)


def image_cycle(directory: Path) -> FrameProvider:
    """A provider that shows the images of `directory` in name order, round and round."""
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"No images ({', '.join(IMAGE_SUFFIXES)}) in {directory}")
    images = []
    for path in files:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise DataError(f"Cannot read image {path}")
        images.append(image)
    return itertools.cycle(images).__next__


def run_gallery(
    title: str,
    provider: FrameProvider,
    interval_ms: int = 1000,
    position: tuple[int, int] | None = None,
) -> int:
    """Show a GalleryWindow until it is closed; returns the Qt exit code."""
    app = application()
    window = GalleryWindow(title, provider, interval_ms)
    if position is not None:
        window.move(*position)
    window.show()
    return app.exec()


def _position(text: str) -> tuple[int, int]:
    try:
        x, y = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected X,Y, got {text!r}") from None
    return x, y


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--title", default="Zoom Meeting - meetwatch demo")
    parser.add_argument("--image-dir", type=Path, required=True)
    parser.add_argument("--interval-ms", type=int, default=1000)
    parser.add_argument("--position", type=_position, help="X,Y of the window on screen")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Qt's loop would swallow Ctrl-C
    try:
        provider = image_cycle(args.image_dir)
    except (MeetwatchError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return run_gallery(args.title, provider, args.interval_ms, args.position)


if __name__ == "__main__":
    sys.exit(main())
