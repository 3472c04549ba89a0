"""What an image file says about itself before anything is decoded: its format and size.

A decoder allocates the whole picture from the size in the header, so a 1 MB PNG that
declares 30000 x 30000 pixels costs 2.7 GB (and crashed the process) before the first row
is read. Reading the header first lets meetwatch refuse such a file with one line. The
formats covered are those OpenCV decodes that users have (PNG, JPEG, GIF, BMP, WebP, TIFF);
anything else is still bounded by OpenCV's own limit, which meetwatch sets to the same
number (OPENCV_IO_MAX_IMAGE_PIXELS).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
# JPEG start-of-frame markers (baseline, progressive, ...): every C0-CF but DHT, JPG and DAC
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True)
class ImageHeader:
    kind: str  # "PNG", "JPEG", ...
    width: int | None = None  # None: the header could not be read (truncated, odd)
    height: int | None = None


def image_kind(head: bytes) -> str | None:
    """The image format these first bytes begin, or None for anything else (a video)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return next((kind for signature, kind in _SIGNATURES if head.startswith(signature)), None)


def read_header(data: bytes) -> ImageHeader | None:
    """Format and declared size of an image file's bytes; None when it is no image format
    known here. A size that cannot be read is left None (the decoder then decides)."""
    kind = image_kind(data[:16])
    if kind is None:
        return None
    try:
        size = _SIZE_READERS[kind](data)
    except (struct.error, IndexError, ValueError):
        size = None
    return ImageHeader(kind, *size) if size else ImageHeader(kind)


def _png(data: bytes) -> tuple[int, int] | None:
    if data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _gif(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack("<HH", data[6:10])
    return int(width), int(height)


def _bmp(data: bytes) -> tuple[int, int]:
    (dib,) = struct.unpack("<I", data[14:18])
    if dib == 12:  # OS/2 BITMAPCOREHEADER
        width, height = struct.unpack("<HH", data[18:22])
    else:
        width, height = struct.unpack("<ii", data[18:26])  # negative height: top-down rows
    return abs(int(width)), abs(int(height))


def _jpeg(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L":
        (bits,) = struct.unpack("<I", data[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def _tiff(data: bytes) -> tuple[int, int] | None:
    order = "<" if data[:2] == b"II" else ">"
    (offset,) = struct.unpack(order + "I", data[4:8])
    (count,) = struct.unpack(order + "H", data[offset : offset + 2])
    found: dict[int, int] = {}
    for n in range(count):
        entry = data[offset + 2 + 12 * n : offset + 14 + 12 * n]
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag in (256, 257):  # ImageWidth, ImageLength: SHORT (3) or LONG (4)
            fmt = order + ("H" if kind == 3 else "I")
            found[tag] = int(struct.unpack(fmt, entry[8 : 8 + struct.calcsize(fmt)])[0])
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None


_SIZE_READERS = {
    "PNG": _png,
    "JPEG": _jpeg,
    "GIF": _gif,
    "BMP": _bmp,
    "WebP": _webp,
    "TIFF": _tiff,
}
