"""What the found tiles show: camera off, the active speaker's border, the name label.

The per-tile tests read a fixed grid of sample pixels gathered for all tiles in one fancy-index
operation, so judging 49 tiles costs about as much as judging one.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from meetwatch.geometry import Rect

_TEXT_LO, _TEXT_HI = np.array([190, 190, 190], np.uint8), np.array([255, 255, 255], np.uint8)
_SAMPLE = (48, 27)  # nearest pixels, not averages: exact values tell flat colour from video
_FLAT_TOLERANCE = 6
_CAMERA_OFF_FLAT_SHARE = 0.7  # a camera-off tile is one flat colour apart from avatar and name
_CAMERA_OFF_MAX_LEVEL = 110  # ...and that colour is dark in every client
_SLIDE_MODE_SHARE = 0.3  # a shared slide has large areas of one exact colour; a camera never
_BORDER_DEPTH = 6  # the speaker border lies within this many pixels of the tile edge
_BORDER_SAMPLES = 32  # per edge line
_BORDER_SHARE = 0.75  # of an edge line that must be saturated and bright
_BORDER_HUE_SPREAD = 15  # OpenCV hue units (2 degrees); Zoom's border fades yellow to green
_BORDER_CONTRAST = 40  # min channel difference between the border and the picture inside
SIGNATURE_SIZE = (16, 9)


def _grid_pixels(image: np.ndarray, rects: Sequence[Rect]) -> np.ndarray:
    """(tiles, samples, 3) int16: a regular grid of pixels from each rect."""
    nx, ny = _SAMPLE
    r = np.array([rc.as_tuple() for rc in rects], np.float64)
    fx, fy = (np.arange(nx) + 0.5) / nx, (np.arange(ny) + 0.5) / ny
    xs = (r[:, None, None, 0] + fx[None, None, :] * r[:, None, None, 2]).astype(np.intp)
    ys = (r[:, None, None, 1] + fy[None, :, None] * r[:, None, None, 3]).astype(np.intp)
    xs, ys = np.broadcast_arrays(xs, ys)
    return image[ys, xs].reshape(len(rects), nx * ny, 3).astype(np.int16)


def camera_off_flags(image: np.ndarray, rects: Sequence[Rect]) -> np.ndarray:
    """Per rect: nearly one dark flat colour, the client's placeholder instead of a video."""
    px = np.ascontiguousarray(_grid_pixels(image, rects).transpose(0, 2, 1))  # (n, 3, samples)
    mid = px.shape[2] // 2
    median = np.partition(px, mid, axis=2)[:, :, mid : mid + 1]  # per channel, O(samples)
    near = np.abs(px - median) <= _FLAT_TOLERANCE
    flat = np.count_nonzero(near[:, 0] & near[:, 1] & near[:, 2], axis=1) / px.shape[2]
    return (flat >= _CAMERA_OFF_FLAT_SHARE) & (median[:, :, 0].max(axis=1) <= _CAMERA_OFF_MAX_LEVEL)


def is_slide(image: np.ndarray, rect: Rect) -> bool:
    """Large areas of one exact colour: rendered screen content rather than a camera."""
    px = _grid_pixels(image, [rect])[0].astype(np.int32)
    codes = (px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2]
    _, counts = np.unique(codes, return_counts=True)
    return bool(counts.max() >= _SLIDE_MODE_SHARE * len(codes))


def _edge_lines(rects: Sequence[Rect]) -> tuple[np.ndarray, np.ndarray]:
    """(ys, xs) of shape (tiles, 4 edges, depth + 1, samples): lines at depth 0..D-1 along
    the middle 80 % of each edge (clear of rounded corners), then one line at depth 2D."""
    r = np.array([rc.as_tuple() for rc in rects], np.float64)[:, :, None, None]
    x, y, w, h = r[:, 0], r[:, 1], r[:, 2], r[:, 3]
    depth = np.array([*range(_BORDER_DEPTH), 2 * _BORDER_DEPTH], np.float64)[None, :, None]
    along = np.linspace(0.1, 0.9, _BORDER_SAMPLES)[None, None, :]
    ys = np.stack(
        [
            y + depth + 0 * along,
            y + h - 1 - depth + 0 * along,
            y + along * h + 0 * depth,
            y + along * h + 0 * depth,
        ],
        axis=1,
    )
    xs = np.stack(
        [
            x + along * w + 0 * depth,
            x + along * w + 0 * depth,
            x + depth + 0 * along,
            x + w - 1 - depth + 0 * along,
        ],
        axis=1,
    )
    return ys.astype(np.intp), xs.astype(np.intp)


def _coloured_share(px: np.ndarray) -> np.ndarray:
    """Share of bright saturated pixels (HSV V >= 110, S >= 60/255) along axis -2 of
    (..., samples, 3) int16 pixels."""
    b, g, r = px[..., 0], px[..., 1], px[..., 2]
    hi, lo = np.maximum(np.maximum(b, g), r), np.minimum(np.minimum(b, g), r)
    coloured = (hi >= 110) & ((hi - lo) * 17 >= 4 * hi)  # (hi - lo) / hi >= 60 / 255
    return np.count_nonzero(coloured, axis=-1) / px.shape[-2]


def speaker_flags(image: np.ndarray, rects: Sequence[Rect]) -> np.ndarray:
    """Per rect: a saturated line of one hue along all four edges, unlike the inside."""
    result = np.zeros(len(rects), bool)
    index = np.array([i for i, rc in enumerate(rects) if min(rc.w, rc.h) > 4 * _BORDER_DEPTH])
    if not len(index):
        return result
    ys, xs = _edge_lines([rects[i] for i in index])
    top = _coloured_share(image[ys[:, 0, :-1], xs[:, 0, :-1]].astype(np.int16))
    candidate = top.max(axis=1) >= _BORDER_SHARE  # most tiles fail here, on one edge
    if not candidate.any():
        return result
    index, ys, xs = index[candidate], ys[candidate], xs[candidate]
    px = image[ys, xs].astype(np.int16)  # (n, 4, D + 1, S, 3)
    coloured = _coloured_share(px)  # (n, 4, D + 1)
    best = np.argmax(coloured[:, :, :-1], axis=2)  # the border line of each edge
    pick = np.take_along_axis(coloured, best[:, :, None], axis=2)[:, :, 0]
    mean = px.mean(axis=3)  # (n, 4, D + 1, 3)
    line = np.take_along_axis(mean, best[:, :, None, None], axis=2)[:, :, 0]  # (n, 4, 3)
    inside = mean[:, :, -1]
    hue = cv2.cvtColor(line.astype(np.uint8).reshape(-1, 1, 3), cv2.COLOR_BGR2HSV)[:, 0, 0]
    hue = hue.reshape(-1, 4).astype(np.int32)
    spread = np.minimum(np.ptp(hue, axis=1), np.ptp((hue + 90) % 180, axis=1))  # hue wraps
    same = spread <= _BORDER_HUE_SPREAD
    contrast = (np.abs(line - inside).max(axis=2) >= _BORDER_CONTRAST).all(axis=1)
    result[index] = (pick >= _BORDER_SHARE).all(axis=1) & same & contrast
    return result


def find_name_strip(image: np.ndarray, r: Rect) -> Rect | None:
    """The participant's name: white text in the tile's bottom-left corner.

    All three clients draw it there (Zoom and Teams on a dark box, Meet bare with a shadow).
    """
    roi = Rect(r.x, r.y + int(r.h * 0.8), int(r.w * 0.6), r.h - int(r.h * 0.8))
    if roi.w < 8 or roi.h < 4:
        return None
    crop = image[roi.y : roi.y + roi.h, roi.x : roi.x + roi.w]
    text = cv2.inRange(crop, _TEXT_LO, _TEXT_HI)
    count = cv2.countNonZero(text)
    if count < 20 or count > 0.3 * roi.area:
        return None
    rows, cols = np.flatnonzero(text.any(axis=1)), np.flatnonzero(text.any(axis=0))
    pad = max(2, roi.h // 10)
    x0, y0 = max(0, cols[0] - pad), max(0, rows[0] - pad)
    x1, y1 = min(roi.w, cols[-1] + 1 + pad), min(roi.h, rows[-1] + 1 + pad)
    if y1 - y0 > roi.h * 0.9 and count > 0.15 * roi.area:
        return None  # a bright wall, not a line of text
    return Rect(roi.x + x0, roi.y + y0, x1 - x0, y1 - y0)


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
