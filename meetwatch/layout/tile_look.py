"""What the found tiles show: camera off or a camera, a shared slide, a content signature.

The per-tile tests read a fixed grid of sample pixels gathered for all tiles in one fancy-index
operation, so judging 49 tiles costs about as much as judging one.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from meetwatch.geometry import Rect

_SAMPLE = (48, 27)  # nearest pixels, not averages: exact values tell flat colour from video
_FLAT_TOLERANCE = 6
_CAMERA_OFF_FLAT_SHARE = 0.7  # a camera-off tile is one flat colour apart from avatar and name
_CAMERA_OFF_MAX_LEVEL = 110  # ...and that colour is dark in every client
_SLIDE_MODE_SHARE = 0.3  # a shared slide has large areas of one exact colour; a camera never
_PHOTO_EDGE = (0.8, 1.1, 1.4)  # face sizes from the face's centre where a profile photo may end
_PHOTO_MIN_AROUND = 0.25  # share of the tile's samples that must lie beyond that radius
_PHOTO_TOLERANCE = 8  # per channel; a little looser than a whole tile's: codecs ring at the edge
_PHOTO_FLAT_SHARE = 0.7  # as for a whole placeholder: the name label and codec noise stay
SIGNATURE_SIZE = (16, 9)


def _grid_points(rects: Sequence[Rect]) -> tuple[np.ndarray, np.ndarray]:
    """(ys, xs), each (tiles, samples): a regular grid of pixel positions in each rect."""
    nx, ny = _SAMPLE
    r = np.array([rc.as_tuple() for rc in rects], np.float64)
    fx, fy = (np.arange(nx) + 0.5) / nx, (np.arange(ny) + 0.5) / ny
    xs = (r[:, None, None, 0] + fx[None, None, :] * r[:, None, None, 2]).astype(np.intp)
    ys = (r[:, None, None, 1] + fy[None, :, None] * r[:, None, None, 3]).astype(np.intp)
    xs, ys = np.broadcast_arrays(xs, ys)
    return ys.reshape(len(rects), nx * ny), xs.reshape(len(rects), nx * ny)


def _grid_pixels(image: np.ndarray, rects: Sequence[Rect]) -> np.ndarray:
    """(tiles, samples, 3) int16: a regular grid of pixels from each rect."""
    ys, xs = _grid_points(rects)
    return image[ys, xs].astype(np.int16)


def camera_off_flags(image: np.ndarray, rects: Sequence[Rect]) -> np.ndarray:
    """Per rect: nearly one dark flat colour, the client's placeholder instead of a video."""
    px = np.ascontiguousarray(_grid_pixels(image, rects).transpose(0, 2, 1))  # (n, 3, samples)
    mid = px.shape[2] // 2
    median = np.partition(px, mid, axis=2)[:, :, mid : mid + 1]  # per channel, O(samples)
    near = np.abs(px - median) <= _FLAT_TOLERANCE
    flat = np.count_nonzero(near[:, 0] & near[:, 1] & near[:, 2], axis=1) / px.shape[2]
    return (flat >= _CAMERA_OFF_FLAT_SHARE) & (median[:, :, 0].max(axis=1) <= _CAMERA_OFF_MAX_LEVEL)


def photo_flags(image: np.ndarray, faces: Sequence[Rect], tiles: Sequence[Rect]) -> np.ndarray:
    """Per face and the tile built around it: a profile photo on a camera-off tile.

    Without a grid nothing says which tiles are camera-off placeholders, but a placeholder
    holding a round photo is one flat dark colour all round the photo, while round a live face
    are hair, shoulders and a room. So: beyond some radius from the face (the photo's edge,
    somewhere between 0.8 and 1.4 face sizes) the tile is nearly one dark colour.
    """
    out = np.zeros(len(faces), bool)
    if not len(faces):
        return out
    ys, xs = _grid_points(tiles)
    px = image[ys, xs].astype(np.int16)  # (n, samples, 3)
    for i, face in enumerate(faces):
        cx, cy = face.center
        dist = np.hypot(xs[i] - cx, ys[i] - cy) / max(1, face.w, face.h)
        for radius in _PHOTO_EDGE:
            outside = px[i][dist >= radius]
            if len(outside) < _PHOTO_MIN_AROUND * len(dist):
                break
            median = np.median(outside, axis=0)
            near = (np.abs(outside - median) <= _PHOTO_TOLERANCE).all(axis=1)
            if near.mean() >= _PHOTO_FLAT_SHARE and median.max() <= _CAMERA_OFF_MAX_LEVEL:
                out[i] = True
                break
    return out


def is_slide(image: np.ndarray, rect: Rect) -> bool:
    """Large areas of one exact colour: rendered screen content rather than a camera."""
    px = _grid_pixels(image, [rect])[0].astype(np.int32)
    codes = (px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2]
    _, counts = np.unique(codes, return_counts=True)
    return bool(counts.max() >= _SLIDE_MODE_SHARE * len(codes))


def signature(small: np.ndarray, r: Rect, scale: float) -> np.ndarray:
    """Zero-mean unit-norm 16x9 colour thumbnail; the dot product of two compares contents.

    `small` is the frame shrunk by `scale` once per frame, so each tile costs one tiny resize.
    """
    x0, y0 = int(r.x * scale), int(r.y * scale)
    x1 = max(x0 + 1, int((r.x + r.w) * scale))
    y1 = max(y0 + 1, int((r.y + r.h) * scale))
    thumb = cv2.resize(small[y0:y1, x0:x1], SIGNATURE_SIZE, interpolation=cv2.INTER_AREA)
    v = thumb.astype(np.float32).ravel()
    v -= v.mean()
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 1e-6 else v
