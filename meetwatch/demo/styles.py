"""How each meeting client draws its gallery, as measured on real 1080p screenshots.

The layout stage must cope with all of them, so the look (background, gaps, corners, border
colours, where names and thumbnails go) is data here rather than branches in the renderer.
Pixel sizes are for a 1080-pixel-high window and scale with the rendered height.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BGR = tuple[int, int, int]
StyleName = Literal["zoom", "teams", "meet"]


@dataclass(frozen=True)
class ClientStyle:
    background: BGR
    camera_off_tile: BGR  # a tile whose camera is off is this flat colour
    gap: int  # between tiles
    margins: tuple[int, int, int, int]  # left, top, right, bottom (toolbars live there)
    corner_radius: int
    speaker_border: BGR
    speaker_thickness: int
    label_box: bool  # name drawn on a dark translucent box (Zoom, Teams) or bare (Meet)
    avatar: bool  # camera-off tiles show a coloured circle with an initial
    strip: Literal["top", "right"]  # where speaker view and screen share put the thumbnails
    bar: BGR | None  # a header bar across the window top, if the client draws one


STYLES: dict[StyleName, ClientStyle] = {
    "zoom": ClientStyle(
        background=(26, 26, 26),
        camera_off_tile=(36, 36, 36),
        gap=4,
        margins=(40, 40, 40, 64),
        corner_radius=0,
        speaker_border=(90, 230, 200),  # Zoom's yellow-green
        speaker_thickness=4,
        label_box=True,
        avatar=False,
        strip="top",
        bar=None,
    ),
    "teams": ClientStyle(
        background=(41, 41, 41),
        camera_off_tile=(61, 58, 57),
        gap=8,
        margins=(16, 64, 16, 16),
        corner_radius=8,
        speaker_border=(245, 133, 127),  # Teams purple
        speaker_thickness=4,
        label_box=True,
        avatar=True,
        strip="right",
        bar=(31, 31, 31),
    ),
    "meet": ClientStyle(
        background=(36, 33, 32),
        camera_off_tile=(67, 64, 60),
        gap=8,
        margins=(16, 16, 16, 88),
        corner_radius=12,
        speaker_border=(248, 180, 138),  # Meet blue
        speaker_thickness=4,
        label_box=False,
        avatar=True,
        strip="right",
        bar=None,
    ),
}
