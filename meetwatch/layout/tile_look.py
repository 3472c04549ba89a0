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
_TOLERANCE = 8  # per channel, from a placeholder's colour: codecs ring beside its photo and name
_CAMERA_OFF_MAX_LEVEL = 110  # a placeholder's colour is dark in every client
_SLIDE_MODE_SHARE = 0.3  # a shared slide has large areas of one exact colour; a camera never
_PHOTO_EDGE = (0.8, 1.1, 1.4)  # face sizes from the face's centre where a profile photo may end
_PHOTO_MIN_AROUND = 0.25  # share of the tile's samples that must lie beyond that radius
_PHOTO_FLAT_SHARE = 0.7  # the name label and codec noise stay
# A grid tile's placeholder, in tile heights from the tile's centre (u across, v down): the
# edges are left out (rounded corners, the speaker's border, a codec's ringing at the gap), the
# photo or initials lie within _OBJECT of the centre (a photo up to 70 % of the height and the
# blur round it), Zoom's centred name within _NAME_HALF rows of it, the name label below
# _LABEL_TOP, and a live camera's body reaches the bottom rows (from _BODY_TOP) within
# _BODY_HALF_WIDTH of the centre.
_INSET = 0.08
_OBJECT = 0.4
_NAME_HALF = 0.15
_COLOUR_ROWS = -0.3  # the placeholder's colour: the median above, where a photo's top is small
_LABEL_TOP = 0.1
_BODY_TOP = 0.36
_BODY_HALF_WIDTH = 0.4
_FRAME_FLAT_SHARE = 0.92  # of the samples round the photo: one colour; a room is seldom this flat
_TEXT_CONTRAST = (35, 15)  # white letters this much over the placeholder, shadows or box under it
_LETTER_SAMPLES = 4  # label rows are read this many times more densely across: thin strokes
_TEXT_SPREAD = 3  # sample columns either side of a letter: gaps between letters, words, box edge
_BODY_COLUMN = 0.9  # share of a bottom column off the placeholder's colour: something solid
_BODY_COLUMNS = 3  # ...side by side, clear of the label's letters: a body, not a stray letter
SIGNATURE_SIZE = (16, 9)


def _positions(count: int, inset: float) -> np.ndarray:
    """`count` evenly spaced sample positions across a side (0..1), `inset` clear of each end."""
    return inset + (np.arange(count) + 0.5) / count * (1 - 2 * inset)


def _points(rects: Sequence[Rect], fx: np.ndarray, fy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ys, xs), each (tiles, rows, cols): pixel positions at fractions fx across, fy down."""
    r = np.array([rc.as_tuple() for rc in rects], np.float64)
    xs = (r[:, None, None, 0] + fx[None, None, :] * r[:, None, None, 2]).astype(np.intp)
    ys = (r[:, None, None, 1] + fy[None, :, None] * r[:, None, None, 3]).astype(np.intp)
    xs, ys = np.broadcast_arrays(xs, ys)
    return ys, xs


def _grid_points(rects: Sequence[Rect]) -> tuple[np.ndarray, np.ndarray]:
    """(ys, xs), each (tiles, samples): a regular grid of pixel positions in each rect."""
    nx, ny = _SAMPLE
    ys, xs = _points(rects, _positions(nx, 0.0), _positions(ny, 0.0))
    return ys.reshape(len(rects), nx * ny), xs.reshape(len(rects), nx * ny)


def _grid_pixels(image: np.ndarray, rects: Sequence[Rect]) -> np.ndarray:
    """(tiles, samples, 3) int16: a regular grid of pixels from each rect."""
    ys, xs = _grid_points(rects)
    return image[ys, xs].astype(np.int16)


def camera_off_flags(image: np.ndarray, rects: Sequence[Rect]) -> np.ndarray:
    """Per rect: the client's placeholder instead of a video.

    A placeholder is one dark flat colour round something centred (initials, a round photo,
    Zoom's name) above a name label at the bottom left. A live camera in a dark room before a
    plain wall can look the same above the face, so a body reaching the bottom rows, off the
    label's letters, makes the tile a camera. Where the label hides the whole bottom (small
    tiles with long names) nothing tells the two apart and the placeholder is assumed.
    Only the rows above the photo are read for every tile, the rest only for flat dark ones.
    """
    (nx, ny), out = _SAMPLE, np.zeros(len(rects), bool)
    if not rects:
        return out
    fx, fy = _positions(nx, _INSET), _positions(ny, _INSET)
    v = fy - 0.5
    ys, xs = _points(rects, fx, fy[v < -_NAME_HALF])
    top = image[ys, xs]  # (n, rows, cols, 3)
    u = (fx - 0.5)[None, :] * np.array([r.w / max(1, r.h) for r in rects])[:, None]
    frame = np.hypot(u[:, None, :], v[v < -_NAME_HALF][None, :, None]) >= _OBJECT
    edge = top[:, v[v < -_NAME_HALF] < _COLOUR_ROWS].reshape(len(rects), -1, 3)
    colour = np.partition(edge, edge.shape[1] // 2, axis=1)[:, edge.shape[1] // 2]
    colour = colour.astype(np.int16)
    level = colour.max(axis=1)
    around = np.maximum(1, frame.sum(axis=(1, 2)))  # samples round the photo, above the name
    flat = (_near(top, colour) & frame).sum(axis=(1, 2)) >= _FRAME_FLAT_SHARE * around
    maybe = np.flatnonzero(flat & (level <= _CAMERA_OFF_MAX_LEVEL))
    if not len(maybe):
        return out
    candidates = [rects[i] for i in maybe]
    ys, xs = _points(candidates, fx, fy[v >= _BODY_TOP])
    solid = (~_near(image[ys, xs], colour[maybe])).mean(axis=1) >= _BODY_COLUMN  # (m, cols)
    letters = _letter_columns(image, candidates, fy[v >= _LABEL_TOP], level[maybe])
    body = solid & ~letters & (np.abs(u[maybe]) <= _BODY_HALF_WIDTH)
    wide = body[:, : nx - _BODY_COLUMNS + 1].copy()
    for shift in range(1, _BODY_COLUMNS):
        wide &= body[:, shift : nx - _BODY_COLUMNS + 1 + shift]
    out[maybe] = ~wide.any(axis=1)
    return out


def _near(px: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """(n, rows, cols): samples within _TOLERANCE of their tile's colour (n, 3) per channel."""
    c = colour[:, None, None, :]
    close = np.abs(px.astype(np.int16) - c) <= _TOLERANCE
    return close[..., 0] & close[..., 1] & close[..., 2]


def _letter_columns(
    image: np.ndarray, rects: Sequence[Rect], rows: np.ndarray, level: np.ndarray
) -> np.ndarray:
    """(n, cols): sample columns within _TEXT_SPREAD of a name label's letter. A letter is a
    whitish sample beside a much darker one (Meet's shadow, Zoom's and Teams' box) in the
    label rows (`rows`: fractions down the tile), read _LETTER_SAMPLES times more densely
    across than the grid (strokes are a pixel or two wide). A white shirt or a lit face has no
    dark samples inside it."""
    nx, k = _SAMPLE[0], _LETTER_SAMPLES
    ys, xs = _points(rects, _positions(nx * k, _INSET), rows)
    px = image[ys, xs]  # (n, rows, cols * k, 3)
    b, g, r = px[..., 0], px[..., 1], px[..., 2]
    low, high = np.minimum(np.minimum(b, g), r), np.maximum(np.maximum(b, g), r)
    bright = low >= (level + _TEXT_CONTRAST[0])[:, None, None]
    dark = high <= (level - _TEXT_CONTRAST[1])[:, None, None]
    beside = np.zeros_like(dark)
    beside[:, :, 1:] |= dark[:, :, :-1]
    beside[:, :, :-1] |= dark[:, :, 1:]
    beside[:, 1:] |= dark[:, :-1]
    beside[:, :-1] |= dark[:, 1:]
    letters = (bright & beside).any(axis=1).reshape(len(rects), nx, k).any(axis=2)
    near = letters.copy()
    for shift in range(1, _TEXT_SPREAD + 1):
        near[:, shift:] |= letters[:, :-shift]
        near[:, :-shift] |= letters[:, shift:]
    return near


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
            near = (np.abs(outside - median) <= _TOLERANCE).all(axis=1)
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
