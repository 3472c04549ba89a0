"""A block of tiles run together, cut into its tiles where the faces in it say.

Zoom's 4 px gaps round to nothing at 360p, a codec blurs a pixel-wide gap into the tiles beside
it, and touching camera-off placeholders are one flat colour with no line between them at all:
the splitter then sees a whole call as one block, and its camera-off people are lost. The faces
found in the block tell where its tiles may be: rows of equal cells of a camera's shape (the
last row may be short and centred), one face to a cell. A cut is trusted only where a straight
edge or a gap runs along a whole side of a cell somewhere on it (a picture beside a
placeholder, two rooms side by side; none is needed between placeholders, profile photo or
not), every cell without a face must be a placeholder (or a framed picture whose face the
search missed, `_missed_faces`), no cell may be the window's background, and what lies
beside a short last row must be.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from meetwatch.geometry import Rect
from meetwatch.layout.grid import camera_shaped
from meetwatch.layout.regions import BG_BRIGHTNESS_TOLERANCE, background_level
from meetwatch.layout.tile_look import camera_off_flags

_MAX_SIDE = 7  # rows or columns: a block of more tiles has its gaps (Meet's 49 at 1080p)
_FACE_INSIDE = 0.8  # share of a face inside its cell (a head may lean over the edge)
_FACE_HEIGHT = (0.12, 0.75)  # a face's height in its cell's: head and shoulders in a tile
_STEP = 12  # a step across a cut in any colour channel, or a gap this deep, is an edge
_EDGE_SHARE = 0.7  # share of a cell's side along which the edge must run
_SHIFT = 2  # px: a cut may lie this far off the even position (rounding, a blurred gap)
_SIDE_PAD = 0.1  # of a side, left out at each end: corners, a name label, a speaker border
_FOUND_PER_MISSED = 2  # faces found in a block for each live tile whose face was missed


@dataclass(frozen=True)
class _Lattice:
    rows: int
    cols: int
    last: int  # cells in the last row, centred


def cut_block(
    image: np.ndarray, block: Rect, faces: Sequence[Rect], background: tuple[int, int, int]
) -> list[Rect] | None:
    """The tiles of `block` (reading order) when it is two or more tiles run together, each
    face in one of them; None when no lattice of evenly cut cells explains it. The finest
    lattice that passes wins: every cut it makes is seen in the picture."""
    inside = [f for f in faces if _inside_share(f, block) >= _FACE_INSIDE]
    if not inside:
        return None
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    colour = image.astype(np.float32)
    level = background_level(background)
    best: list[Rect] | None = None
    for lattice in _lattices(block, len(inside)):
        cells = _cells(block, lattice)
        holders = _holders(cells, inside)
        if holders is None or (best is not None and len(cells) <= len(best)):
            continue
        last_row = cells[len(cells) - lattice.last :]
        if not _empty_beside_last_row(gray, block, last_row, level):
            continue
        faceless = [c for i, c in enumerate(cells) if i not in holders]
        if _on_background(gray, faceless, level):
            continue
        placeholders = {
            c for c, off in zip(cells, camera_off_flags(image, cells), strict=True) if off
        }
        missed = [c for c in faceless if c not in placeholders]
        cuts = list(_cuts(block, cells, lattice))
        if missed and not _missed_faces(colour, cuts, missed, len(inside)):
            continue
        # the window beside a short row is no picture: no edge is needed beside a placeholder
        # (with or without a profile photo, whose face the search found)
        excused = placeholders | set(_beside_last_row(block, last_row))
        if all(_seen(colour, cut, excused) for cut in cuts):
            best = cells
    return best


def _lattices(block: Rect, faces: int) -> Iterator[_Lattice]:
    for rows in range(1, _MAX_SIDE + 1):
        for cols in range(1, _MAX_SIDE + 1):
            cell = Rect(0, 0, round(block.w / cols), round(block.h / rows))
            if rows * cols < 2 or not camera_shaped(cell):
                continue
            for last in range(1 if rows > 1 else cols, cols + 1):
                if (rows - 1) * cols + last >= max(2, faces):
                    yield _Lattice(rows, cols, last)


def _cells(block: Rect, lattice: _Lattice) -> list[Rect]:
    cw, ch = block.w / lattice.cols, block.h / lattice.rows
    out = []
    for i in range(lattice.rows):
        n = lattice.last if i == lattice.rows - 1 else lattice.cols
        x0 = block.x + (lattice.cols - n) * cw / 2
        for j in range(n):
            x, y = round(x0 + j * cw), round(block.y + i * ch)
            out.append(Rect(x, y, round(x0 + (j + 1) * cw) - x, round(block.y + (i + 1) * ch) - y))
    return out


def _holders(cells: list[Rect], faces: list[Rect]) -> set[int] | None:
    """The cells holding a face, one face each, whole and of a tile's face size; None if a
    face fits no cell that way or two share one."""
    held: set[int] = set()
    for face in faces:
        cell = max(range(len(cells)), key=lambda i: _inside_share(face, cells[i]))
        if cell in held or not holds(cells[cell], face):
            return None
        held.add(cell)
    return held


def holds(cell: Rect, face: Rect) -> bool:
    """Whether the face is a tile's face in this cell: (nearly) whole in it, of a head and
    shoulders' face size."""
    lo, hi = _FACE_HEIGHT
    return _inside_share(face, cell) >= _FACE_INSIDE and lo * cell.h <= face.h <= hi * cell.h


def _on_background(gray: np.ndarray, cells: list[Rect], level: int) -> bool:
    """Whether a faceless cell is the window's background (no tile: the lattice reaches past
    the gallery)."""
    return any(abs(_median(gray, c) - level) <= BG_BRIGHTNESS_TOLERANCE for c in cells)


def _missed_faces(
    colour: np.ndarray, cuts: list[list[tuple[Rect, Rect]]], missed: list[Rect], faces: int
) -> bool:
    """Whether faceless cells that are no placeholder are live tiles whose face the search
    missed (a screaming or hand-covered face beside placeholders): at most one per two faces
    found, and each framed, an edge along every side it shares with another cell (`cuts`, as
    `_cuts` gives them). A webcam's wall (one face) never qualifies, and a room's wall is
    framed by straight edges on all sides only by chance; the faces stage then searches such
    a tile on its own, harder."""
    if len(missed) > faces // _FOUND_PER_MISSED:
        return False
    return all(
        _edge_along(colour, *_side(a, b))
        for cut in cuts
        for a, b in cut
        if a in missed or b in missed
    )


def _beside_last_row(block: Rect, row: list[Rect]) -> tuple[Rect, Rect]:
    """What a last row leaves empty on its left and on its right (zero wide when it is full)."""
    first, final = row[0], row[-1]
    end = final.x + final.w
    return (
        Rect(block.x, first.y, first.x - block.x, first.h),
        Rect(end, first.y, block.x + block.w - end, first.h),
    )


def _empty_beside_last_row(gray: np.ndarray, block: Rect, row: list[Rect], level: int) -> bool:
    """Whether what a short last row leaves on each side is the window's background."""
    return all(
        r.w < 1 or abs(_median(gray, r) - level) <= BG_BRIGHTNESS_TOLERANCE
        for r in _beside_last_row(block, row)
    )


def _cuts(block: Rect, cells: list[Rect], lattice: _Lattice) -> Iterator[list[tuple[Rect, Rect]]]:
    """Each cut line of the lattice as the pairs of cells it parts, left and right or above
    and below (beside a short last row, the empty window on either side counts as a cell).
    Pairs at one x form one line: a column of placeholders under a live row is cut where the
    row is."""
    rows = _rows(cells, lattice)
    vertical: dict[int, list[tuple[Rect, Rect]]] = {}
    for row in rows:
        for left, right in itertools.pairwise(row):
            vertical.setdefault(right.x, []).append((left, right))
    yield from vertical.values()
    for above, below in itertools.pairwise(rows):
        yield [(a, b) for a in above for b in below if min(a.x + a.w, b.x + b.w) > max(a.x, b.x)]
    left, right = _beside_last_row(block, rows[-1])
    if left.w >= 1:  # a short last row's ends: its cells start and stop where the edges are
        yield [(left, rows[-1][0])]
        yield [(rows[-1][-1], right)]


def _rows(cells: list[Rect], lattice: _Lattice) -> list[list[Rect]]:
    out, k = [], 0
    for i in range(lattice.rows):
        n = lattice.last if i == lattice.rows - 1 else lattice.cols
        out.append(cells[k : k + n])
        k += n
    return out


def _seen(colour: np.ndarray, pairs: list[tuple[Rect, Rect]], excused: set[Rect]) -> bool:
    """Whether a cut line shows: an edge along the side of one pair of cells it parts, or no
    picture beside it at all (placeholders on both sides of every pair show no edge between
    them; the cut then follows from the others)."""
    if all(a in excused and b in excused for a, b in pairs):
        return True
    return any(_edge_along(colour, *_side(a, b)) for a, b in pairs)


def _side(a: Rect, b: Rect) -> tuple[Rect, bool]:
    """The side two neighbouring cells share: a zero-width rect at the x where b starts
    (vertical), or a zero-height one at the y where b starts, along their common span."""
    if b.x >= a.x + a.w - _SHIFT:
        y0, y1 = max(a.y, b.y), min(a.y + a.h, b.y + b.h)
        return Rect(b.x, y0, 0, y1 - y0), True
    x0, x1 = max(a.x, b.x), min(a.x + a.w, b.x + b.w)
    return Rect(x0, b.y, x1 - x0, 0), False


def _edge_along(colour: np.ndarray, side: Rect, vertical: bool) -> bool:
    """Whether a straight step or a gap runs along most of the side, within _SHIFT of it. A
    step is in any colour channel: two rooms of one brightness differ in hue."""
    h, w = colour.shape[:2]
    length = side.h if vertical else side.w
    pad = round(_SIDE_PAD * length)
    if length - 2 * pad < 4:
        return False
    if vertical:
        strip = colour[side.y + pad : side.y + side.h - pad]
        at, limit = side.x, w
    else:
        strip = colour[:, side.x + pad : side.x + side.w - pad].transpose(1, 0, 2)
        at, limit = side.y, h
    for d in range(-_SHIFT, _SHIFT + 1):
        x = at + d
        if x - 2 < 0 or x + 3 > limit:
            continue
        before = strip[:, x - 2 : x].mean(axis=1)
        line = strip[:, x]
        after = strip[:, x + 1 : x + 3].mean(axis=1)
        step = np.abs(before - after).max(axis=1) >= _STEP
        down, up = before - line, after - line
        gap = (np.minimum(np.abs(down), np.abs(up)) >= _STEP) & (np.sign(down) == np.sign(up))
        if float((step | gap.any(axis=1)).mean()) >= _EDGE_SHARE:
            return True
    return False


def _median(gray: np.ndarray, r: Rect) -> float:
    return float(np.median(gray[r.y : r.y + r.h, r.x : r.x + r.w]))


def _inside_share(face: Rect, r: Rect) -> float:
    return face.intersection(r) / max(1, face.area)
