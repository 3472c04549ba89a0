"""Image sizes read from real files' headers, and files refused before they are decoded."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from meetwatch.capture.files import MAX_IMAGE_SIDE, ImageSource, VideoSource
from meetwatch.capture.image_header import ImageHeader, read_header
from meetwatch.capture.source import SourceBase
from meetwatch.errors import CaptureError

SIZE = (37, 21)  # width, height: odd numbers, so swapped fields would show


def _picture() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (SIZE[1], SIZE[0], 3), dtype=np.uint8)


@pytest.mark.parametrize(
    ("suffix", "kind"), [(".png", "PNG"), (".jpg", "JPEG"), (".bmp", "BMP"), (".tiff", "TIFF")]
)
def test_opencv_files(suffix: str, kind: str) -> None:
    ok, data = cv2.imencode(suffix, _picture())
    assert ok
    assert read_header(data.tobytes()) == ImageHeader(kind, *SIZE)


@pytest.mark.parametrize(
    ("fmt", "options", "kind"),
    [
        ("GIF", {}, "GIF"),
        ("JPEG", {"progressive": True, "exif": b"Exif\x00\x00" + b"\x00" * 30_000}, "JPEG"),
        ("WEBP", {"lossless": True}, "WebP"),
        ("WEBP", {"quality": 80}, "WebP"),
        ("TIFF", {"compression": "tiff_lzw"}, "TIFF"),
        ("BMP", {}, "BMP"),
    ],
)
def test_pillow_files(tmp_path: Path, fmt: str, options: dict[str, object], kind: str) -> None:
    path = tmp_path / f"picture.{fmt.lower()}"
    Image.fromarray(_picture()).save(path, fmt, **options)
    assert read_header(path.read_bytes()) == ImageHeader(kind, *SIZE)


def test_not_an_image() -> None:
    assert read_header(b"\x00\x00\x00\x18ftypmp42" + bytes(100)) is None
    assert read_header(b"") is None
    assert read_header(b"\x89PNG\r\n\x1a\n") == ImageHeader("PNG")  # truncated: size unknown


def _png_declaring(width: int, height: int) -> bytes:
    """A small real PNG whose header is rewritten to declare another size (CRC fixed), as a
    crafted or damaged file would."""
    ok, data = cv2.imencode(".png", _picture())
    assert ok
    png = bytearray(data.tobytes())
    png[16:24] = struct.pack(">II", width, height)
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    return bytes(png)


@pytest.mark.parametrize("size", [(30_000, 30_000), (20_000, 20_000), (MAX_IMAGE_SIDE + 1, 10)])
def test_an_image_declaring_too_many_pixels_is_refused_unread(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    path = tmp_path / "huge.png"
    path.write_bytes(_png_declaring(*size))
    with pytest.raises(CaptureError, match=f"declares {size[0]}x{size[1]} pixels"):
        ImageSource(path).open()


def test_an_image_declaring_no_pixels_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(_png_declaring(0, 5))
    with pytest.raises(CaptureError, match="declares 0x5 pixels"):
        ImageSource(path).open()


def test_a_picture_named_like_a_video_is_named_for_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "meeting.mp4"
    _ok, data = cv2.imencode(".png", _picture())
    path.write_bytes(data.tobytes())
    with pytest.raises(CaptureError, match=r"is a PNG image, not a video.*\.png"):
        VideoSource(path).open()


class _Replay(SourceBase):
    """Frames with given timestamps, as a broken stream would deliver them."""

    def __init__(self, stamps: list[float]) -> None:
        super().__init__()
        self._stamps = stamps

    def describe(self) -> str:
        return "replay"

    def _open(self) -> None:
        pass

    def read(self) -> None:
        raise NotImplementedError

    def times(self) -> list[float]:
        image = np.zeros((2, 2, 3), np.uint8)
        return [self._frame(image, t).timestamp for t in self._stamps]


def test_timestamps_never_go_back_and_are_always_finite() -> None:
    source = _Replay([float("nan"), -3.7e20, 5.0, 4.0, float("inf"), 6.0, float("-inf"), 7.5])
    with source:
        assert source.times() == [0.0, 0.0, 5.0, 5.0, 5.0, 6.0, 6.0, 7.5]
