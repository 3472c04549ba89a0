"""Slot identity: a participant keeps their slot number while the gallery changes around them.

While the grid stands still, a tile keeps the slot of the previous tile at the same place.
When the grid reflows (someone joins or leaves and every tile moves and shrinks), places mean
nothing any more, so tiles are matched to the previous frame's tiles by what they show (the
signature thumbnails), best pairs first. Tiles nobody matches get slot numbers never used
in the previous frame, so tracking downstream sees a new participant rather than a swap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tiles

_SAME_PLACE_IOU = 0.8
_SAME_CONTENT = 0.5  # signature correlation; different people in similar rooms score lower


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
    if len(rects) != len(previous.tiles):
        return None
    iou = _iou_matrix(rects, [t.rect for t in previous.tiles])
    best = iou.argmax(axis=1)
    if (iou[np.arange(len(rects)), best] < _SAME_PLACE_IOU).any():
        return None
    slots = [previous.tiles[j].slot for j in best]
    return slots if len(set(slots)) == len(slots) else None


def assign_slots(
    rects: Sequence[Rect], signatures: Sequence[np.ndarray], previous: Tiles | None
) -> list[int]:
    """Slot numbers for tiles given in reading order."""
    if previous is None or not previous.tiles:
        return list(range(len(rects)))
    same_place = _by_place(rects, previous)
    if same_place is not None:
        return same_place
    slots: list[int | None] = [None] * len(rects)
    old = [(t.slot, t.signature) for t in previous.tiles if t.signature is not None]
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
    fresh = max(t.slot for t in previous.tiles) + 1
    result = []
    for s in slots:
        if s is None:
            s, fresh = fresh, fresh + 1
        result.append(s)
    return result
