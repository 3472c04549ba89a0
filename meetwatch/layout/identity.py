"""Slot identity: a participant keeps their slot number while the gallery changes around them.

While the grid stands still, a tile keeps the slot of the previous tile at the same place.
When the grid reflows (someone joins or leaves and every tile moves and shrinks), places mean
nothing any more, so tiles are matched to the previous frame's tiles by what they show (the
signature thumbnails), best pairs first. Tiles nobody matches get slot numbers never used
in the previous frame, so tracking downstream sees a new participant rather than a swap.

Another window over the gallery (a dialog, a notification, a toolbar) is not a reflow,
though the layout it leaves looks like one: tiles it touches merge into one odd region or
vanish. `hold_covered` tells the two apart and, for a cover, keeps the previous layout: the
tiles still standing keep their slots and the hidden ones become `Tiles.covered` until they
show again, so a dialog creates no participant and loses none.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace

import cv2
import numpy as np

from meetwatch.geometry import Rect
from meetwatch.layout.regions import BG_CHANNEL_TOLERANCE, background_colour, background_mask
from meetwatch.layout.tile_look import signature
from meetwatch.layout.tiles import Tile, Tiles

_SAME_PLACE_IOU = 0.8
_SAME_CONTENT = 0.5  # signature correlation; different people in similar rooms score lower
# A cover that lasts longer than this is taken for the new layout after all, so a layout
# change misread as a cover cannot hide its people for the rest of the session.
MAX_COVER_SECONDS = 30.0
_OVERLAP = 0.25  # share of a previous tile a new region must cover to count as lying on it
_TILE_SIZE = 0.3  # a region within this of the previous tiles' area could be one of them
_SAME_SIZE = 0.05  # regions within this of each other's size are tiles of one new grid
_STILL_THERE = 0.8  # signature correlation of a tile unchanged at its place (ample margin)
_MERGED_IOU = 0.8  # a region this close to the box around the tiles it lies on merged them
# A window lying across the gap between two video tiles: along the gap's middle line, pixels
# that are not background and match the pixels just inside both tiles (one surface over all
# three). Two webcams never continue each other through a gap; a speaker border is a line
# unlike the video beside it; a codec's blur leaves the gap near background; camera-off
# tiles (flat, close to the gap's colour) are left out.
_GAPS = (2, 24)  # px between neighbouring tiles
_REACH = 8  # px past each edge of the gap into the tiles
_SAME_SURFACE = 12  # max channel difference
_BRIDGED = 0.3  # share of the shared edge
_LINE_SAMPLES = 48  # pixels read along each line: a window is far wider than their spacing
_EMPTY = 0.8  # share of background colour in the place of a tile that has gone
_CHECK_WIDTH = 240  # pixels across the frame for the content checks


def _iou_matrix(a: Sequence[Rect], b: Sequence[Rect]) -> np.ndarray:
    ra = np.array([r.as_tuple() for r in a], np.float64).reshape(-1, 1, 4)
    rb = np.array([r.as_tuple() for r in b], np.float64).reshape(1, -1, 4)
    iw = np.minimum(ra[..., 0] + ra[..., 2], rb[..., 0] + rb[..., 2]) - np.maximum(
        ra[..., 0], rb[..., 0]
    )
    ih = np.minimum(ra[..., 1] + ra[..., 3], rb[..., 1] + rb[..., 3]) - np.maximum(
        ra[..., 1], rb[..., 1]
    )
    inter = np.clip(iw, 0, None) * np.clip(ih, 0, None)
    union = ra[..., 2] * ra[..., 3] + rb[..., 2] * rb[..., 3] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _by_place(rects: Sequence[Rect], previous: Tiles) -> list[int] | None:
    """Previous slots if every tile sits where a previous tile sat, one to one."""
    old = _all(previous)
    if len(rects) != len(old):
        return None
    iou = _iou_matrix(rects, [t.rect for t in old])
    best = iou.argmax(axis=1)
    if (iou[np.arange(len(rects)), best] < _SAME_PLACE_IOU).any():
        return None
    slots = [old[j].slot for j in best]
    return slots if len(set(slots)) == len(slots) else None


def _all(tiles: Tiles) -> tuple[Tile, ...]:
    """Every tile of a layout, covered ones included: they still own their slots."""
    return (*tiles.tiles, *tiles.covered)


def assign_slots(
    rects: Sequence[Rect], signatures: Sequence[np.ndarray], previous: Tiles | None
) -> list[int]:
    """Slot numbers for tiles given in reading order."""
    if previous is None or not _all(previous):
        return list(range(len(rects)))
    same_place = _by_place(rects, previous)
    if same_place is not None:
        return same_place
    slots: list[int | None] = [None] * len(rects)
    old = [(t.slot, t.signature) for t in _all(previous) if t.signature is not None]
    if old and signatures:
        sim = np.stack(list(signatures)) @ np.stack([sig for _, sig in old]).T
        taken: set[int] = set()
        for flat in np.argsort(-sim, axis=None):
            i, j = divmod(int(flat), len(old))
            if sim[i, j] < _SAME_CONTENT:
                break
            if slots[i] is None and j not in taken:
                slots[i] = old[j][0]
                taken.add(j)
    fresh = max(t.slot for t in _all(previous)) + 1
    result = []
    for s in slots:
        if s is None:
            s, fresh = fresh, fresh + 1
        result.append(s)
    return result


def hold_covered(found: Tiles, previous: Tiles | None, image: np.ndarray) -> Tiles:
    """`found` (this frame's tiles, from any source), with the tiles another window hides
    moved to `covered`: those of the previous layout that the window broke up (`_held`), and
    those a window lies across (the layout stage may split tiles evenly under a small window
    as if nothing lay on them)."""
    tiles = _held(found, previous, image)
    colour = background_colour(image)
    hidden = set() if colour is None else _bridged(tiles.tiles, image, colour)
    if not hidden:
        return tiles
    since = tiles.covered_since
    if since is None and previous is not None:
        since = previous.covered_since  # the same cover, seen the other way last frame
    return replace(
        tiles,
        tiles=tuple(t for t in tiles.tiles if t.slot not in hidden),
        covered=(*tiles.covered, *(t for t in tiles.tiles if t.slot in hidden)),
        covered_since=tiles.timestamp if since is None else since,
    )


def _held(found: Tiles, previous: Tiles | None, image: np.ndarray) -> Tiles:
    """`found`, or the previous layout with the tiles another window hides moved to
    `covered` when that is what happened since `previous`.

    A previous tile that is not found at its place again has either gone (its place shows
    the window's background), or is still there with its content (a tile the layout merged
    with the cover: it is kept and searched), or is covered. It is a cover, not a reflow,
    when every new region lying on previous tiles has a size no tile has (a tile merged
    with a window over it), those regions do not form a grid of their own, and the old
    layout still shows: a tile stands where it was, or a region is just the box around the
    tiles it lies on (the window over them bridged their gaps).
    """
    if previous is None or len(_all(previous)) < 2 or not (found.tiles or found.covered):
        return found
    since = previous.covered_since
    if since is not None and found.timestamp - since > MAX_COVER_SECONDS:
        return found
    old = _all(previous)
    pairs = _place_pairs(found.tiles, old)
    lost = [j for j in range(len(old)) if j not in pairs.values()]
    if not lost:
        return found
    regions = [t.rect for i, t in enumerate(found.tiles) if i not in pairs]
    if not all(_foreign(r, old) for r in regions) or _grid_like(regions):
        return found
    look = _Look(image)
    standing = [old[j] for j in lost if look.shows(old[j], _SAME_CONTENT)]
    if (
        not pairs
        and not any(_merged(r, old) for r in regions)
        and not any(look.shows(t, _STILL_THERE) for t in standing)
    ):
        return found  # nothing of the old layout is surely where it was: a new layout
    hidden = [old[j] for j in lost if old[j] not in standing and not look.empty(old[j].rect)]
    if not hidden and not standing:
        return found
    # tiles still showing their people at their places were only merged with the window over
    # them (a dialog across a gap, a notification over a tile's edge): they keep their slots,
    # for MAX_COVER_SECONDS like covered ones
    kept = [replace(found.tiles[i], slot=old[j].slot) for i, j in pairs.items()]
    return Tiles(
        found.frame_index,
        found.timestamp,
        found.frame_size,
        tuple(sorted([*kept, *standing], key=lambda t: t.slot)),
        previous.layout,
        previous.grid,
        covered=tuple(hidden),
        covered_since=found.timestamp if since is None else since,
    )


def _bridged(tiles: Sequence[Tile], image: np.ndarray, colour: tuple[int, int, int]) -> set[int]:
    """Slots of the video tiles on either side of a gap that a window lies across.

    Every neighbouring pair (b right of or below a, across a gap of plausible width) is
    found and read at once: _LINE_SAMPLES points along the gap's middle and just inside
    each tile, one gather for the whole grid."""
    video = [t for t in tiles if t.kind == "video"]
    if len(video) < 2:
        return set()
    r = np.array([t.rect.as_tuple() for t in video], np.int64)
    x0, y0, x1, y1 = r[:, 0], r[:, 1], r[:, 0] + r[:, 2], r[:, 1] + r[:, 3]
    lo, hi = _GAPS
    top, bottom = np.maximum(y0[:, None], y0[None, :]), np.minimum(y1[:, None], y1[None, :])
    left, right = np.maximum(x0[:, None], x0[None, :]), np.minimum(x1[:, None], x1[None, :])
    gap_x, gap_y = x0[None, :] - x1[:, None], y0[None, :] - y1[:, None]
    short = np.minimum(r[:, None, 2:], r[None, :, 2:])  # (n, n, [w, h]) of the smaller tile
    beside = (gap_x >= lo) & (gap_x <= hi) & (bottom - top > 0.5 * short[..., 1])
    below = (gap_y >= lo) & (gap_y <= hi) & (right - left > 0.5 * short[..., 0])
    i, j = np.nonzero(beside | below)
    if not len(i):
        return set()
    along = np.linspace(0.0, 1.0, _LINE_SAMPLES)[None, None, :]
    # (pairs, 3 lines: gap middle, inside a, inside b, samples)
    across_x = np.stack([x1[i] + gap_x[i, j] // 2, x1[i] - _REACH, x0[j] + _REACH], 1)
    across_y = np.stack([y1[i] + gap_y[i, j] // 2, y1[i] - _REACH, y0[j] + _REACH], 1)
    run_y = top[i, j][:, None, None] + along * (bottom[i, j] - top[i, j] - 1)[:, None, None]
    run_x = left[i, j][:, None, None] + along * (right[i, j] - left[i, j] - 1)[:, None, None]
    vertical = beside[i, j][:, None, None]
    xs = np.where(vertical, across_x[:, :, None], run_x).astype(np.intp)
    ys = np.where(vertical, run_y, across_y[:, :, None]).astype(np.intp)
    px = image[ys, xs].astype(np.int16)  # (pairs, 3, samples, 3)
    middle = px[:, 0]
    gap = np.abs(middle - np.array(colour)).max(axis=-1) <= BG_CHANNEL_TOLERANCE
    surface = (np.abs(middle - px[:, 1]).max(axis=-1) <= _SAME_SURFACE) & (
        np.abs(middle - px[:, 2]).max(axis=-1) <= _SAME_SURFACE
    )
    hit = (surface & ~gap).mean(axis=1) >= _BRIDGED
    return {video[k].slot for k in (*i[hit].tolist(), *j[hit].tolist())}


def _place_pairs(tiles: Sequence[Tile], old: Sequence[Tile]) -> dict[int, int]:
    """new index -> old index for tiles found again at a previous tile's place."""
    if not tiles:
        return {}
    iou = _iou_matrix([t.rect for t in tiles], [t.rect for t in old])
    pairs: dict[int, int] = {}
    for i, row in enumerate(iou):
        j = int(row.argmax())
        if row[j] >= _SAME_PLACE_IOU and j not in pairs.values():
            pairs[i] = j
    return pairs


def _foreign(region: Rect, old: Sequence[Tile]) -> bool:
    """A region lying on previous tiles with a size none of them has: not a tile that moved
    but tiles merged with a window over them (a region on no previous tile is a newcomer)."""
    if not any(region.intersection(t.rect) >= _OVERLAP * t.rect.area for t in old):
        return False
    typical = float(np.median([t.rect.area for t in old]))
    return abs(region.area - typical) > _TILE_SIZE * typical


def _merged(region: Rect, old: Sequence[Tile]) -> bool:
    """The region is the box around two or more previous tiles it lies on."""
    under = [t.rect for t in old if region.intersection(t.rect) >= _OVERLAP * t.rect.area]
    if len(under) < 2:
        return False
    x0, y0 = min(r.x for r in under), min(r.y for r in under)
    x1, y1 = max(r.x + r.w for r in under), max(r.y + r.h for r in under)
    return region.iou(Rect(x0, y0, x1 - x0, y1 - y0)) >= _MERGED_IOU


def _grid_like(regions: Sequence[Rect]) -> bool:
    """Two or more regions of one size: the tiles of a new grid, not the leftovers of a cover."""
    areas = sorted(r.area for r in regions)
    return any(b - a <= _SAME_SIZE * b for a, b in itertools.pairwise(areas))


class _Look:
    """Content checks on one frame, at a small size (a few ms for any number of tiles)."""

    def __init__(self, image: np.ndarray) -> None:
        self._scale = min(1.0, _CHECK_WIDTH / image.shape[1])
        self._small = cv2.resize(
            image, None, fx=self._scale, fy=self._scale, interpolation=cv2.INTER_AREA
        )
        colour = background_colour(self._small)
        self._background = None if colour is None else background_mask(self._small, colour)

    def shows(self, tile: Tile, correlation: float) -> bool:
        """The tile's place still shows what the tile showed, to the given correlation."""
        if tile.signature is None:
            return False
        now = signature(self._small, tile.rect, self._scale)
        return float(now @ tile.signature) >= correlation

    def empty(self, r: Rect) -> bool:
        """The place is (almost) all window background: the tile has gone."""
        if self._background is None:
            return False
        s = self._scale
        x0, y0 = int(r.x * s), int(r.y * s)
        x1, y1 = max(x0 + 1, int((r.x + r.w) * s)), max(y0 + 1, int((r.y + r.h) * s))
        return float(self._background[y0:y1, x0:x1].mean()) >= _EMPTY


def outside_covered(tiles: Tiles) -> Tiles:
    """Without the tiles (from any source, e.g. built around faces found in the window)
    whose centre lies in a covered tile: the face peeking out beside the window over it is
    that tile's participant, who stays covered, not somebody new."""
    if not tiles.covered:
        return tiles
    kept = tuple(t for t in tiles.tiles if not any(_holds(c.rect, t.rect) for c in tiles.covered))
    return tiles if len(kept) == len(tiles.tiles) else replace(tiles, tiles=kept)


def _holds(outer: Rect, inner: Rect) -> bool:
    cx, cy = inner.center
    return outer.x <= cx < outer.x + outer.w and outer.y <= cy < outer.y + outer.h
