"""layout stage: Frame -> Tiles (participant tiles with stable slots)."""

from meetwatch.layout.grid import split_tiles
from meetwatch.layout.tiles import Tile, Tiles

__all__ = ["Tile", "Tiles", "split_tiles"]
