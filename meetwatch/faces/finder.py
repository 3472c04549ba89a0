"""Tiles -> Faces: per-tile face detection, then FaceMesh on an upscaled crop of each face.

Whole-frame detection finds nothing on a 1080p gallery (a 7x7 face is ~60 px in a 1920 px
image that the detector shrinks to 192 px), so each tile is searched on its own with the
full-range detector. FaceMesh alone misses faces under ~60 px, so every detected face is cut
out as a square around its box, scaled to MESH_SIZE pixels and meshed there; the landmarks are
mapped back to frame pixels by `Faces.from_mediapipe`.
"""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import cv2
import mediapipe as mp
import numpy as np

from meetwatch.capture.frame import Frame
from meetwatch.faces.faces import Faces, MediapipeFace, mesh_points
from meetwatch.faces.window_search import WindowSearch, tile_detections
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tile, Tiles

# The crop is CROP_SCALE times the detector box: FaceMesh (static mode) first runs its own
# short-range detector on the crop, which needs the head and some background around the face;
# at 1.6 it rejected faces the tile detector had found (recall on FER-2013 galleries 90 %),
# at 2.4 it finds ~93 %. MESH_SIZE keeps the face ~160 px in the crop at that scale.
CROP_SCALE = 2.4
# A face FaceMesh rejects in that crop is tried once more in a snug one, where its detector sees
# the face larger: painted, screaming and hand-covered faces it misses at 2.4 are meshed at 1.6
# (with the middle-square detection of `tile_detections`, 26 of the 31 faces the real-looks
# galleries lost before are found). Only a failed mesh pays for the retry.
SNUG_CROP_SCALE = 1.6
# A followed face is meshed by a FaceMesh graph in tracking mode, which skips FaceMesh's own
# detector and places the landmark model where the previous crop's face was. That previous crop
# held another face, but every follow crop is centred on its face at CROP_SCALE times its
# extent, so the place carries over: on 99 faces of four real-face 5x5 galleries the landmarks
# differ from static mode's by 0.8 % of the face's size (median; 90th percentile 1.8 %), as
# much as a face tracked on its own (0.6 %, 1.7 %), at two thirds of the cost. A face the
# landmark model is less sure of than FOLLOW_CONFIDENCE counts as lost: at 0.5 (mediapipe's
# default) a person-sized blur where someone had been, fed to it straight after a face, was
# still meshed in 3 of 9 crops, at 0.8 in none, and no real face was lost.
FOLLOW_CONFIDENCE = 0.8
MESH_SIZE = 384
MIN_TILE_SIDE = 24  # px; smaller tiles cannot hold a face the detector can see
# A meshed face whose centre is further than this (fraction of the crop side) from the crop
# centre belongs to a neighbour that reaches into the crop, not to the detected face.
MAX_CENTRE_OFFSET = 0.25
# Faces found in a tile are meshed again at the same place in the next frame without running
# the tile detector (the crop is 2.4 times the face: room for a second's movement). The
# detector still searches each tile every REDETECT_EVERY frames, and at once when a followed
# face is lost, so a newcomer in a tile is found within a few frames. A tile where nobody was
# found (someone stepped away) gets the first QUICK_RUNS runs of `tile_detections` and meshes
# at CROP_SCALE alone every frame, which find anyone coming back, and the whole search every
# REDETECT_EVERY frames: its last run and the snug mesh find hard faces (painted, screaming,
# hand-covered) but would nearly double what a faceless tile costs (25 ms against 14).
REDETECT_EVERY = 5
QUICK_RUNS = 3


@dataclass(frozen=True)
class FindStats:
    """What the last `find` call did, for metrics and benchmarks."""

    tiles: int = 0  # tiles searched (camera-off and tiny tiles are skipped)
    detections: int = 0  # faces the detector reported
    faces: int = 0  # faces FaceMesh confirmed; the others are dropped
    detect_seconds: float = 0.0  # summed over the worker threads
    mesh_seconds: float = 0.0
    followed: int = 0  # tiles whose faces were meshed where they were, without detection


@dataclass(frozen=True)
class _Known:
    """Where a tile's faces were last seen, to mesh them there again without detection."""

    size: tuple[int, int]  # tile size they were found at
    squares: tuple[tuple[float, float, float], ...]  # mesh crops (cx, cy, side) in tile pixels
    scores: tuple[float, ...]
    age: int  # frames since the tile was last searched by the detector


@dataclass
class _TileResult:
    slot: int
    faces: list[MediapipeFace]
    known: _Known | None
    detections: int = 0
    detect_seconds: float = 0.0
    mesh_seconds: float = 0.0
    followed: bool = False
    thorough: bool = False  # every run of `tile_detections` was tried


class _Graphs:
    """One set of mediapipe graphs; each worker thread owns one (they are not thread-safe)."""

    def __init__(self, min_detection_confidence: float) -> None:
        detection = mp.solutions.face_detection.FaceDetection
        self.detector = detection(
            model_selection=1, min_detection_confidence=min_detection_confidence
        )
        self.close_detector = detection(
            model_selection=0, min_detection_confidence=min_detection_confidence
        )
        # Two faces, so that a neighbour reaching into the crop cannot hide the centred one.
        self.mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=2, refine_landmarks=True
        )
        self.follow_mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False,
            max_num_faces=1,
            refine_landmarks=True,
            min_tracking_confidence=FOLLOW_CONFIDENCE,
        )

    def close(self) -> None:
        self.detector.close()
        self.close_detector.close()
        self.mesh.close()
        self.follow_mesh.close()


class FaceFinder:
    """Finds every face in the tiles of a frame.

    Create once and reuse from one thread: the mediapipe graphs are built in the constructor
    and `close()` releases them. The tiles of a frame are shared between `workers` threads,
    each with graphs of its own (mediapipe releases the GIL while a graph runs, so two
    workers use both cores of a laptop: 1.6x on 2 cores). A detected face is meshed in
    static-image mode; after that a tile's faces are followed: meshed again where they were
    (see REDETECT_EVERY), in tracking mode (see FOLLOW_CONFIDENCE).
    """

    def __init__(self, min_detection_confidence: float = 0.5, workers: int = 2) -> None:
        if not 0.0 < min_detection_confidence < 1.0:
            raise ValueError(
                f"min_detection_confidence must lie in (0, 1), got {min_detection_confidence}"
            )
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._confidence = min_detection_confidence
        self._graphs = [_Graphs(min_detection_confidence) for _ in range(workers)]
        self._pool = ThreadPoolExecutor(workers - 1, "meetwatch-faces") if workers > 1 else None
        self._known: dict[int, _Known] = {}
        self._bare: dict[int, tuple[tuple[int, int], int]] = {}  # faceless tile: size, age
        self._closed = False
        self.last_stats = FindStats()

    def find(self, frame: Frame, tiles: Tiles) -> Faces:
        if self._closed:
            raise ValueError("FaceFinder.find called after close()")
        if tiles.frame_size != frame.size:
            raise ValueError(
                f"tiles were found on a {tiles.frame_size} frame, this frame is {frame.size}"
            )
        if frame.missing:
            self.last_stats = FindStats()
            return Faces.empty(frame.index, frame.timestamp)
        # A camera-off tile may show a profile photo: not a live face.
        todo = [
            t
            for t in tiles.tiles
            if t.kind != "camera_off" and min(t.rect.w, t.rect.h) >= MIN_TILE_SIDE
        ]
        groups = [todo[i :: len(self._graphs)] for i in range(len(self._graphs))]
        futures = [
            self._pool.submit(self._search, graphs, frame, group)
            for graphs, group in zip(self._graphs[1:], groups[1:], strict=True)
            if self._pool is not None and group
        ]
        results = self._search(self._graphs[0], frame, groups[0])
        for future in futures:
            results += future.result()
        order = {t.slot: i for i, t in enumerate(todo)}
        results.sort(key=lambda r: order[r.slot])
        self._known = {r.slot: r.known for r in results if r.known is not None}
        sizes = {t.slot: (t.rect.w, t.rect.h) for t in todo}
        self._bare = {
            r.slot: (sizes[r.slot], 0 if r.thorough else self._bare[r.slot][1] + 1)
            for r in results
            if not r.faces
        }
        found = [f for r in results for f in r.faces]
        self.last_stats = FindStats(
            tiles=len(todo),
            detections=sum(r.detections for r in results),
            faces=len(found),
            detect_seconds=sum(r.detect_seconds for r in results),
            mesh_seconds=sum(r.mesh_seconds for r in results),
            followed=sum(r.followed for r in results),
        )
        return Faces.from_mediapipe(frame.index, frame.timestamp, found)

    def _search(self, graphs: _Graphs, frame: Frame, tiles: list[Tile]) -> list[_TileResult]:
        out = []
        for tile in tiles:
            r = tile.rect
            rgb = cv2.cvtColor(frame.image[r.y : r.y + r.h, r.x : r.x + r.w], cv2.COLOR_BGR2RGB)
            result = self._follow(graphs, rgb, tile)
            if result is None:
                bare = self._bare.get(tile.slot)
                quick = bare is not None and bare[0] == (r.w, r.h) and bare[1] + 1 < REDETECT_EVERY
                result = self._detect_tile(graphs, rgb, tile, thorough=not quick)
            out.append(result)
        return out

    def _follow(self, graphs: _Graphs, rgb: np.ndarray, tile: Tile) -> _TileResult | None:
        """Mesh the tile's faces where they were last frame; None when a search is due."""
        known = self._known.get(tile.slot)
        size = (tile.rect.w, tile.rect.h)
        if known is None or known.size != size or known.age + 1 >= REDETECT_EVERY:
            return None
        t0 = time.perf_counter()
        faces = [
            self._mesh(graphs.follow_mesh, rgb, tile, square, None, score)
            for square, score in zip(known.squares, known.scores, strict=True)
        ]
        if any(f is None for f in faces):
            return None  # someone moved or left: search the whole tile
        kept = [f for f in faces if f is not None]
        return _TileResult(
            tile.slot,
            kept,
            _known_from(kept, tile, size, known.age + 1),
            mesh_seconds=time.perf_counter() - t0,
            followed=True,
        )

    def _detect_tile(
        self, graphs: _Graphs, rgb: np.ndarray, tile: Tile, thorough: bool = True
    ) -> _TileResult:
        """Detections from each of `tile_detections` in turn, until one of them is meshed;
        not `thorough`: the first QUICK_RUNS, meshed at CROP_SCALE only."""
        faces: list[MediapipeFace] = []
        detections, detect_seconds, mesh_seconds = 0, 0.0, 0.0
        attempts = itertools.islice(
            tile_detections(graphs.detector, graphs.close_detector, rgb),
            None if thorough else QUICK_RUNS,
        )
        crop_scales = (CROP_SCALE, SNUG_CROP_SCALE) if thorough else (CROP_SCALE,)
        while not faces:
            t0 = time.perf_counter()
            found = next(attempts, None)
            t1 = time.perf_counter()
            detect_seconds += t1 - t0
            if found is None:
                break
            detections += len(found)
            for det in found:
                meshed = self._mesh_detection(graphs, rgb, tile, det, crop_scales)
                if meshed is not None:
                    faces.append(meshed)
            mesh_seconds += time.perf_counter() - t1
        size = (tile.rect.w, tile.rect.h)
        return _TileResult(
            tile.slot,
            faces,
            _known_from(faces, tile, size, 0) if faces else None,
            detections=detections,
            detect_seconds=detect_seconds,
            mesh_seconds=mesh_seconds,
            thorough=thorough,
        )

    @staticmethod
    def _mesh_detection(
        graphs: _Graphs, rgb: np.ndarray, tile: Tile, det: Any, crop_scales: tuple[float, ...]
    ) -> MediapipeFace | None:
        """The detected face meshed in the first crop, of `crop_scales` times its box, that
        FaceMesh finds it in."""
        h, w = rgb.shape[:2]
        box = det.location_data.relative_bounding_box
        cx, cy = (box.xmin + box.width / 2) * w, (box.ymin + box.height / 2) * h
        extent = max(box.width * w, box.height * h)
        for scale in crop_scales:
            square = (cx, cy, scale * extent)
            face = FaceFinder._mesh(graphs.mesh, rgb, tile, square, det, float(det.score[0]))
            if face is not None:
                return face
        return None

    @staticmethod
    def _mesh(
        mesh: Any,
        rgb: np.ndarray,
        tile: Tile,
        square: tuple[float, float, float],
        detection: Any | None,
        score: float,
    ) -> MediapipeFace | None:
        """Mesh the face at the centre of an upscaled square crop, or None if none is there."""
        cx, cy, side = square
        if side < 1.0:
            return None
        x0, y0 = cx - side / 2, cy - side / 2
        scale = MESH_SIZE / side
        warp = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]], np.float32)
        crop = cv2.warpAffine(
            rgb,
            warp,
            (MESH_SIZE, MESH_SIZE),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
        )
        centred = _most_centred(mesh.process(crop).multi_face_landmarks or [])
        if centred is None:
            return None
        r: Rect = tile.rect
        return MediapipeFace(
            slot=tile.slot,
            detection=detection,
            region=r,
            landmarks=mesh_points(centred),
            mesh_square=(r.x + x0, r.y + y0, side),
            score=score,
        )

    def window_search(self) -> WindowSearch:
        """A whole-window search on this finder's detectors, for the thread that calls `find`
        (its graphs are the calling thread's; the other workers' stay in their threads).
        Close the finder after the search."""
        graphs = self._graphs[0]
        return WindowSearch(self._confidence, (graphs.detector, graphs.close_detector))

    def reset(self) -> None:
        """Forget the faces being followed: the next frame is from another recording."""
        self._known = {}
        self._bare = {}

    def close(self) -> None:
        if not self._closed:
            if self._pool is not None:
                self._pool.shutdown()
            for graphs in self._graphs:
                graphs.close()
            self._closed = True

    def __enter__(self) -> FaceFinder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _known_from(faces: list[MediapipeFace], tile: Tile, size: tuple[int, int], age: int) -> _Known:
    """Next frame's crops: centred on each face's landmarks, CROP_SCALE times their extent
    (one scale for every face, so that the tracking graph's place carries over)."""
    squares = []
    for face in faces:
        lo, hi = face.landmarks[:, :2].min(axis=0), face.landmarks[:, :2].max(axis=0)
        x, y, side = face.mesh_square
        cx = x + side * float(lo[0] + hi[0]) / 2 - tile.rect.x
        cy = y + side * float(lo[1] + hi[1]) / 2 - tile.rect.y
        extent = side * float(max(hi - lo))
        squares.append((cx, cy, CROP_SCALE * extent))
    return _Known(size, tuple(squares), tuple(f.score for f in faces), age)


def _most_centred(meshes: list[Any]) -> Any | None:
    """The mesh nearest the crop centre, if it is near enough to be the detected face."""
    best, best_offset = None, MAX_CENTRE_OFFSET
    for mesh in meshes:
        # Nose tip (landmark 1) in normalised crop coordinates.
        nose = mesh.landmark[1]
        offset = float(np.hypot(nose.x - 0.5, nose.y - 0.5))
        if offset <= best_offset:
            best, best_offset = mesh, offset
    return best
