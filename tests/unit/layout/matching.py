"""Compare found tiles with a rendered gallery's ground truth."""

from __future__ import annotations

from meetwatch.demo.gallery import GroundTruthTile
from meetwatch.layout.tiles import Tile

MIN_IOU = 0.9


def match(truth: list[GroundTruthTile], found: tuple[Tile, ...]) -> dict[int, Tile]:
    """Ground-truth slot -> the found tile overlapping it at IoU >= 0.9 (one to one)."""
    pairs: dict[int, Tile] = {}
    used: set[int] = set()
    for gt in truth:
        best = max(found, key=lambda t: gt.rect.iou(t.rect), default=None)
        if best is not None and gt.rect.iou(best.rect) >= MIN_IOU and best.slot not in used:
            pairs[gt.slot] = best
            used.add(best.slot)
    return pairs
