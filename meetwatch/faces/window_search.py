"""Frame -> face boxes: every face in a whole window, without knowing its layout.

mediapipe's detector shrinks what it is given to 192 px, so on a whole 1080p gallery it finds
nothing, and covering 24 px faces with overlapping windows small enough for it takes hundreds
of runs (3-4 s a frame). Instead a Haar cascade (shipped inside OpenCV) proposes faces from
24 px up in one pass over the gray frame, and each proposal is confirmed by mediapipe's
detector on a crop three times its size, where the face is as big as in a gallery tile. Large
faces, and faces turned too far for the cascade, are found by the detector itself on a few
overlapping half-frame windows and the whole frame.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import mediapipe as mp
import numpy as np

from meetwatch.errors import ModelError
from meetwatch.geometry import Rect, clusters

MIN_FACE = 24  # px: the smallest face promised to be found
_CASCADE = "haarcascade_frontalface_alt2.xml"
# The cascade is four fifths of a search. Between its scales 1.2 rather than 1.1, with one
# overlapping hit enough for a proposal: a third faster, and on dataset galleries (9-75 tiles,
# drawn and through mp4v) 424 of 466 faces against 417 (the detector weeds out the rest).
_SCALE_STEP = 1.2
_NEIGHBOURS = 1
# A window lower than this is searched enlarged to it: there faces of 24-30 px are common (a
# 5x5 grid at 360p), and the cascade, which starts at 24 px, proposes them only once they are
# bigger (dataset galleries at 360p: 137 of 150 faces at 1x, all 150 at 1.5x). Enlarged, the
# window is still smaller than a 720p one; larger windows are searched as they are.
_SEARCH_HEIGHT = 540
_CONFIRM_CROP = 3.0  # crop side / proposal side: the face fills a third, as in a tile
_CONFIRM_REACH = 0.5  # a confirming detection's centre lies this far (of the side) at most
_SAME_FACE_IOU = 0.3
_MIN_BOX = 0.6  # the detector's box is tighter than the face: 24 px faces give 15-18 px boxes
_CELL = 96  # px: a 2x2 mosaic of cells is the full-range detector's 192 px input
_MOSAIC = 2
_MOSAIC_CROP = 2.0  # crop side / proposal side in a mosaic cell: the face fills half
_LATTICE_MIN_FACES = 4  # fewer faces say nothing about rows and columns
_LATTICE_TOLERANCE = 0.5  # face heights: centres this close share a row or a column
_LATTICE_MAX_CELLS = 2  # cells per face found: more means scattered faces, not a gallery
SQUARE_ASPECT = 1.25  # a tile this much longer than wide is also searched in its middle


@dataclass(frozen=True)
class FaceBox:
    rect: Rect  # frame pixels
    score: float


@dataclass(frozen=True)
class SearchStats:
    proposals: int = 0  # cascade hits before confirmation
    windows: int = 0  # detector runs on windows and crops
    faces: int = 0
    seconds: float = 0.0


class WindowSearch:
    """Finds faces at least MIN_FACE px high anywhere in a frame (BGR).

    Uses mediapipe's full-range (`far`) and short-range (`near`) face detectors. A live
    session borrows the faces stage's own (`FaceFinder.window_search`), since both run in the
    analysis thread one after the other: a second set would only cost memory. Without them it
    builds its own. Graphs are not thread-safe: use from one thread, `close()` after (or use
    `contextlib.closing`); only graphs it built are closed.
    """

    def __init__(
        self, min_detection_confidence: float = 0.5, detectors: tuple[Any, Any] | None = None
    ) -> None:
        path = cv2.data.haarcascades + _CASCADE  # type: ignore[attr-defined]
        self._cascade = cv2.CascadeClassifier(path)
        if self._cascade.empty():
            raise ModelError(f"OpenCV's face cascade {path} is missing or unreadable")
        self._owned = detectors is None
        if detectors is None:
            detection = mp.solutions.face_detection.FaceDetection
            detectors = (
                detection(model_selection=1, min_detection_confidence=min_detection_confidence),
                detection(model_selection=0, min_detection_confidence=min_detection_confidence),
            )
        self._far, self._near = detectors
        self.last_stats = SearchStats()

    def find(self, image: np.ndarray, region: Rect | None = None) -> list[FaceBox]:
        """Faces in the image (or in one region of it), best first, one box per face."""
        t0 = time.perf_counter()
        h, w = image.shape[:2]
        r = region or Rect(0, 0, w, h)
        if min(r.w, r.h) < MIN_FACE:
            self.last_stats = SearchStats()
            return []
        view = image[r.y : r.y + r.h, r.x : r.x + r.w]
        scale = max(1.0, _SEARCH_HEIGHT / h)
        if scale > 1.0:
            view = cv2.resize(view, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        rgb = cv2.cvtColor(view, cv2.COLOR_BGR2RGB)
        gray = cv2.equalizeHist(cv2.cvtColor(view, cv2.COLOR_BGR2GRAY))
        proposals = self._cascade.detectMultiScale(
            gray, scaleFactor=_SCALE_STEP, minNeighbors=_NEIGHBOURS, minSize=(MIN_FACE, MIN_FACE)
        )
        boxes = [
            Rect(int(x), int(y), int(s), int(s))
            for x, y, s, _ in np.asarray(proposals).reshape(-1, 4)
        ]
        found, unsure, runs = self._confirm_in_mosaics(rgb, boxes)
        for proposal in unsure:
            box, tries = self._confirm(rgb, proposal)
            runs += tries
            if box is not None:
                found.append(box)
        for window in _windows(view.shape[1], view.shape[0]):
            runs += 1
            found += _detect(self._far, rgb, window)
        faces = [
            FaceBox(
                Rect(
                    round(f.rect.x / scale) + r.x,
                    round(f.rect.y / scale) + r.y,
                    round(f.rect.w / scale),
                    round(f.rect.h / scale),
                ),
                f.score,
            )
            for f in _one_per_face(found)
            if min(f.rect.w, f.rect.h) >= _MIN_BOX * MIN_FACE * scale
        ]
        self.last_stats = SearchStats(len(proposals), runs, len(faces), time.perf_counter() - t0)
        return faces

    def fill_in(self, image: np.ndarray, found: list[FaceBox]) -> list[FaceBox]:
        """Faces the search missed where the rows and columns of the others say a face may be.

        A gallery's faces sit on a lattice; a cell of it with no face found is searched like a
        tile (`tile_detections` on the cell, until a run finds a face big enough), which
        finds small or turned faces the cascade did not propose. Not a lattice (few faces, or
        scattered ones): nothing is added. Returns the faces found in empty cells.
        """
        cells = _empty_cells([f.rect for f in found])
        if not cells:
            return []
        h, w = image.shape[:2]
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        added: list[FaceBox] = []
        for cell in cells:
            x0, y0 = max(0, cell.x), max(0, cell.y)
            crop = Rect(x0, y0, min(w, cell.x + cell.w) - x0, min(h, cell.y + cell.h) - y0)
            if min(crop.w, crop.h) < MIN_FACE:
                continue
            view = np.ascontiguousarray(rgb[crop.y : crop.y + crop.h, crop.x : crop.x + crop.w])
            for detections in tile_detections(self._far, self._near, view):
                boxes = _boxes(detections, crop)
                inside = [b for b in boxes if min(b.rect.w, b.rect.h) >= _MIN_BOX * MIN_FACE]
                if inside:
                    added.append(max(inside, key=lambda b: b.score))
                    break
        return [b for b in _one_per_face(found + added) if b in added]

    def _confirm_in_mosaics(
        self, rgb: np.ndarray, proposals: list[Rect]
    ) -> tuple[list[FaceBox], list[Rect], int]:
        """Confirm proposals four at a time: crops scaled to one cell each of a 2x2 mosaic the
        size of the detector's input, so one run confirms four faces. Returns the confirmed
        boxes, the proposals left unsure, and the number of runs."""
        per = _MOSAIC * _MOSAIC
        found: list[FaceBox] = []
        unsure: list[Rect] = []
        runs = 0
        for start in range(0, len(proposals), per):
            group = proposals[start : start + per]
            mosaic = np.zeros((_MOSAIC * _CELL, _MOSAIC * _CELL, 3), np.uint8)
            squares = []
            for k, p in enumerate(group):
                side = p.w * _MOSAIC_CROP
                x0, y0 = p.center[0] - side / 2, p.center[1] - side / 2
                scale = _CELL / side
                warp = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]], np.float32)
                row, col = divmod(k, _MOSAIC)
                mosaic[row * _CELL : (row + 1) * _CELL, col * _CELL : (col + 1) * _CELL] = (
                    cv2.warpAffine(rgb, warp, (_CELL, _CELL), flags=cv2.INTER_AREA)
                )
                squares.append((x0, y0, side))
            runs += 1
            cells: dict[int, FaceBox] = {}
            for box in _detect(self._far, mosaic, Rect(0, 0, mosaic.shape[1], mosaic.shape[0])):
                bx, by = box.rect.center
                row, col = int(by // _CELL), int(bx // _CELL)
                k = row * _MOSAIC + col
                if k >= len(group):
                    continue
                x0, y0, side = squares[k]
                u, v = (bx - col * _CELL) / _CELL, (by - row * _CELL) / _CELL
                if (
                    abs(u - 0.5) * _MOSAIC_CROP <= _CONFIRM_REACH
                    and abs(v - 0.5) * _MOSAIC_CROP <= _CONFIRM_REACH
                ):
                    f = side / _CELL
                    rect = Rect(
                        round(x0 + (box.rect.x - col * _CELL) * f),
                        round(y0 + (box.rect.y - row * _CELL) * f),
                        round(box.rect.w * f),
                        round(box.rect.h * f),
                    )
                    if k not in cells or box.score > cells[k].score:
                        cells[k] = FaceBox(rect, box.score)
            found += cells.values()
            unsure += [p for k, p in enumerate(group) if k not in cells]
        return found, unsure, runs

    def _confirm(self, rgb: np.ndarray, proposal: Rect) -> tuple[FaceBox | None, int]:
        """The detector's box for the face proposed here, if the detector sees one."""
        side = round(proposal.w * _CONFIRM_CROP)
        cx, cy = proposal.center
        h, w = rgb.shape[:2]
        x0, y0 = max(0, round(cx - side / 2)), max(0, round(cy - side / 2))
        crop = Rect(x0, y0, min(w, x0 + side) - x0, min(h, y0 + side) - y0)
        tries = 0
        for graph in (self._far, self._near):
            tries += 1
            for box in _detect(graph, rgb, crop):
                bx, by = box.rect.center
                reach = _CONFIRM_REACH * proposal.w
                if abs(bx - cx) <= reach and abs(by - cy) <= reach:
                    return box, tries
        return None, tries

    def close(self) -> None:
        if self._owned:
            self._far.close()
            self._near.close()


def tile_detections(far: Any, near: Any, rgb: np.ndarray) -> Iterator[list[Any]]:
    """A tile's detections from one run after another, boxes relative to the tile: the caller
    stops at the first run that gives a face it keeps. `far` and `near` are mediapipe's
    full-range and short-range face detectors.

    Full-range first: it is the model that sees small gallery faces, but it misses faces that
    fill much of their tile (a close webcam, a single window): on FER-2013 faces filling two
    thirds of the image it found half, the short-range model nearly all. Neither model is
    symmetric: a turned or small compressed face both miss is at times found in the mirrored
    tile (and FaceMesh then meshes it the right way round). Last, the short-range model on the
    middle square of a wide (or tall) tile: on the whole tile it sees a 16:9 webcam picture
    squeezed into its square input with the face a third smaller, and painted, screaming or
    hand-covered faces are found only at their full size. Only tiles where nobody was found
    pay for the later runs.
    """
    yield list(far.process(rgb).detections or [])
    yield list(near.process(rgb).detections or [])
    mirrored = list(far.process(np.ascontiguousarray(rgb[:, ::-1])).detections or [])
    for det in mirrored:
        box = det.location_data.relative_bounding_box
        box.xmin = 1.0 - box.xmin - box.width
    yield mirrored
    h, w = rgb.shape[:2]
    square = _centre_square(w, h)
    if square is not None:
        x, y, side = square
        found = near.process(np.ascontiguousarray(rgb[y : y + side, x : x + side])).detections
        for det in found or []:
            box = det.location_data.relative_bounding_box
            box.xmin, box.width = (x + box.xmin * side) / w, box.width * side / w
            box.ymin, box.height = (y + box.ymin * side) / h, box.height * side / h
        yield list(found or [])


def _centre_square(w: int, h: int) -> tuple[int, int, int] | None:
    """The square (x, y, side) in the middle of a tile longer than SQUARE_ASPECT times its
    width, where a webcam keeps its face; None for a squarish tile."""
    side = min(w, h)
    if max(w, h) < SQUARE_ASPECT * side:
        return None
    start = (max(w, h) - side) // 2
    return (start, 0, side) if w > h else (0, start, side)


def _windows(w: int, h: int) -> list[Rect]:
    """The whole frame and half-frame windows overlapping by half: for faces of 1/10 frame up."""
    side = min(w, h) // 2
    out = [Rect(0, 0, w, h)]
    if side < 4 * MIN_FACE:
        return out
    step = side // 2
    xs = sorted({*range(0, w - side + 1, step), w - side})
    ys = sorted({*range(0, h - side + 1, step), h - side})
    return out + [Rect(x, y, side, side) for y in ys for x in xs]


def _empty_cells(faces: list[Rect]) -> list[Rect]:
    """Cells (a cell's spacing wide and high, round a lattice point) of the lattice the faces'
    centres lie on, that hold no face; none when the faces form no lattice."""
    if len(faces) < _LATTICE_MIN_FACES:
        return []
    size = float(np.median([f.h for f in faces]))
    cols = clusters([f.center[0] for f in faces], _LATTICE_TOLERANCE * size)
    rows = clusters([f.center[1] for f in faces], _LATTICE_TOLERANCE * size)
    if len(cols) < 2 or len(rows) < 2 or len(cols) * len(rows) > _LATTICE_MAX_CELLS * len(faces):
        return []
    dx, dy = float(np.median(np.diff(cols))), float(np.median(np.diff(rows)))
    out = []
    for y in rows:
        for x in cols:
            cell = Rect(round(x - dx / 2), round(y - dy / 2), round(dx), round(dy))
            if not any(centre_inside(f, cell) for f in faces):
                out.append(cell)
    return out


def centre_inside(face: Rect, r: Rect) -> bool:
    cx, cy = face.center
    return r.x <= cx <= r.x + r.w and r.y <= cy <= r.y + r.h


def _detect(graph: Any, rgb: np.ndarray, window: Rect) -> list[FaceBox]:
    crop = np.ascontiguousarray(rgb[window.y : window.y + window.h, window.x : window.x + window.w])
    return _boxes(graph.process(crop).detections or [], window)


def _boxes(detections: list[Any], window: Rect) -> list[FaceBox]:
    """mediapipe detections relative to a window -> boxes in the image's pixels."""
    out = []
    for det in detections:
        rel = det.location_data.relative_bounding_box
        x0 = max(0.0, rel.xmin) * window.w
        y0 = max(0.0, rel.ymin) * window.h
        x1 = min(1.0, rel.xmin + rel.width) * window.w
        y1 = min(1.0, rel.ymin + rel.height) * window.h
        if x1 - x0 >= 1 and y1 - y0 >= 1:
            rect = Rect(window.x + round(x0), window.y + round(y0), round(x1 - x0), round(y1 - y0))
            out.append(FaceBox(rect, float(det.score[0])))
    return out


def _one_per_face(boxes: list[FaceBox]) -> list[FaceBox]:
    """Best-scoring box of each face: overlapping boxes, or one's centre inside another."""
    kept: list[FaceBox] = []
    for box in sorted(boxes, key=lambda b: -b.score):
        if not any(_same_face(box.rect, k.rect) for k in kept):
            kept.append(box)
    return kept


def _same_face(a: Rect, b: Rect) -> bool:
    if a.iou(b) >= _SAME_FACE_IOU:
        return True
    (ax, ay), (bx, by) = a.center, b.center
    inside_b = b.x <= ax <= b.x + b.w and b.y <= ay <= b.y + b.h
    inside_a = a.x <= bx <= a.x + a.w and a.y <= by <= a.y + a.h
    return inside_a or inside_b
