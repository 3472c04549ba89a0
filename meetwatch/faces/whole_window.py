"""Tiles -> Tiles that explain every face: faces do not depend on the grid being found.

The layout stage may find no grid (one whole-window tile), a wrong one (faces cut by tile
borders), or a grid with a face beside it (a self-view floating by a short last row). Then
the whole window is searched (`WindowSearch`) and tiles are built around the faces found
(`tiles_from_faces`), so tracking, reports and the overlay still work per person.

Tiles run together into one block (a small call recorded at 360p: gaps rounded away or blurred,
touching placeholders one flat colour) are cut into their tiles where the faces found say
(`meetwatch.layout.lattice`), so everyone in the call keeps a tile, their camera on or off; a
face at a place the grid's rows and columns leave free (a row lost to a header bar) gets
that place as its tile.

One big face with no credible gallery round it is one webcam's picture (a still taken from a
camera, a 1:1 call): its wall, shelves and shoulders are not tiles, whatever the layout stage
read into them, and the whole window is that person's one tile.

The search costs about two 5x5 gallery frames (~0.3 s at 1080p on two cores), so it runs on
a session's first frame and then every SEARCH_EVERY frames; in between, the face tiles of the
last search are used again and the faces stage follows the faces inside them as it does in
grid tiles. A grid is searched whole once, when it first appears at a search; after that only
what lies off its tiles is searched.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from meetwatch.capture.frame import Frame
from meetwatch.faces.faces import Faces
from meetwatch.faces.window_search import MIN_FACE, FaceBox, WindowSearch, centre_inside
from meetwatch.geometry import Rect
from meetwatch.layout.face_tiles import tiles_from_cells, tiles_from_faces
from meetwatch.layout.grid import camera_shaped, even_cameras, free_places
from meetwatch.layout.lattice import cut_block, holds
from meetwatch.layout.regions import background_colour, background_mask
from meetwatch.layout.tile_look import camera_off_flags, photo_flags
from meetwatch.layout.tiles import Tile, Tiles

SEARCH_EVERY = 10  # frames between searches
EXTRA_SLOTS = 10_000  # faces beside a grid take slots from here, clear of the grid's
_CUT = (0.2, 0.8)  # a face with this share inside its best tile is cut by the tile's border
_CUT_FACES = 1 / 3  # a grid that cuts this share of the faces is wrong (one may lean out)
# A tile holding this many faces is several tiles run together (a window whose border is
# mostly camera-off tiles reads as one tile); a group camera's people get a tile each too.
_CROWDED = 3
_BIG_FACE = 0.15  # of the frame height: one face this big is a webcam video, not a gallery
_OUTSIDE = 0.2  # a face with less than this share in every tile lies beside the grid
_SAME_TILE = 0.9  # IoU: a tile this close to one of the last layout's is the same tile
_EXPLAINED = 0.5  # of the content block: a layout whose tiles cover less explains too little
_WELL_EXPLAINED = 0.9  # of the content block: a layout whose tiles cover less may miss tiles
_CONTENT_SHARE = 0.2  # of a row or column, not background: part of the gallery's block
_SEARCH_MARGIN = 0.02  # of the frame: how far around leftover content the search looks
_EMPTY_PLACE = 0.5  # share of background in a grid's free place that is no lost tile

Layout = tuple[tuple[int, int], tuple[Rect, ...]]  # frame size and tile rectangles


class WholeWindow:
    """Per session: call with each frame and the layout stage's tiles, get the tiles to search.

    Searches with `search` (pass `FaceFinder.window_search()` to share the faces stage's
    detectors; by default it builds its own): create once and `close()` after.
    """

    def __init__(
        self, search: WindowSearch | None = None, search_every: int = SEARCH_EVERY
    ) -> None:
        if search_every < 1:
            raise ValueError(f"search_every must be at least 1, got {search_every}")
        self._search = search if search is not None else WindowSearch()
        self._every = search_every
        self._age = 0
        self._checked: Layout | None = None  # the layout the last search looked at
        self._faces: Tiles | None = None  # tiles around the faces of the last search
        self._replaced: Layout | None = None  # the layout they replace; None: beside it
        self._layout_tiles: Tiles | None = None  # the layout stage's, as last given
        self.searched = False  # whether the last call searched the window

    def reset(self) -> None:
        """Forget the last layout and faces: the next frame is from another recording."""
        self._age, self._checked, self._faces, self._replaced = 0, None, None, None

    def __call__(self, frame: Frame, tiles: Tiles) -> Tiles:
        """The tiles to search in this frame.

        A search runs on a session's first frame, when the frame size changes, and then every
        `search_every` frames, never more often: a recording whose grid is found in one frame
        and lost in the next costs one search per period, not one per frame. A layout that
        changes between searches is used as the layout stage gives it until the next search.
        """
        layout = (frame.size, tuple(t.rect for t in tiles.tiles))
        last = self._checked
        self.searched = last is None or last[0] != frame.size or self._age + 1 >= self._every
        if self.searched:
            self._age = 0
            if self._webcam or tiles.layout == "single" or _same_layout(layout, self._replaced):
                self._around_faces(frame, tiles, layout)
            elif not _same_layout(layout, last):
                self._check_grid(frame, tiles, layout)
            else:
                self._beside_grid(frame, tiles)
            self._checked = layout
        else:
            self._age += 1
        self._layout_tiles = tiles
        faces = self._faces
        if faces is None:
            return tiles
        if self._replaced is not None:
            # one webcam's picture stays one tile while the layout stage reads its wall anew
            # each frame; a grid of equal camera tiles showing up is followed at once
            held = self._webcam and not (tiles.layout == "grid" and even_cameras(layout[1]))
            if held or _same_layout(layout, self._replaced):
                return dataclasses.replace(
                    faces, frame_index=frame.index, timestamp=frame.timestamp
                )
            return tiles
        if tiles.layout == "single":
            return tiles  # the grid they lay beside is gone
        return dataclasses.replace(tiles, tiles=tiles.tiles + faces.tiles)

    def keep_found(self, tiles: Tiles, faces: Faces) -> Tiles:
        """The tiles without those built around a face this frame where the faces stage then
        found none (an emoji, a face on a poster): nobody shows in them, and a tile nobody
        shows in would be a participant who is always away. Call after each `find`. Tiles
        cut from a block (layout "grid") stay, as a grid's do: the lattice framed them."""
        built = self._faces
        if not self.searched or built is None or built.layout != "faces":
            return tiles  # a webcam's tile stays when its person has left: they are away
        with_face = set(faces.slots.tolist())
        empty = {t.slot for t in built.tiles if t.slot not in with_face and t.kind != "camera_off"}
        if not empty:
            return tiles
        kept = tuple(t for t in built.tiles if t.slot not in empty)
        self._faces = dataclasses.replace(built, tiles=kept) if kept else None
        if self._replaced is not None and not kept and self._layout_tiles is not None:
            return self._layout_tiles
        return dataclasses.replace(
            tiles, tiles=tuple(t for t in tiles.tiles if t.slot not in empty)
        )

    def _keep(
        self,
        found: list[FaceBox],
        frame: Frame,
        replaced: Layout | None,
        beside: Tiles | None = None,
    ) -> None:
        """Tiles around the faces found, replacing a layout or beside the tiles `beside`;
        slots carry over from the last search's tiles when those had the same role."""
        previous = self._faces if (self._replaced is None) == (replaced is None) else None
        self._replaced = replaced if found else None
        if not found:
            self._faces = None
            return
        built = tiles_from_faces(
            frame.image,
            [f.rect for f in found],
            frame.index,
            frame.timestamp,
            previous,
            first_slot=0 if beside is None else EXTRA_SLOTS,
            obstacles=() if beside is None else [t.rect for t in (*beside.tiles, *beside.covered)],
        )
        self._faces = _photos_off(frame.image, built, [f.rect for f in found])

    @property
    def _webcam(self) -> bool:
        """The last search found one webcam's picture (`_whole`: the only "single" tiles it
        keeps; tiles round faces are "faces")."""
        return self._faces is not None and self._faces.layout == "single"

    def _around_faces(self, frame: Frame, tiles: Tiles, layout: Layout) -> None:
        """Tiles around every face in the window, unless it is one webcam's picture. Once it
        was, it stays one while nobody shows (its person has left: away, not gone), and a new
        layout with other faces is judged as any new grid is."""
        found = self._search.find(frame.image)
        if self._mend(found, frame, tiles, layout):
            return
        if _one_webcam(found, tiles, frame.size[1]):
            self._whole(frame, layout)
            return
        if self._webcam and not found:
            return
        if self._webcam and tiles.layout != "single" and not _same_layout(layout, self._replaced):
            self._judge_grid(found, frame, tiles, layout)
            return
        found += self._search.fill_in(frame.image, found)
        self._keep(found, frame, replaced=layout)

    def _whole(self, frame: Frame, layout: Layout) -> None:
        """One webcam's picture: the whole window is its one tile, replacing `layout`."""
        w, h = frame.size
        self._faces = Tiles(
            frame.index, frame.timestamp, frame.size, (Tile(0, Rect(0, 0, w, h)),), "single"
        )
        self._replaced = layout

    def _check_grid(self, frame: Frame, tiles: Tiles, layout: Layout) -> None:
        """A new grid: search the whole window once; faces cut by tile borders or crowded into
        one tile mean the grid is wrong (tiles are built around the faces instead), faces
        outside it get tiles."""
        found = self._search.find(frame.image)
        if self._mend(found, frame, tiles, layout):
            return
        if _one_webcam(found, tiles, frame.size[1]):
            self._whole(frame, layout)
        else:
            self._judge_grid(found, frame, tiles, layout)

    def _mend(self, found: list[FaceBox], frame: Frame, tiles: Tiles, layout: Layout) -> bool:
        """Whether the layout lost tiles that the faces found (and those `fill_in` then finds
        where their rows and columns say) give back; the mended tiles then replace `layout`.

        Tiles run together into blocks are cut into their tiles (`cut_block`). Blocks are
        tiles holding two faces or more, tiles of no camera's shape, a layout's only tile,
        and the window's content where the layout explains little of it (no gallery found, a
        block's name labels read as a speaker view's thumbnails, two tiles parted from six
        run together). The content is also cut when there is a block or the layout leaves
        some of it uncovered, and that cut is taken where it gives more tiles: faces beside
        placeholders run into the margin, or a few tiles found among placeholders whose
        edges blurred, are a part of the call, and the content's cut, where it passes, is
        all of it. Where nothing is cut, a grid's free places that hold a face are its
        tiles (`_at_free_places`)."""
        colour = background_colour(frame.image)
        if colour is None or not found:
            return False
        faces = [f.rect for f in found]
        alone = len(tiles.tiles) == 1
        joined = {
            t.slot
            for t in tiles.tiles
            if alone
            or sum(centre_inside(f, t.rect) for f in faces) >= 2
            or not camera_shaped(t.rect)
        }
        content = _content_block(frame.image, colour)
        covered = 0.0 if content is None else _covered(tiles, content)
        # a well-explained grid with no joined tile has nothing to cut: only a free place
        to_cut = bool(joined) or (content is not None and covered < _WELL_EXPLAINED)
        if to_cut:
            faces += [f.rect for f in self._search.fill_in(frame.image, found)]
        kept: list[Tile] = []
        cells: list[Rect] = []
        for tile in tiles.tiles:
            cut = cut_block(frame.image, tile.rect, faces, colour) if tile.slot in joined else None
            if cut is None:
                kept.append(tile)
            else:
                cells += cut
        cut = cut_block(frame.image, content, faces, colour) if to_cut and content else None
        if content is not None and cut is not None:
            inside = [r for r in [t.rect for t in kept] + cells if centre_inside(r, content)]
            if covered < _EXPLAINED or len(cut) > len(inside):
                kept = [t for t in kept if not centre_inside(t.rect, content)]
                cells = [c for c in cells if not centre_inside(c, content)] + cut
        if not cells:
            cells = _at_free_places(frame.image, colour, tiles, faces)
        if not cells:
            return False
        off = {t.rect for t in kept if t.kind == "camera_off"}
        # a faceless cell that is no placeholder is a live tile whose face the search missed
        faceless = [c for c in cells if not any(centre_inside(f, c) for f in faces)]
        off |= {
            c
            for c, flag in zip(faceless, camera_off_flags(frame.image, faceless), strict=True)
            if flag
        }
        previous = self._faces if self._replaced is not None else tiles
        rects = [t.rect for t in kept] + cells
        built = tiles_from_cells(
            frame.image, rects, frame.index, frame.timestamp, previous, camera_off=off
        )
        self._faces = _photos_off(frame.image, built, faces)
        self._replaced = layout
        return True

    def _judge_grid(self, found: list[FaceBox], frame: Frame, tiles: Tiles, layout: Layout) -> None:
        """Replace the grid by tiles round the faces `found` if it cuts or crowds them, else
        give the faces beside it tiles of their own."""
        rects = [t.rect for t in tiles.tiles]
        shares = [_inside_share(f.rect, rects) for f in found]
        lo, hi = _CUT
        cut = sum(lo <= s <= hi for s in shares)
        crowded = any(sum(centre_inside(f.rect, r) for f in found) >= _CROWDED for r in rects)
        if crowded or (cut and cut >= _CUT_FACES * len(found)):
            self._keep(found + self._search.fill_in(frame.image, found), frame, replaced=layout)
        else:
            outside = [f for f, s in zip(found, shares, strict=True) if s < _OUTSIDE]
            self._keep(_beside(tiles, outside), frame, replaced=None, beside=tiles)

    def _beside_grid(self, frame: Frame, tiles: Tiles) -> None:
        """Search only what the grid leaves over: content off the tiles (a self-view)."""
        rects = [t.rect for t in (*tiles.tiles, *tiles.covered)]
        found: list[FaceBox] = []
        if tiles.layout != "screen_share":
            for region in _leftover_content(frame.image, rects):
                found += self._search.find(frame.image, region)
        outside = [f for f in found if _inside_share(f.rect, rects) < _OUTSIDE]
        self._keep(outside, frame, replaced=None, beside=tiles)

    def close(self) -> None:
        self._search.close()


def _one_webcam(found: list[FaceBox], tiles: Tiles, height: int) -> bool:
    """One face, big, and no credible gallery round it: a grid of equal camera tiles (a 2x2
    call with one camera on), tiles beside ones a window covers, or a speaker view whose
    other tiles are all camera-off placeholders of a camera's shape. Tiles cut from a wall,
    shelves and shoulders are none of these: held-out faces in webcam pictures gave 0-7
    participants on 21 of 327 CK+ frames at 480p and 28 at 720p before this rule, 0 and 1
    after."""
    if len(found) != 1:
        return False
    face = found[0].rect
    if face.h < _BIG_FACE * height:
        return False
    if tiles.covered and tiles.tiles:
        return False  # a call with tiles a window covers keeps them (and their people)
    holder = next((t for t in tiles.tiles if centre_inside(face, t.rect)), None)
    if holder is None:
        return True  # the layout put the face on no tile, or read it all as under a window
    if tiles.layout == "grid" and even_cameras([t.rect for t in tiles.tiles]):
        return False  # a real grid
    others = [t for t in tiles.tiles if t is not holder]
    return not others or any(t.kind != "camera_off" or not camera_shaped(t.rect) for t in others)


def _at_free_places(
    image: np.ndarray, colour: tuple[int, int, int], tiles: Tiles, faces: list[Rect]
) -> list[Rect]:
    """The free places of a grid (`free_places`) that hold a face the layout gave no tile: a
    row the splitter lost when its gap blurred into a header bar (Teams at 360p), a live tile
    lost from a 7x7 grid at 720p. Tiles round those faces would count their people too, but
    the place is their tile, and a face the search missed there (found by `fill_in`) gets it
    as well. A place that is mostly the window's background holds a smaller picture (a
    self-view floating beside the grid), which keeps a tile of its own."""
    rects = [t.rect for t in tiles.tiles]
    outside = [f for f in faces if _inside_share(f, rects) < _OUTSIDE]
    if tiles.layout != "grid" or not outside:
        return []
    return [
        p
        for p in free_places(tiles.frame_size, rects)
        if any(holds(p, f) for f in outside)
        and background_mask(image[p.y : p.y + p.h, p.x : p.x + p.w], colour).mean() < _EMPTY_PLACE
    ]


def _photos_off(image: np.ndarray, tiles: Tiles, faces: list[Rect]) -> Tiles:
    """Tiles around a profile photo on a camera-off placeholder become camera-off tiles: the
    photo shows someone who is not there, and a user counts them as a camera that is off, not
    as a face looking at the screen."""
    owners = [next((f for f in faces if centre_inside(f, t.rect)), None) for t in tiles.tiles]
    judged = [(t, f) for t, f in zip(tiles.tiles, owners, strict=True) if f is not None]
    if not judged:
        return tiles
    flags = photo_flags(image, [f for _, f in judged], [t.rect for t, _ in judged])
    photos = {t.slot for (t, _), photo in zip(judged, flags, strict=True) if photo}
    return dataclasses.replace(
        tiles,
        tiles=tuple(
            dataclasses.replace(t, kind="camera_off") if t.slot in photos else t
            for t in tiles.tiles
        ),
    )


def _same_layout(a: Layout, b: Layout | None) -> bool:
    """Same frame size and tiles, each within a few pixels (a recording's tiles jitter)."""
    if b is None or a[0] != b[0] or len(a[1]) != len(b[1]):
        return False
    return all(max(r.iou(q) for q in b[1]) >= _SAME_TILE for r in a[1])


def _beside(tiles: Tiles, faces: list[FaceBox]) -> list[FaceBox]:
    """Faces off the tiles that are people: none beside a screen share (faces in the shared
    content are pictures, not participants)."""
    return [] if tiles.layout == "screen_share" else faces


def _inside_share(face: Rect, tiles: list[Rect]) -> float:
    """The largest share of the face inside any one tile."""
    return max((face.intersection(t) / max(1, face.area) for t in tiles), default=0.0)


def _covered(tiles: Tiles, content: Rect) -> float:
    """The share of the window's content block the layout's tiles cover (a single tile
    explains none of it)."""
    if tiles.layout == "single":
        return 0.0
    return sum(t.rect.intersection(content) for t in tiles.tiles) / max(1, content.area)


def _content_block(image: np.ndarray, colour: tuple[int, int, int]) -> Rect | None:
    """Where a gallery whose gaps are lost lies, as one block: the longest run of rows that
    are partly content (not the window's background), then the longest run of such columns
    in it. A header bar or a toolbar is parted from the tiles by a margin, and a short last
    row still counts (one tile of five is a fifth of the row)."""
    content = 1 - background_mask(image, colour)
    rows = _longest_run(content.mean(axis=1) >= _CONTENT_SHARE)
    if rows is None:
        return None
    y0, y1 = rows
    cols = _longest_run(content[y0:y1].mean(axis=0) >= _CONTENT_SHARE)
    if cols is None:
        return None
    x0, x1 = cols
    return Rect(x0, y0, x1 - x0, y1 - y0)


def _longest_run(flags: np.ndarray) -> tuple[int, int] | None:
    """(start, end) of the longest run of True in a 1-D array; None when there is none."""
    padded = np.concatenate([[0], flags.astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    if not len(edges):
        return None
    starts, ends = edges[::2], edges[1::2]
    k = int(np.argmax(ends - starts))
    return int(starts[k]), int(ends[k])


def _leftover_content(image: np.ndarray, tiles: list[Rect]) -> list[Rect]:
    """Bounding boxes (grown a little) of the window's non-background pixels off the tiles."""
    colour = background_colour(image)
    if colour is None:
        return []
    h, w = image.shape[:2]
    content = 1 - background_mask(image, colour)
    for r in tiles:
        content[r.y : r.y + r.h, r.x : r.x + r.w] = 0
    n, _, stats, _ = cv2.connectedComponentsWithStats(content, connectivity=8)
    pad = round(_SEARCH_MARGIN * max(w, h))
    out = []
    for x, y, bw, bh, _ in stats[1:n]:
        if min(bw, bh) >= MIN_FACE:
            x0, y0 = max(0, int(x) - pad), max(0, int(y) - pad)
            x1, y1 = min(w, int(x + bw) + pad), min(h, int(y + bh) + pad)
            out.append(Rect(x0, y0, x1 - x0, y1 - y0))
    return out
