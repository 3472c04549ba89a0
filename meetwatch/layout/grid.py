"""Frame -> Tiles: split a meeting window into participant tiles.

The window's background colour is read from its border, the tiles are the content rectangles
between background-coloured separators (`regions`), and their sizes tell the layout apart:
equal rectangles are a gallery grid; one big rectangle beside small equal ones is the
speaker view, or a screen share when the big one holds flat rendered content. Anything else
is one whole-window tile ("single"), and the faces stage builds tiles around the faces it
finds in the whole window (`meetwatch.faces.whole_window`). Recordings blur the gaps, so when
the first mask finds no clean grid, a second looks at brightness alone and a third at lines
nearer the background than both sides (gaps blended by scaling), and a fourth also cuts along
whole lines nearer the background than the lines beside them (gaps blocked by a low bitrate);
a gallery letterboxed in a player is looked into. Camera-off placeholders whose gaps a small
recording lost join the window's margin and are dropped with it; the grid's free places that
show a placeholder are added back.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence

import cv2
import numpy as np

from meetwatch.capture.frame import Frame
from meetwatch.geometry import Rect, clusters
from meetwatch.layout.identity import assign_slots
from meetwatch.layout.regions import (
    BG_BRIGHTNESS_TOLERANCE,
    background_colour,
    background_distance,
    background_level,
    background_mask,
    brightness_mask,
    content_regions,
    valley_mask,
)
from meetwatch.layout.tile_look import camera_off_flags, is_slide, signature
from meetwatch.layout.tiles import LayoutKind, Tile, Tiles

_MAX_WORK_SIDE = 3840  # bigger frames (8K) are shrunk first; gaps scale with them
_MIN_TILE_SIDE = 0.035  # of the frame's shorter side
_ASPECT_RANGE = (0.4, 3.2)  # w/h of anything that can be a participant tile
_BIG_VS_LARGEST = 0.5  # a region this close to the largest one belongs to the same grid
_SPEAKER_SHARE = 0.25  # of the window: the least a speaker's tile or a shared screen fills
_THUMB_VS_LARGEST = 0.5  # a thumbnail is at least this share of the strip's largest
_PLACE_TOLERANCE = 0.1  # of a tile's side: tiles this close start a row or column together
_PLACE_OVERLAP = 0.05  # of a free place: it may touch a tile by a blurred edge, no more
_THUMB_SIDES = 2.3  # smallest tile sides (`_MIN_TILE_SIDE`): the least a thumbnail is high
_MIN_COVERAGE = 0.15  # tiles must cover this share of the window to be a gallery
_SIGNATURE_WIDTH = 240
_REGULAR_AREA = 0.8  # the smallest tile of one gallery is at least this share of the largest
_MAX_GAP = 0.05  # of a tile's side: gaps between joined tiles are no wider
_CAMERA_ASPECT = (1.2, 2.0)  # w/h of a tile showing one camera (4:3 to 16:9 and a little)
_CLEAN_COVER = 0.85  # share of the non-background pixels a clean grab's tiles cover
_MISREAD = 2  # px: a grid's tile this much smaller or larger than the median was misread
_SAME_PLACE = 0.8  # IoU of a misread tile with where its row and column put it
_CUT_BAND = 2  # px either side of where an even cut of joined tiles expects their gap
# Mean brightness difference along a cut: gaps (blurred, or tiles touching at 360p) and
# borders measure up to 15 on the layout tests' windows, lines through a face 27 and more.
_CUT_LINE = 20.0
_EMPTY_PIECE = 0.5  # share of background in a piece of a joined block that is no tile
# px left out along a letterbox's edges: a codec rings there, and the ringing read as the
# picture's border would hide the gallery's own background colour
_BAR_EDGE = 2


def _split_merged(
    regions: list[Rect], image: np.ndarray, mask: np.ndarray, level: int
) -> list[Rect]:
    """Split regions that are a row, a column or a block of typical tiles run together.

    A speaker border or an overlay painted over a one-pixel gap, or a codec blurring it,
    joins neighbouring tiles; the grid's other tiles tell how big a tile is, so the joined
    block is cut evenly, where a gap or a border runs along every cut (`_cuts_follow_lines`).
    A piece that is mostly background is the empty corner beside a short last row, no tile.
    """
    if len(regions) < 2:
        return regions
    tw = float(np.median([r.w for r in regions]))
    th = float(np.median([r.h for r in regions]))
    out = []
    for r in regions:
        kx, ky = max(1, round(r.w / tw)), max(1, round(r.h / th))
        gx = (r.w - kx * tw) / (kx - 1) if kx > 1 else 0.0
        gy = (r.h - ky * th) / (ky - 1) if ky > 1 else 0.0
        fits_x = _joined(r.w, tw, kx, gx)
        fits_y = _joined(r.h, th, ky, gy)
        if kx * ky > 1 and fits_x and fits_y:
            pieces = [
                Rect(round(r.x + i * (tw + gx)), round(r.y + j * (th + gy)), round(tw), round(th))
                for j in range(ky)
                for i in range(kx)
            ]
            if _cuts_follow_lines(image, level, pieces, kx):
                out += [p for p in pieces if _background_share(mask, p) < _EMPTY_PIECE]
                continue
        out.append(r)
    return out


def _cuts_follow_lines(image: np.ndarray, level: int, pieces: list[Rect], kx: int) -> bool:
    """Whether a gap or a border runs between every two neighbouring pieces of a block.

    A gap blurred by a codec stays near the background's brightness, and a speaker border is
    one colour along its length; a cut through a picture (a centred last row's tile beside the
    block's missing corner) crosses a face or an avatar and varies far more along it.
    """
    for k, a in enumerate(pieces):
        right = pieces[k + 1] if (k + 1) % kx else None
        below = pieces[k + kx] if k + kx < len(pieces) else None
        if right is not None:
            pad = a.h // 10
            x0, x1 = a.x + a.w - _CUT_BAND, right.x + _CUT_BAND + 1
            strip = image[a.y + pad : a.y + a.h - pad, max(0, x0) : x1]
            if not _line_in(strip, level, axis=0):
                return False
        if below is not None:
            pad = a.w // 10
            y0, y1 = a.y + a.h - _CUT_BAND, below.y + _CUT_BAND + 1
            strip = image[max(0, y0) : y1, a.x + pad : a.x + a.w - pad]
            if not _line_in(strip, level, axis=1):
                return False
    return True


def _background_share(mask: np.ndarray, r: Rect) -> float:
    return cv2.countNonZero(mask[r.y : r.y + r.h, r.x : r.x + r.w]) / max(1, r.area)


def _line_in(strip: np.ndarray, level: int, axis: int) -> bool:
    """Whether some column (axis 0) or row (axis 1) of the strip is near the background's
    brightness or nearly one brightness along its length."""
    if strip.size == 0:
        return False
    gray = cv2.cvtColor(np.ascontiguousarray(strip), cv2.COLOR_BGR2GRAY).astype(np.float32)
    to_background = np.abs(gray - level).mean(axis=axis)
    along = np.abs(gray - np.median(gray, axis=axis, keepdims=True)).mean(axis=axis)
    return float(np.minimum(to_background, along).min()) <= _CUT_LINE


def _joined(side: float, tile: float, k: int, gap: float) -> bool:
    """Whether `side` is k tiles of `tile` joined by gaps that a client could draw."""
    if k == 1:
        return abs(side - tile) <= 0.05 * tile
    # down to -2: a blurred tile's edges are found a pixel in or out, so the tile size taken
    # from the grid's other tiles is up to two pixels off
    return -2.0 <= gap <= _MAX_GAP * tile


def _plausible(regions: list[Rect], min_side: int) -> list[Rect]:
    lo, hi = _ASPECT_RANGE
    return [r for r in regions if min(r.w, r.h) >= min_side and lo <= r.w / r.h <= hi]


def reading_order(rects: list[Rect]) -> tuple[list[Rect], tuple[int, int]]:
    """Rects sorted row by row, and (rows, cols) of the grid they form."""
    rows: list[list[Rect]] = []
    for r in sorted(rects, key=lambda r: r.center[1]):
        if rows and abs(rows[-1][0].center[1] - r.center[1]) < rows[-1][0].h / 2:
            rows[-1].append(r)
        else:
            rows.append([r])
    ordered = [r for row in rows for r in sorted(row, key=lambda r: r.x)]
    return ordered, (len(rows), max((len(row) for row in rows), default=0))


def _classify(
    image: np.ndarray, regions: list[Rect], min_side: int
) -> tuple[LayoutKind, list[Rect], tuple[int, int]]:
    """Layout kind, participant tiles in reading order and grid shape from content regions
    (`min_side`: the window's smallest tile side)."""
    h, w = image.shape[:2]
    largest = max(r.area for r in regions)
    big = [r for r in regions if r.area >= _BIG_VS_LARGEST * largest]
    small = _thumbnails([r for r in regions if r.area < _BIG_VS_LARGEST * largest], min_side)
    if len(big) == 1 and small and big[0].area >= _SPEAKER_SHARE * w * h:
        thumbs, _ = reading_order(small)
        if is_slide(image, big[0]) and not camera_off_flags(image, big)[0]:
            return "screen_share", thumbs, (0, 0)
        return "speaker", [big[0], *thumbs], (0, 0)
    if sum(r.area for r in big) < _MIN_COVERAGE * w * h:
        return "single", [Rect(0, 0, w, h)], (0, 0)
    ordered, shape = reading_order(big)
    return "grid", ordered, shape


def _thumbnails(small: list[Rect], min_side: int) -> list[Rect]:
    """The regions beside a big one that are of a thumbnail's size: a strip's thumbnails are
    drawn alike and at least _THUMB_SIDES smallest tile sides high (about 8 % of a landscape
    window; eight in a side strip are 12 %), while the letters of a camera-off tile's name
    that a recording has merged with the gaps round them are smaller (at 360p a letterboxed
    3+2 gallery read as a speaker view with 122 "thumbnails", a 2x3 one as a screen share
    with two)."""
    tall = [r for r in small if r.h >= _THUMB_SIDES * min_side]
    if not tall:
        return tall
    largest = max(r.area for r in tall)
    return [r for r in tall if r.area >= _THUMB_VS_LARGEST * largest]


Layout = tuple[LayoutKind, list[Rect], tuple[int, int]]


def _score(layout: Layout) -> float:
    """How much of a gallery a candidate explains: its tiles, halved when their sizes differ.

    Merged tiles (a gap lost to compression) lower the count; a tile wrongly cut in two
    leaves tiles of unequal size.
    """
    kind, rects, _ = layout
    if kind == "single":
        return 0.0
    grid = rects[1:] if kind == "speaker" else rects
    areas = [r.area for r in grid] or [1]
    regular = min(areas) >= _REGULAR_AREA * max(areas)
    return len(rects) * (1.0 if regular else 0.5)


def _clean_grid(layout: Layout, content: int, dropped: list[Rect]) -> bool:
    """Equal tiles of a camera's proportions covering nearly all content pixels, and nothing
    as big as a tile left out: nothing merged, cut or dropped, so the passes for recordings
    are not needed (merged tiles would be too wide, too tall or unequal, or dropped as
    implausible; in a grid of many tiles two dropped ones leave little content uncovered)."""
    kind, rects, _ = layout
    if kind != "grid" or not even_cameras(rects):
        return False
    tw, th = min(r.w for r in rects), min(r.h for r in rects)
    if any(r.w >= tw and r.h >= th for r in dropped):
        return False
    return sum(r.area for r in rects) >= _CLEAN_COVER * content


def _masks(
    image: np.ndarray, colour: tuple[int, int, int]
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """The masks to cut the window by, in turn, each with the distance image when whole lines
    that are valleys of it cut too: a clean grab, a recording (colour bled into the gaps), a
    scaled-down recording (gaps blended into the tiles beside them), and one at a low bitrate
    (gaps blocked, found only along whole lines; trusted only for a clean grid, since a narrow
    dark line beside a window over the gallery is such a valley too)."""
    yield background_mask(image, colour), None
    distance = background_distance(image, colour)
    yield brightness_mask(distance), None
    valleys = valley_mask(distance)
    yield valleys, None
    yield valleys, distance


def camera_shaped(r: Rect) -> bool:
    """A rectangle of a camera picture's proportions (4:3 to 16:9 and a little)."""
    lo, hi = _CAMERA_ASPECT
    return lo <= r.w / max(1, r.h) <= hi


def even_cameras(regions: Sequence[Rect]) -> bool:
    """Two or more regions of a camera's proportions and equal size: the least a clean grid
    needs (`_clean_grid`), checked before classifying them."""
    areas = [r.area for r in regions]
    return (
        len(regions) >= 2
        and min(areas) >= _REGULAR_AREA * max(areas)
        and all(camera_shaped(r) for r in regions)
    )


def _find_layout(image: np.ndarray, outer_min_side: int | None = None) -> Layout:
    """The best layout under the masks of `_masks`, looking inside a letterbox or a pillarbox
    if needed (`outer_min_side`: the window's smallest tile side, when looking inside; the
    picture inside is smaller, and its own would pass a name's letters as tiles)."""
    h, w = image.shape[:2]
    whole: Layout = ("single", [Rect(0, 0, w, h)], (0, 0))
    colour = background_colour(image)
    if colour is None:
        return whole
    level = background_level(colour)
    inside = outer_min_side is not None
    min_side = outer_min_side or max(8, round(_MIN_TILE_SIDE * min(w, h)))
    best, best_score = whole, 0.0
    looked_inside: set[Rect] = set()
    last: list[Rect] = []
    for mask, distance in _masks(image, colour):
        pieces = _split_merged(content_regions(mask, min_side, distance) or [], image, mask, level)
        regions = _plausible(pieces, min_side)
        whole_lines = distance is not None
        if not regions or (whole_lines and (pieces == last or not even_cameras(regions))):
            continue  # nothing new, or nothing this pass may give: judging it costs a few ms
        last = pieces
        found = _classify(image, regions, min_side)
        dropped = [r for r in pieces if r not in regions]
        clean = _clean_grid(found, mask.size - cv2.countNonZero(mask), dropped)
        if _score(found) > best_score and (clean or not whole_lines):
            best, best_score = found, _score(found)
        if clean:
            return best  # a clean grab: the other masks would find no more
        if len(regions) == 1 and not inside and regions[0] not in looked_inside:
            # one picture framed by bars: a gallery shown letterboxed in a player
            looked_inside.add(regions[0])
            r = _inset(regions[0], _BAR_EDGE)
            nested = _find_layout(image[r.y : r.y + r.h, r.x : r.x + r.w], min_side)
            moved = [Rect(t.x + r.x, t.y + r.y, t.w, t.h) for t in nested[1]]
            if _score(nested) > best_score:
                best, best_score = (nested[0], moved, nested[2]), _score(nested)
    return best


def _placeholders_between(image: np.ndarray, tiles: list[Rect]) -> list[Rect]:
    """Camera-off placeholders at the grid's free places: at 360p, or through a codec, the
    gap between two placeholders is lost and they join each other and the window's margin
    (Zoom's grey on its near-black), so the masks drop them with the margin. A free place of
    the grid's rows and columns that shows a placeholder, not the window's background, is
    one."""
    colour = background_colour(image)
    if colour is None:
        return []
    h, w = image.shape[:2]
    free = free_places((w, h), tiles)
    if not free:
        return []
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    level = background_level(colour)
    return [
        c
        for c, off in zip(free, camera_off_flags(image, free), strict=True)
        if off
        and abs(float(np.median(gray[c.y : c.y + c.h, c.x : c.x + c.w])) - level)
        > BG_BRIGHTNESS_TOLERANCE
    ]


def free_places(size: tuple[int, int], tiles: Sequence[Rect]) -> list[Rect]:
    """The places in a window of `size` where a grid of equal camera tiles has room for
    another (its rows and columns, and every step of its pitch from them) that no tile
    takes; none when the tiles are no such grid."""
    if not even_cameras(tiles):
        return []
    w, h = size
    tw = round(float(np.median([r.w for r in tiles])))
    th = round(float(np.median([r.h for r in tiles])))
    xs = _places([r.x for r in tiles], tw, w)
    ys = _places([r.y for r in tiles], th, h)
    taken = list(tiles)
    free = []
    for y in ys:
        for x in xs:
            cell = Rect(round(x), round(y), tw, th)
            inside = cell.x >= 0 and cell.y >= 0 and cell.x + tw <= w and cell.y + th <= h
            if inside and not any(cell.intersection(t) > _PLACE_OVERLAP * cell.area for t in taken):
                free.append(cell)
                taken.append(cell)
    return free


def _aligned(tiles: list[Rect]) -> list[Rect]:
    """A grid's tiles found smaller or larger than the others, set to the edges the other
    tiles of their row and column share (medians): a placeholder's dark edge blurred into the
    window's background by a codec (at 480p a 162x91 tile read as 159x88, a few pixels in from
    its row and column), or a gap blurred away round a tile (a 7x7 grid's tile at 720p read
    8 px too high). A tile that does not overlap what its row and column say is left as it
    is: it is no such misreading. The misread tile may have lost a camera's shape (a
    162x90 placeholder read as 162x75 at 720p): the grid's median tile must have it."""
    if len(tiles) < 2:
        return tiles
    tw = float(np.median([r.w for r in tiles]))
    th = float(np.median([r.h for r in tiles]))
    if not camera_shaped(Rect(0, 0, round(tw), round(th))):
        return tiles
    out = []
    for t in tiles:
        if abs(t.w - tw) <= _MISREAD and abs(t.h - th) <= _MISREAD:
            out.append(t)
            continue
        row = [r for r in tiles if r != t and abs(r.center[1] - t.center[1]) < th / 2]
        col = [r for r in tiles if r != t and abs(r.center[0] - t.center[0]) < tw / 2]
        x0, x1 = _shared_span([(r.x, r.x + r.w) for r in col], (t.x, t.x + t.w))
        y0, y1 = _shared_span([(r.y, r.y + r.h) for r in row], (t.y, t.y + t.h))
        fixed = Rect(x0, y0, x1 - x0, y1 - y0)
        out.append(fixed if fixed.iou(t) >= _SAME_PLACE else t)
    return out


def _shared_span(spans: list[tuple[int, int]], own: tuple[int, int]) -> tuple[int, int]:
    """The median start and end of the spans along one axis; `own` where there are none."""
    if not spans:
        return own
    return round(float(np.median([a for a, _ in spans]))), round(
        float(np.median([b for _, b in spans]))
    )


def _places(starts: list[int], size: int, limit: int) -> list[float]:
    """Where tiles may start along one axis: the found tiles' starts and every step of the
    grid's pitch from them inside the window (a row of placeholders between two found rows, a
    short last row's second place). The pitch is a tile and a gap, measured where two found
    tiles are neighbours, else a tile."""
    found = clusters([float(v) for v in starts], _PLACE_TOLERANCE * size)
    steps = [b - a for a, b in itertools.pairwise(found) if size <= b - a <= (1 + _MAX_GAP) * size]
    pitch = float(np.median(steps)) if steps else float(size)
    reach = round(limit / pitch)
    places = [v + k * pitch for v in found for k in range(-reach, reach + 1)]
    return clusters([p for p in places if 0 <= p <= limit - size], _PLACE_TOLERANCE * size)


def _inset(r: Rect, d: int) -> Rect:
    d = min(d, (r.w - 1) // 2, (r.h - 1) // 2)
    return Rect(r.x + d, r.y + d, r.w - 2 * d, r.h - 2 * d)


def _scaled(r: Rect, fx: float, fy: float, w: int, h: int) -> Rect:
    x0, y0 = min(w - 1, round(r.x * fx)), min(h - 1, round(r.y * fy))
    x1, y1 = min(w, round((r.x + r.w) * fx)), min(h, round((r.y + r.h) * fy))
    return Rect(x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def split_tiles(frame: Frame, previous: Tiles | None = None) -> Tiles:
    """The participant tiles of one frame; pass the previous result to keep slot identity."""
    w, h = frame.size
    if frame.missing:
        return Tiles(frame.index, frame.timestamp, (w, h), (), "single")
    image = frame.image
    shrink = max(1, math.ceil(max(w, h) / _MAX_WORK_SIDE))
    if shrink > 1:  # never to zero pixels: a 4000x3 strip stays at least one pixel high
        work = (max(1, w // shrink), max(1, h // shrink))
        image = cv2.resize(image, work, interpolation=cv2.INTER_AREA)
    fx, fy = w / image.shape[1], h / image.shape[0]
    layout, rects, grid = _find_layout(image)
    if layout == "grid":
        rects, grid = reading_order(_aligned(rects + _placeholders_between(image, rects)))
    sig_scale = min(1.0, _SIGNATURE_WIDTH / image.shape[1])
    ih, iw = image.shape[:2]
    small = cv2.resize(
        image,
        (max(1, round(iw * sig_scale)), max(1, round(ih * sig_scale))),
        interpolation=cv2.INTER_AREA,
    )
    signatures = [signature(small, r, sig_scale) for r in rects]
    in_frame = [_scaled(r, fx, fy, w, h) for r in rects]
    slots = assign_slots(in_frame, signatures, previous)
    participant = layout != "single"
    camera_off = camera_off_flags(image, rects) if participant else [False] * len(rects)
    tiles = [
        Tile(
            slot=slots[i],
            rect=in_frame[i],
            kind="camera_off" if camera_off[i] else "video",
            signature=signatures[i],
        )
        for i in range(len(rects))
    ]
    return Tiles(frame.index, frame.timestamp, (w, h), tuple(tiles), layout, grid)
