"""Face boxes -> Tiles: participant tiles built around the faces when no grid explains them.

Each face gets a tile of a webcam picture's proportions around it (head and shoulders, room
for a second's movement), cut back where it would reach a neighbour's face: the boundary runs
halfway between the two faces, so every tile holds its own face and no other. Slots are kept
from the previous face tiles by place, or by content when people move (`assign_slots`).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from meetwatch.geometry import Rect
from meetwatch.layout.grid import reading_order
from meetwatch.layout.identity import assign_slots
from meetwatch.layout.tile_look import signature
from meetwatch.layout.tiles import LayoutKind, Tile, Tiles

# Tile reach from the face centre, in face sizes: the faces stage's crop (2.4 faces wide,
# 1.2 each side) fits inside with room to move, but a face the search missed next door
# (galleries sit faces 2.5-3 face heights apart) stays outside.
_REACH_X = 1.4
_REACH_UP = 1.3
_REACH_DOWN = 1.5
_SIGNATURE_WIDTH = 240


def _cut(tiles: list[list[float]], centres: list[tuple[float, float]]) -> None:
    """Cut overlapping pairs halfway between their faces, along the axis that parts them most."""
    for i in range(len(tiles)):
        for j in range(i + 1, len(tiles)):
            a, b = tiles[i], tiles[j]
            if min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1]):
                continue
            (ax, ay), (bx, by) = centres[i], centres[j]
            if abs(ax - bx) >= abs(ay - by):
                first, second = (a, b) if ax <= bx else (b, a)
                mid = (ax + bx) / 2
                first[2], second[0] = min(first[2], mid), max(second[0], mid)
            else:
                first, second = (a, b) if ay <= by else (b, a)
                mid = (ay + by) / 2
                first[3], second[1] = min(first[3], mid), max(second[1], mid)


def _clear_of(box: list[float], centre: tuple[float, float], obstacle: Rect) -> None:
    """Shrink box so it no longer overlaps obstacle, keeping the side its face is on and
    losing as little as possible."""
    ox0, oy0, ox1, oy1 = obstacle.x, obstacle.y, obstacle.x + obstacle.w, obstacle.y + obstacle.h
    if min(box[2], ox1) <= max(box[0], ox0) or min(box[3], oy1) <= max(box[1], oy0):
        return
    cx, cy = centre
    options = []
    if cx <= ox0:
        options.append((box[2] - ox0, 2, float(ox0)))
    if cx >= ox1:
        options.append((ox1 - box[0], 0, float(ox1)))
    if cy <= oy0:
        options.append((box[3] - oy0, 3, float(oy0)))
    if cy >= oy1:
        options.append((oy1 - box[1], 1, float(oy1)))
    if options:
        _, side, value = min(options)
        box[side] = value


def tile_rects(
    faces: Sequence[Rect], frame_size: tuple[int, int], obstacles: Sequence[Rect] = ()
) -> list[Rect]:
    """One rectangle per face (same order), inside the frame, none overlapping another face's
    rectangle or an obstacle (a grid tile beside which the faces were found)."""
    w, h = frame_size
    boxes = [
        [
            max(0.0, f.center[0] - _REACH_X * f.w),
            max(0.0, f.center[1] - _REACH_UP * f.h),
            min(float(w), f.center[0] + _REACH_X * f.w),
            min(float(h), f.center[1] + _REACH_DOWN * f.h),
        ]
        for f in faces
    ]
    _cut(boxes, [f.center for f in faces])
    for box, face in zip(boxes, faces, strict=True):
        for obstacle in obstacles:
            _clear_of(box, face.center, obstacle)
    out = []
    for x0, y0, x1, y1 in boxes:  # rounded alike, so cut edges meet without overlapping
        ix0, iy0 = round(x0), round(y0)
        out.append(Rect(ix0, iy0, max(1, round(x1) - ix0), max(1, round(y1) - iy0)))
    return out


def tiles_from_faces(
    image: np.ndarray,
    faces: Sequence[Rect],
    frame_index: int,
    timestamp: float,
    previous: Tiles | None = None,
    first_slot: int = 0,
    obstacles: Sequence[Rect] = (),
) -> Tiles:
    """Tiles (layout "faces") around the given faces, in reading order, clear of obstacles.

    `previous` are the face tiles of an earlier search; slot numbers start at `first_slot`
    when there are none (faces beside a grid take slots of their own, far above the grid's).
    """
    h, w = image.shape[:2]
    rects = tile_rects(faces, (w, h), obstacles)
    return _tiles(image, rects, frame_index, timestamp, previous, first_slot, set(), "faces")


def tiles_from_cells(
    image: np.ndarray,
    rects: Sequence[Rect],
    frame_index: int,
    timestamp: float,
    previous: Tiles | None,
    camera_off: set[Rect],
) -> Tiles:
    """Tiles (layout "grid") of the given rectangles, those in `camera_off` camera-off tiles;
    slots kept from `previous` by place or content."""
    return _tiles(image, rects, frame_index, timestamp, previous, 0, camera_off, "grid")


def _tiles(
    image: np.ndarray,
    rects: Sequence[Rect],
    frame_index: int,
    timestamp: float,
    previous: Tiles | None,
    first_slot: int,
    camera_off: set[Rect],
    layout: LayoutKind,
) -> Tiles:
    h, w = image.shape[:2]
    ordered, shape = reading_order(list(rects))
    scale = min(1.0, _SIGNATURE_WIDTH / w)
    small = cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    signatures = [signature(small, r, scale) for r in ordered]
    if previous is not None and previous.tiles:
        slots = assign_slots(ordered, signatures, previous)
    else:
        slots = [first_slot + i for i in range(len(ordered))]
    tiles = tuple(
        Tile(slot=s, rect=r, kind="camera_off" if r in camera_off else "video", signature=sig)
        for s, r, sig in zip(slots, ordered, signatures, strict=True)
    )
    return Tiles(
        frame_index, timestamp, (w, h), tiles, layout, shape if layout == "grid" else (0, 0)
    )
