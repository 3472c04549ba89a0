"""Find content rectangles separated by the gallery's background colour.

Every client paints its window in one flat background colour and leaves lines of it between
tiles, so tiles are the rectangles left after cutting along rows and columns that are (almost)
entirely background: a recursive XY cut. It handles a centred last row, thumbnail strips and
a big speaker tile beside a column of thumbnails alike, and costs a few passes over a mask.
Runs thinner than the smallest plausible tile are dropped on the way, which discards text,
toolbars and icons before they fan the recursion out.
"""

from __future__ import annotations

import cv2
import numpy as np

from meetwatch.geometry import Rect

# A video codec (mp4, H.264, MJPEG) stores colour at half resolution, so a gap of a few pixels
# beside a colourful tile takes on some of its colour while its brightness stays close: the
# mask allows more per channel than in brightness. A flat camera-off tile (+10 brightness)
# stays outside, and so does a dark backdrop in a tile on a black window (12 is the compromise:
# 10 leaves more mp4 galleries unsplit, 14 eats such backdrops).
BG_TOLERANCE = 5  # per channel: how close the window border must be to its dominant colour
BG_CHANNEL_TOLERANCE = 12
BG_BRIGHTNESS_TOLERANCE = 4  # JPEG noise stays inside, Zoom's letterbox grey (+8) does not
BG_CODEC_BRIGHTNESS_TOLERANCE = 8  # a recording's gaps: blocking moves brightness a little
_BORDER_MODE_SHARE = 0.3  # the background must own this share of the window border
_MODE_CANDIDATES = 12
_VALLEY_DEPTH = (2, 3)  # a blended gap pixel is under 2/3 as far from the background
_CLEARLY_MORE = 0.1
_GAP_SHARE = 0.9  # a separator line is at least this much background
_MAX_REGIONS = 400  # beyond this the picture is not a gallery (text page, noise)


def background_colour(image: np.ndarray) -> tuple[int, int, int] | None:
    """The most common colour along the window border, if it dominates the border enough.

    Galleries leave margins of background on every side (header bars and toolbars take at
    most one or two), while a full-window video or a desktop has no dominant border colour.
    """
    h, w = image.shape[:2]
    m = max(1, min(h, w) // 100)
    step = max(1, (h + w) * 2 * m // 6000)  # a few thousand samples are plenty
    border = np.concatenate(
        [
            image[:m].reshape(-1, 3),
            image[-m:].reshape(-1, 3),
            image[:, :m].reshape(-1, 3),
            image[:, -m:].reshape(-1, 3),
        ]
    )[::step].astype(np.int32)
    codes = (border[:, 0] << 16) | (border[:, 1] << 8) | border[:, 2]
    values, counts = np.unique(codes, return_counts=True)
    # A codec spreads one flat colour over a few neighbouring values, so the most common exact
    # value may be a smaller flat bar: another of the commonest values wins when clearly more
    # border pixels lie near it.
    top = values[np.argsort(-counts)[:_MODE_CANDIDATES]]
    candidates = np.stack([(top >> 16) & 255, (top >> 8) & 255, top & 255], axis=1)
    near = np.all(np.abs(border[None, :, :] - candidates[:, None, :]) <= BG_TOLERANCE, axis=2)
    share = near.mean(axis=1)
    best = int(np.argmax(share))
    if share[best] < share[0] + _CLEARLY_MORE:
        best = 0  # the exact mode
    if share[best] < _BORDER_MODE_SHARE:
        return None
    colour = candidates[best]
    return (int(colour[0]), int(colour[1]), int(colour[2]))


def background_level(colour: tuple[int, int, int]) -> int:
    """The background's brightness, on the scale of `cv2.COLOR_BGR2GRAY`."""
    return int(cv2.cvtColor(np.array([[colour]], np.uint8), cv2.COLOR_BGR2GRAY)[0, 0])


def background_mask(image: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """1 where the pixel is background colour, else 0 (uint8): every channel within
    BG_CHANNEL_TOLERANCE and the brightness within BG_BRIGHTNESS_TOLERANCE."""
    level = background_level(colour)
    bright = cv2.inRange(
        cv2.cvtColor(image, cv2.COLOR_BGR2GRAY),
        np.array([max(0, level - BG_BRIGHTNESS_TOLERANCE)], np.uint8),
        np.array([min(255, level + BG_BRIGHTNESS_TOLERANCE)], np.uint8),
    )
    lo = np.array([max(0, c - BG_CHANNEL_TOLERANCE) for c in colour], np.uint8)
    hi = np.array([min(255, c + BG_CHANNEL_TOLERANCE) for c in colour], np.uint8)
    channels = cv2.inRange(image, lo, hi)
    return cv2.threshold(cv2.bitwise_and(channels, bright), 0, 1, cv2.THRESH_BINARY)[1]


def background_distance(image: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """Each pixel's brightness distance from the background's (uint8): what the masks for
    recordings (`brightness_mask`, `valley_mask`) and the whole-line cut are made from."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return cv2.absdiff(gray, np.full_like(gray, background_level(colour)))


def brightness_mask(distance: np.ndarray) -> np.ndarray:
    """1 where the pixel's brightness is the background's (uint8), whatever its hue.

    A codec keeps brightness at full resolution but colour at a quarter of it, so in a
    recording a one- or two-pixel gap keeps its brightness while its colour bleeds in from the
    tiles beside it: this mask still sees such gaps where `background_mask` does not.
    """
    return (distance <= BG_CODEC_BRIGHTNESS_TOLERANCE).view(np.uint8)


def valley_mask(distance: np.ndarray) -> np.ndarray:
    """1 where the pixel's brightness is the background's or clearly nearer to it than the
    pixels two away on both sides, across or along (uint8).

    A recorder that scales the window down (a 1080p gallery saved at 360p) blends a gap of a few
    pixels into one or two pixels between the tiles' colours: no longer background, but
    still a line nearer the background than the pictures on either side of it.
    """
    d = distance
    mask = brightness_mask(d)
    if min(d.shape) <= 4:
        return mask
    across = cv2.min(d[2:-2, :-4], d[2:-2, 4:])  # two pixels left and right
    along = cv2.min(d[:-4, 2:-2], d[4:, 2:-2])  # two pixels up and down
    share, whole = _VALLEY_DEPTH  # d / neighbours < share / whole
    lhs = d[2:-2, 2:-2].astype(np.uint16) * whole
    rhs = cv2.max(across, along).astype(np.uint16) * share
    inner = mask[2:-2, 2:-2]
    np.bitwise_or(inner, (lhs < rhs).view(np.uint8), out=inner)
    return mask


class _Cutter:
    def __init__(self, mask: np.ndarray, min_side: int, distance: np.ndarray | None) -> None:
        # (h+1, w+1) sums of the 0/1 mask: any region's profile costs O(side)
        self.integral = cv2.integral(mask)
        self.distance = None if distance is None else cv2.integral(distance, sdepth=cv2.CV_32S)
        self.min_side = min_side
        self.found: list[Rect] = []
        self.overflow = False

    def _runs(self, r: Rect, axis: int) -> list[tuple[int, int]]:
        """Content runs (start, stop) along rows (axis 0) or columns (axis 1) of r."""
        span = r.w if axis == 0 else r.h
        content = np.diff(_profile(self.integral, r, axis)) < _GAP_SHARE * span
        if self.distance is not None:
            content &= ~_line_valleys(np.diff(_profile(self.distance, r, axis)))
        edges = np.flatnonzero(np.diff(np.concatenate(([0], content.view(np.int8), [0]))))
        return [
            (int(a), int(b))
            for a, b in zip(edges[::2], edges[1::2], strict=True)
            if b - a >= self.min_side
        ]

    def cut(self, r: Rect) -> None:
        if self.overflow:
            return
        rows = self._runs(r, 0)
        if len(rows) != 1:
            for a, b in rows:
                self.cut(Rect(r.x, r.y + a, r.w, b - a))
            return
        r = Rect(r.x, r.y + rows[0][0], r.w, rows[0][1] - rows[0][0])
        cols = self._runs(r, 1)
        if len(cols) != 1:
            for a, b in cols:
                self.cut(Rect(r.x + a, r.y, b - a, r.h))
            return
        leaf = Rect(r.x + cols[0][0], r.y, cols[0][1] - cols[0][0], r.h)
        if leaf != r:
            self.cut(leaf)  # dropping thin columns may have freed a row separator
            return
        self.found.append(leaf)
        self.overflow = len(self.found) > _MAX_REGIONS


def _profile(integral: np.ndarray, r: Rect, axis: int) -> np.ndarray:
    """Cumulative sums of r's rows (axis 0) or columns (axis 1) from an integral image."""
    x0, y0, x1, y1 = r.x, r.y, r.x + r.w, r.y + r.h
    if axis == 0:
        return integral[y0 : y1 + 1, x1] - integral[y0 : y1 + 1, x0]
    return integral[y1, x0 : x1 + 1] - integral[y0, x0 : x1 + 1]


def _line_valleys(sums: np.ndarray) -> np.ndarray:
    """Lines whose summed distance from the background is a valley two lines deep.

    A codec at a low bitrate codes a one- or two-pixel gap with the blocks it crosses: each
    pixel of it drifts from the background by the block's error, more than `valley_mask` or
    the gap share allow, but the error varies from block to block while the gap runs the whole
    line, so the line's sum stays well under the sums of the picture lines beside it.
    """
    valley = np.zeros(sums.shape, bool)
    if sums.size > 4:
        share, whole = _VALLEY_DEPTH
        sides = np.minimum(sums[:-4], sums[4:])
        valley[2:-2] = sums[2:-2] * whole < sides * share
    return valley


def content_regions(
    mask: np.ndarray, min_side: int, distance: np.ndarray | None = None
) -> list[Rect] | None:
    """Rectangles of non-background at least min_side on each side; None if too fragmented.
    With `distance` (each pixel's from the background), lines whose distance is a valley
    along their whole length separate regions too (`_line_valleys`)."""
    h, w = mask.shape
    cutter = _Cutter(mask, min_side, distance)
    cutter.cut(Rect(0, 0, w, h))
    return None if cutter.overflow else cutter.found
