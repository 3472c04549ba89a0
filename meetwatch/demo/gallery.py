"""Draw a meeting window the way Zoom, Teams or Meet would, with the ground truth behind it.

`meetwatch demo` shows these instead of a live meeting, and the layout tests check the tile
splitter against the returned `GroundTruthTile`s. The grids follow the clients' own column
rule (columns = ceil(sqrt(n)), last row centred), tiles are 16:9 webcam pictures, and each
style adds its gaps, rounded corners, name labels, speaker border and camera-off look.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from meetwatch.demo.sample_faces import demo_faces
from meetwatch.demo.styles import BGR, STYLES, ClientStyle, StyleName
from meetwatch.demo.webcam import webcam_frame
from meetwatch.errors import ConfigError
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import LayoutKind, TileKind

__all__ = [
    "Gallery",
    "GroundTruthTile",
    "demo_faces",
    "grid_shape",
    "render_gallery",
    "render_screen_share",
    "render_speaker_view",
]

MAX_TILES = 81  # Meet shows up to 9 x 9
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_WHITE: BGR = (255, 255, 255)
_AVATAR_COLOURS: tuple[BGR, ...] = ((180, 105, 52), (60, 130, 230), (90, 160, 60), (160, 80, 170))
_NAMES = (
    "Ana Souza",
    "Ben Carter",
    "Chen Wei",
    "Dana Levi",
    "Emeka Obi",
    "Farah Khan",
    "Goran Ilic",
    "Hana Sato",
    "Ivan Petrov",
    "Jo Park",
    "Kofi Mensah",
    "Lena Vogel",
    "Mateo Ruiz",
    "Nora Berg",
    "Omar Haddad",
    "Priya Nair",
)


@dataclass(frozen=True)
class GroundTruthTile:
    slot: int
    rect: Rect
    kind: TileKind
    faces: tuple[Rect, ...] = ()  # in frame pixels; two for a shared-camera tile
    active_speaker: bool = False
    name_strip: Rect | None = None

    @property
    def face(self) -> Rect | None:
        return self.faces[0] if self.faces else None


@dataclass(frozen=True)
class Gallery:
    image: np.ndarray  # BGR uint8, H x W x 3
    tiles: list[GroundTruthTile]
    layout: LayoutKind
    grid: tuple[int, int] = (0, 0)  # (rows, cols) for a grid
    share: Rect | None = None  # the shared-screen area in a screen-share layout


def grid_shape(n_tiles: int) -> tuple[int, int]:
    """(rows, cols) the clients use: 2 -> 1x2, 3-4 -> 2x2, 5-6 -> 2x3, ..., 49 -> 7x7."""
    cols = math.ceil(math.sqrt(n_tiles))
    return math.ceil(n_tiles / cols), cols


class _Painter:
    """Shared state while drawing one window: style, scale, face supply, names, randomness."""

    def __init__(
        self,
        faces: Sequence[np.ndarray],
        style: StyleName | ClientStyle,
        size: tuple[int, int],
        names: Sequence[str] | None,
        rng: np.random.Generator | None,
    ) -> None:
        if isinstance(style, str) and style not in STYLES:
            raise ConfigError(f"unknown gallery style {style!r}; choose zoom, teams or meet")
        w, h = size
        if w < 160 or h < 90:
            raise ConfigError(f"gallery size {w}x{h} is too small; need at least 160x90")
        self.style: ClientStyle = STYLES[style] if isinstance(style, str) else style
        self.scale = h / 1080
        rng = rng if rng is not None else np.random.default_rng(0)
        self.seed = int(rng.integers(2**31))
        self.names = list(names) if names else list(_NAMES)
        self._faces: Iterator[np.ndarray] | None = itertools.cycle(faces) if faces else None
        self.image = np.empty((h, w, 3), np.uint8)
        self.image[:] = self.style.background
        self._draw_chrome()

    def px(self, value: float) -> int:
        return max(1, round(value * self.scale))

    def area(self) -> Rect:
        """The part of the window left for tiles once the toolbars take their margins."""
        left, top, right, bottom = (self.px(m) for m in self.style.margins)
        h, w = self.image.shape[:2]
        return Rect(left, top, w - left - right, h - top - bottom)

    def next_face(self) -> np.ndarray:
        if self._faces is None:
            raise ConfigError("the gallery has video tiles but no face images were given")
        return next(self._faces)

    def _draw_chrome(self) -> None:
        """Header bar and toolbar buttons, so the splitter has real clutter to ignore."""
        h, w = self.image.shape[:2]
        _, top, _, bottom = (self.px(m) for m in self.style.margins)
        if self.style.bar is not None:
            cv2.rectangle(self.image, (0, 0), (w, top - self.px(12)), self.style.bar, -1)
            cv2.putText(
                self.image,
                "Meeting",
                (self.px(20), top // 2),
                _FONT,
                0.5 * self.scale,
                (200, 200, 200),
                1,
                cv2.LINE_AA,
            )
        y = (top - self.px(12)) // 2 if self.style.bar is not None else h - bottom // 2
        for i in range(5):
            x = w // 2 + self.px(70) * (i - 2)
            cv2.circle(self.image, (x, y), self.px(16), (70, 67, 64), -1, cv2.LINE_AA)
        cv2.rectangle(
            self.image,
            (w - self.px(120), y - self.px(12)),
            (w - self.px(30), y + self.px(12)),
            (40, 40, 210),
            -1,
        )

    def tile(
        self,
        slot: int,
        rect: Rect,
        *,
        camera_off: bool,
        speaker: bool = False,
        people: int = 1,
    ) -> GroundTruthTile:
        st = self.style
        name = self.names[slot % len(self.names)]
        if slot >= len(self.names):  # names stay unique: each picks its own room below
            name += f" ({slot // len(self.names) + 1})"
        if camera_off:
            content = np.empty((rect.h, rect.w, 3), np.uint8)
            content[:] = st.camera_off_tile
            self._camera_off_face(content, name, slot)
            faces: tuple[Rect, ...] = ()
        else:
            shown = [self.next_face() for _ in range(people)]
            # seeded by the name: a participant keeps their room when their face changes
            # and wherever their tile moves
            look = np.random.default_rng([self.seed, zlib.crc32(name.encode())])
            content, boxes = webcam_frame(shown, rect.w, rect.h, look)
            faces = tuple(Rect(rect.x + b.x, rect.y + b.y, b.w, b.h) for b in boxes)
        radius = self.px(st.corner_radius) if st.corner_radius else 0
        if speaker:
            _rounded(
                content,
                Rect(0, 0, rect.w, rect.h),
                radius,
                st.speaker_border,
                self.px(st.speaker_thickness),
            )
        label = self._name_label(content, name)
        mask = np.zeros((rect.h, rect.w), np.uint8)
        _rounded(mask, Rect(0, 0, rect.w, rect.h), radius, (255,), -1)
        roi = self.image[rect.y : rect.y + rect.h, rect.x : rect.x + rect.w]
        np.copyto(roi, content, where=mask[:, :, None] > 0)
        strip = Rect(rect.x + label.x, rect.y + label.y, label.w, label.h)
        kind: TileKind = "camera_off" if camera_off else "video"
        return GroundTruthTile(slot, rect, kind, faces, speaker, strip)

    def _camera_off_face(self, content: np.ndarray, name: str, slot: int) -> None:
        h, w = content.shape[:2]
        if self.style.avatar:
            r = max(4, int(h * 0.18))
            colour = _AVATAR_COLOURS[slot % len(_AVATAR_COLOURS)]
            cv2.circle(content, (w // 2, h // 2), r, colour, -1, cv2.LINE_AA)
            _centred_text(content, name[0], (w // 2, h // 2), r / 22, _WHITE)
        else:
            _centred_text(content, name, (w // 2, h // 2), max(0.4, h / 250), _WHITE)

    def _name_label(self, content: np.ndarray, name: str) -> Rect:
        """Bottom-left name (on a dark translucent box for Zoom/Teams); returns its box."""
        h, w = content.shape[:2]
        font = float(np.clip(h / 320, 0.35, 0.8))
        (tw, th), base = cv2.getTextSize(name, _FONT, font, 1)
        pad = max(2, int(th * 0.4))
        box = Rect(
            self.px(6),
            h - th - base - 2 * pad - self.px(6),
            min(w - self.px(12), tw + 2 * pad),
            th + base + 2 * pad,
        )
        if self.style.label_box:
            roi = content[box.y : box.y + box.h, box.x : box.x + box.w]
            roi[:] = (roi.astype(np.float32) * 0.35).astype(np.uint8)
        else:
            cv2.putText(
                content,
                name,
                (box.x + pad + 1, box.y + pad + th + 1),
                _FONT,
                font,
                (0, 0, 0),
                2,
                cv2.LINE_AA,
            )
        cv2.putText(
            content, name, (box.x + pad, box.y + pad + th), _FONT, font, _WHITE, 1, cv2.LINE_AA
        )
        return box

    def strip_and_main(self, n_thumbs: int) -> tuple[list[Rect], Rect]:
        """Thumbnail rectangles along the style's strip side and the main area beside them."""
        a, gap = self.area(), self.px(self.style.gap)
        if self.style.strip == "top":
            th = int(a.h * 0.15)
            tw = min(int(th * 16 / 9), (a.w - (n_thumbs - 1) * gap) // max(1, n_thumbs))
            th = int(tw * 9 / 16)
            x0 = a.x + (a.w - n_thumbs * tw - (n_thumbs - 1) * gap) // 2
            thumbs = [Rect(x0 + i * (tw + gap), a.y, tw, th) for i in range(n_thumbs)]
            main = Rect(a.x, a.y + th + 2 * gap, a.w, a.h - th - 2 * gap)
        else:
            tw = int(a.w * 0.17)
            th = min(int(tw * 9 / 16), (a.h - (n_thumbs - 1) * gap) // max(1, n_thumbs))
            tw = int(th * 16 / 9)
            y0 = a.y + (a.h - n_thumbs * th - (n_thumbs - 1) * gap) // 2
            thumbs = [Rect(a.x + a.w - tw, y0 + i * (th + gap), tw, th) for i in range(n_thumbs)]
            main = Rect(a.x, a.y, a.w - tw - 2 * gap, a.h)
        return thumbs, main


def _rounded(
    img: np.ndarray, r: Rect, radius: int, colour: tuple[int, ...], thickness: int
) -> None:
    """A (filled when thickness < 0) rectangle with rounded corners."""
    x0, y0, x1, y1 = r.x, r.y, r.x + r.w - 1, r.y + r.h - 1
    radius = min(radius, r.w // 2, r.h // 2)
    if thickness < 0:
        cv2.rectangle(img, (x0 + radius, y0), (x1 - radius, y1), colour, -1)
        cv2.rectangle(img, (x0, y0 + radius), (x1, y1 - radius), colour, -1)
        if radius:
            for cx, cy in (
                (x0 + radius, y0 + radius),
                (x1 - radius, y0 + radius),
                (x0 + radius, y1 - radius),
                (x1 - radius, y1 - radius),
            ):
                cv2.circle(img, (cx, cy), radius, colour, -1)
        return
    half = thickness // 2
    inner = Rect(x0 + half, y0 + half, max(1, r.w - thickness), max(1, r.h - thickness))
    ix0, iy0, ix1, iy1 = inner.x, inner.y, inner.x + inner.w - 1, inner.y + inner.h - 1
    rad = max(0, radius - half)
    for p, q in (
        ((ix0 + rad, iy0), (ix1 - rad, iy0)),
        ((ix0 + rad, iy1), (ix1 - rad, iy1)),
        ((ix0, iy0 + rad), (ix0, iy1 - rad)),
        ((ix1, iy0 + rad), (ix1, iy1 - rad)),
    ):
        cv2.line(img, p, q, colour, thickness)
    if rad:
        for (cx, cy), start in (
            ((ix0 + rad, iy0 + rad), 180),
            ((ix1 - rad, iy0 + rad), 270),
            ((ix1 - rad, iy1 - rad), 0),
            ((ix0 + rad, iy1 - rad), 90),
        ):
            cv2.ellipse(img, (cx, cy), (rad, rad), 0, start, start + 90, colour, thickness)


def _centred_text(
    img: np.ndarray, text: str, centre: tuple[int, int], font: float, colour: BGR
) -> None:
    (tw, th), _ = cv2.getTextSize(text, _FONT, font, 2)
    cv2.putText(
        img, text, (centre[0] - tw // 2, centre[1] + th // 2), _FONT, font, colour, 2, cv2.LINE_AA
    )


def _grid_rects(area: Rect, n: int, gap: int) -> list[Rect]:
    rows, cols = grid_shape(n)
    tw = min((area.w - (cols - 1) * gap) / cols, (area.h - (rows - 1) * gap) / rows * 16 / 9)
    th = tw * 9 / 16
    y0 = area.y + (area.h - rows * th - (rows - 1) * gap) / 2
    rects = []
    for i in range(n):
        row, col = divmod(i, cols)
        in_row = min(cols, n - row * cols)
        x0 = area.x + (area.w - in_row * tw - (in_row - 1) * gap) / 2
        x, y = round(x0 + col * (tw + gap)), round(y0 + row * (th + gap))
        rects.append(
            Rect(x, y, round(x0 + col * (tw + gap) + tw) - x, round(y0 + row * (th + gap) + th) - y)
        )
    return rects


def render_gallery(
    faces: Sequence[np.ndarray],
    n_tiles: int,
    style: StyleName | ClientStyle = "zoom",
    size: tuple[int, int] = (1920, 1080),
    camera_off: set[int] | frozenset[int] = frozenset(),
    speaker: int | None = None,
    names: Sequence[str] | None = None,
    rng: np.random.Generator | None = None,
    two_people: set[int] | frozenset[int] = frozenset(),
) -> Gallery:
    """A gallery of n_tiles participants; faces are used in turn (and reused if too few).

    camera_off, speaker and two_people name tile slots (0-based, reading order): tiles with
    the camera off, the active speaker's bordered tile, tiles where two people share a camera.
    """
    if not 1 <= n_tiles <= MAX_TILES:
        raise ConfigError(f"a gallery has 1 to {MAX_TILES} tiles, not {n_tiles}")
    painter = _Painter(faces, style, size, names, rng)
    rects = _grid_rects(painter.area(), n_tiles, painter.px(painter.style.gap))
    tiles = [
        painter.tile(
            i,
            r,
            camera_off=i in camera_off,
            speaker=i == speaker,
            people=2 if i in two_people else 1,
        )
        for i, r in enumerate(rects)
    ]
    return Gallery(painter.image, tiles, "grid", grid_shape(n_tiles))


def _fit(area: Rect, aspect: float) -> Rect:
    w = min(area.w, int(area.h * aspect))
    h = int(w / aspect)
    return Rect(area.x + (area.w - w) // 2, area.y + (area.h - h) // 2, w, h)


def render_speaker_view(
    faces: Sequence[np.ndarray],
    n_thumbs: int,
    style: StyleName = "zoom",
    size: tuple[int, int] = (1920, 1080),
    camera_off: set[int] | frozenset[int] = frozenset(),
    names: Sequence[str] | None = None,
    rng: np.random.Generator | None = None,
) -> Gallery:
    """The speaker big (slot 0) with the others as a strip of thumbnails (slots 1..n)."""
    if not 1 <= n_thumbs <= 8:
        raise ConfigError(f"a speaker view shows 1 to 8 thumbnails, not {n_thumbs}")
    painter = _Painter(faces, style, size, names, rng)
    thumbs, main = painter.strip_and_main(n_thumbs)
    rects = [_fit(main, 16 / 9), *thumbs]
    tiles = [painter.tile(i, r, camera_off=i in camera_off) for i, r in enumerate(rects)]
    return Gallery(painter.image, tiles, "speaker")


def render_screen_share(
    faces: Sequence[np.ndarray],
    n_thumbs: int,
    style: StyleName = "zoom",
    size: tuple[int, int] = (1920, 1080),
    camera_off: set[int] | frozenset[int] = frozenset(),
    names: Sequence[str] | None = None,
    rng: np.random.Generator | None = None,
) -> Gallery:
    """A shared slide filling the main area, participants as thumbnails (slots 0..n-1)."""
    if not 1 <= n_thumbs <= 8:
        raise ConfigError(f"a screen share shows 1 to 8 thumbnails, not {n_thumbs}")
    painter = _Painter(faces, style, size, names, rng)
    thumbs, main = painter.strip_and_main(n_thumbs)
    share = _fit(main, 16 / 9)
    _draw_slide(painter.image, share)
    tiles = [painter.tile(i, r, camera_off=i in camera_off) for i, r in enumerate(thumbs)]
    return Gallery(painter.image, tiles, "screen_share", share=share)


def _draw_slide(img: np.ndarray, r: Rect) -> None:
    """A flat presentation slide: white page, title bar, bullet lines, a bar chart."""
    slide = img[r.y : r.y + r.h, r.x : r.x + r.w]
    slide[:] = (250, 250, 250)
    u = r.h / 100
    cv2.rectangle(slide, (0, 0), (r.w, int(14 * u)), (120, 60, 20), -1)
    cv2.putText(
        slide, "Quarterly review", (int(4 * u), int(10 * u)), _FONT, u / 4, _WHITE, 2, cv2.LINE_AA
    )
    for i in range(5):
        y = int((26 + 12 * i) * u)
        cv2.circle(slide, (int(6 * u), y), max(1, int(u)), (60, 60, 60), -1)
        cv2.putText(
            slide,
            f"Point number {i + 1} of the agenda",
            (int(9 * u), y + int(u)),
            _FONT,
            u / 7,
            (40, 40, 40),
            1,
            cv2.LINE_AA,
        )
    for i, bar in enumerate((30, 45, 38, 60)):
        x = r.w // 2 + int((20 + 14 * i) * u)
        cv2.rectangle(
            slide,
            (x, int(90 * u) - int(bar * u)),
            (x + int(9 * u), int(90 * u)),
            (60, 140, 230),
            -1,
        )
