"""Tiles -> Faces: per-tile face detection, then FaceMesh on an upscaled crop of each face.

Whole-frame detection finds nothing on a 1080p gallery (a 7x7 face is ~60 px in a 1920 px
image that the detector shrinks to 192 px), so each tile is searched on its own with the
full-range detector. FaceMesh alone misses faces under ~60 px, so every detected face is cut
out as a square around its box, scaled to MESH_SIZE pixels and meshed there; the landmarks are
mapped back to frame pixels by `Faces.from_mediapipe`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import cv2
import mediapipe as mp
import numpy as np

from meetwatch.capture.frame import Frame
from meetwatch.faces.faces import Faces, MediapipeFace
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tile, Tiles

# The crop is CROP_SCALE times the detector box: FaceMesh (static mode) first runs its own
# short-range detector on the crop, which needs the head and some background around the face;
# at 1.6 it rejected faces the tile detector had found (recall on FER-2013 galleries 90 %),
# at 2.4 it finds ~93 %. MESH_SIZE keeps the face ~160 px in the crop at that scale.
CROP_SCALE = 2.4
MESH_SIZE = 384
MIN_TILE_SIDE = 24  # px; smaller tiles cannot hold a face the detector can see
# A meshed face whose centre is further than this (fraction of the crop side) from the crop
# centre belongs to a neighbour that reaches into the crop, not to the detected face.
MAX_CENTRE_OFFSET = 0.25


@dataclass(frozen=True)
class FindStats:
    """What the last `find` call did, for metrics and benchmarks."""

    tiles: int = 0  # tiles searched (camera-off and tiny tiles are skipped)
    detections: int = 0  # faces the detector reported
    faces: int = 0  # faces FaceMesh confirmed; the others are dropped
    detect_seconds: float = 0.0
    mesh_seconds: float = 0.0


class FaceFinder:
    """Finds every face in the tiles of a frame.

    Create once and reuse: the mediapipe graphs are built in the constructor and are not
    thread-safe, so one FaceFinder belongs to one worker thread. `close()` releases them.
    FaceMesh runs in static-image mode because the crops of different faces alternate through
    one graph; tracking mode would carry one face's landmarks over to the next face's crop.
    """

    def __init__(self, min_detection_confidence: float = 0.5) -> None:
        if not 0.0 < min_detection_confidence < 1.0:
            raise ValueError(
                f"min_detection_confidence must lie in (0, 1), got {min_detection_confidence}"
            )
        detection = mp.solutions.face_detection.FaceDetection
        self._detector = detection(
            model_selection=1, min_detection_confidence=min_detection_confidence
        )
        self._close_detector = detection(
            model_selection=0, min_detection_confidence=min_detection_confidence
        )
        # Two faces, so that a neighbour reaching into the crop cannot hide the centred one.
        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=2, refine_landmarks=True
        )
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
        found: list[MediapipeFace] = []
        searched = detections = 0
        detect_s = mesh_s = 0.0
        for tile in tiles.tiles:
            r = tile.rect
            if tile.kind == "camera_off" or min(r.w, r.h) < MIN_TILE_SIDE:
                continue  # a camera-off tile may show a profile photo: not a live face
            searched += 1
            rgb = cv2.cvtColor(frame.image[r.y : r.y + r.h, r.x : r.x + r.w], cv2.COLOR_BGR2RGB)
            t0 = time.perf_counter()
            tile_detections = self._detect(rgb)
            t1 = time.perf_counter()
            detections += len(tile_detections)
            for det in tile_detections:
                face = self._mesh_one(rgb, tile, det)
                if face is not None:
                    found.append(face)
            detect_s += t1 - t0
            mesh_s += time.perf_counter() - t1
        self.last_stats = FindStats(searched, detections, len(found), detect_s, mesh_s)
        return Faces.from_mediapipe(frame.index, frame.timestamp, found)

    def _detect(self, rgb: np.ndarray) -> list[Any]:
        """Full-range detection, then short-range where it found nothing.

        The full-range model is the one that sees small gallery faces, but it misses faces that
        fill much of their tile (a close webcam, a single window): on FER-2013 faces filling two
        thirds of the image it found half, the short-range model nearly all.
        """
        found = self._detector.process(rgb).detections
        if not found:
            found = self._close_detector.process(rgb).detections
        return list(found or [])

    def _mesh_one(self, rgb: np.ndarray, tile: Tile, detection: Any) -> MediapipeFace | None:
        """Mesh the face of one detection on its upscaled square crop, or None if none is there."""
        h, w = rgb.shape[:2]
        box = detection.location_data.relative_bounding_box
        cx, cy = (box.xmin + box.width / 2) * w, (box.ymin + box.height / 2) * h
        side = CROP_SCALE * max(box.width * w, box.height * h)
        if side < 1.0:
            return None
        x0, y0 = cx - side / 2, cy - side / 2
        scale = MESH_SIZE / side
        warp = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]], np.float32)
        crop = cv2.warpAffine(
            rgb, warp, (MESH_SIZE, MESH_SIZE), flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
        )
        meshes = self._mesh.process(crop).multi_face_landmarks or []
        centred = _most_centred(meshes)
        if centred is None:
            return None
        r: Rect = tile.rect
        return MediapipeFace(
            slot=tile.slot,
            detection=detection,
            region=r,
            landmarks=centred,
            mesh_square=(r.x + x0, r.y + y0, side),
        )

    def close(self) -> None:
        if not self._closed:
            self._detector.close()
            self._close_detector.close()
            self._mesh.close()
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
