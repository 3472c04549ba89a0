"""Tiles: the participant tiles found in one Frame."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from meetwatch.geometry import Rect

TileKind = Literal["video", "camera_off"]
# "faces": no grid explained the window, so the tiles were built around the faces found in it
LayoutKind = Literal["grid", "speaker", "screen_share", "single", "faces"]


@dataclass(frozen=True)
class Tile:
    slot: int  # stable id of the tile position while the grid is unchanged; re-matched on reflow
    rect: Rect  # in frame pixels
    kind: TileKind = "video"
    # a tiny picture of the tile's content; lets the next frame keep slots when the grid reflows
    signature: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Tiles:
    frame_index: int
    timestamp: float
    frame_size: tuple[int, int]  # (width, height)
    tiles: tuple[Tile, ...]
    layout: LayoutKind
    grid: tuple[int, int] = (0, 0)  # (rows, cols) when layout == "grid"
    # Tiles another window covers (a dialog, a notification): their people keep their slots
    # while nothing of them can be seen, and the faces stage does not search them.
    covered: tuple[Tile, ...] = ()
    covered_since: float | None = None  # when a window began to lie over the tiles

    def __post_init__(self) -> None:
        fw, fh = self.frame_size
        for t in self.tiles:
            r = t.rect
            if r.x < 0 or r.y < 0 or r.x + r.w > fw or r.y + r.h > fh:
                raise ValueError(f"tile {t.slot} {r} lies outside the {fw}x{fh} frame")
        slots = [t.slot for t in (*self.tiles, *self.covered)]
        if len(set(slots)) != len(slots):
            raise ValueError(f"duplicate tile slots {slots}")
