"""Where the presenter overlay draws each part, and where it snaps to (pure geometry, no Qt).

Kept apart from the widget so the painter and the tests agree on positions: a test samples
the pixel in the middle of grid cell 3 because this module says where cell 3 is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from meetwatch.geometry import Rect

Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]
CORNERS: tuple[Corner, ...] = ("top-left", "top-right", "bottom-left", "bottom-right")
SNAP_MARGIN = 16  # pixels between the overlay and the screen edge

GAUGE_START = 225.0  # degrees, counter-clockwise from 3 o'clock: bottom-left
GAUGE_SWEEP = 270.0  # drawn clockwise, ending bottom-right


@dataclass(frozen=True)
class OverlayLayout:
    size: tuple[int, int]
    header: Rect
    gauge: Rect
    section: Rect | None = None
    attentive: Rect | None = None
    faces: Rect | None = None
    emotion_caption: Rect | None = None
    emotions: Rect | None = None
    sparkline: Rect | None = None
    grid: Rect | None = None
    alert: Rect | None = None
    disclosure: Rect | None = None

    @classmethod
    def full(cls) -> OverlayLayout:
        return cls(
            size=(340, 266),
            header=Rect(12, 8, 316, 20),
            section=Rect(12, 28, 316, 14),
            gauge=Rect(14, 46, 108, 108),
            attentive=Rect(136, 46, 192, 24),
            faces=Rect(136, 70, 192, 14),
            emotion_caption=Rect(136, 86, 192, 12),
            emotions=Rect(136, 100, 192, 12),
            sparkline=Rect(136, 130, 192, 26),
            grid=Rect(12, 162, 316, 50),
            alert=Rect(12, 218, 316, 20),
            disclosure=Rect(12, 244, 316, 14),
        )

    @classmethod
    def compact(cls) -> OverlayLayout:
        """Gauge, REC and an alert marker only: for a crowded screen."""
        return cls(size=(148, 150), header=Rect(8, 6, 132, 18), gauge=Rect(20, 30, 108, 108))


def gauge_point(rect: Rect, fraction: float, inset: float = 0.0) -> tuple[float, float]:
    """Point on the gauge arc (ring centre line when inset is the half ring width) at a
    fraction of its sweep."""
    cx, cy = rect.center
    radius = min(rect.w, rect.h) / 2 - inset
    angle = math.radians(GAUGE_START - GAUGE_SWEEP * fraction)
    return (cx + radius * math.cos(angle), cy - radius * math.sin(angle))


def corner_position(corner: Corner, size: tuple[int, int], screen: Rect) -> tuple[int, int]:
    """Top-left position that puts a window of `size` into `corner` of the screen."""
    w, h = size
    left = screen.x + SNAP_MARGIN
    right = screen.x + screen.w - w - SNAP_MARGIN
    top = screen.y + SNAP_MARGIN
    bottom = screen.y + screen.h - h - SNAP_MARGIN
    x = left if corner.endswith("left") else right
    y = top if corner.startswith("top") else bottom
    return (x, y)


def nearest_corner(window: Rect, screen: Rect) -> Corner:
    """The screen corner closest to the window's centre: where a dragged overlay settles."""
    wx, wy = window.center
    sx, sy = screen.center
    return CORNERS[(0 if wy < sy else 2) + (0 if wx < sx else 1)]
