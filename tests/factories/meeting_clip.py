"""A recorded meeting with a known script: who is attentive, who looks away, and when.

The clip is what `meetwatch analyze` gets from a user: an mp4 file (lossy mp4v, so the layout
and face stages see codec noise as in a real recording) of a Zoom-like gallery of real faces.
Six tiles; tile 5 has the camera off throughout; tiles 0-4 show frontal faces, except that from
AWAY_FROM to AWAY_UNTIL seconds tiles 1-3 show near-profile faces (looking away).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from meetwatch.demo.gallery import render_gallery
from tests.factories.galleries import real_faces

SIZE = (1280, 720)
FPS = 2
SECONDS = 60
TILES = 6
CAMERA_OFF = 5
LOOKERS = (1, 2, 3)  # the tiles that look away
# The report lists low attention only when it lasts >= 30 s (ReportOptions default), so the
# away interval is 35 s rather than a third of the minute.
AWAY_FROM, AWAY_UNTIL = 15, 50

# Indices into tests.factories.galleries.real_faces(data_dir): faces that FaceFinder finds in
# every tile of this gallery after mp4 compression, with |yaw| < 10, |pitch| < 10, gaze within
# 0.25 and open eyes (a screening of all 64 faces, run once offline).
FRONTAL = (11, 13, 15, 33, 36)
# Rows of fer2013.npz (arrays x, y, ...) whose faces meetwatch measures as near-profile:
# an offline search over the first 4,000 usable training rows (FER+ "not a face" votes 0)
# rendered in this gallery, upscaled 3x like real_faces, kept faces that FaceFinder found in
# each of tiles 1-3 under three webcam looks after mp4 compression with |yaw| >= 45 degrees
# every time (two turn to one side, one to the other).
PROFILES = (69, 904, 884)
PROFILE_UPSCALE = 3


@dataclass(frozen=True)
class MeetingClip:
    path: Path
    attentive: np.ndarray  # the gallery image while everyone looks at the screen
    away: np.ndarray  # ...and while tiles 1-3 look away


def profile_faces(data_dir: Path) -> list[np.ndarray]:
    with np.load(data_dir / "fer2013" / "fer2013.npz") as fer:
        x = fer["x"]
    up = PROFILE_UPSCALE
    return [cv2.resize(x[i], None, fx=up, fy=up, interpolation=cv2.INTER_CUBIC) for i in PROFILES]


def _gallery(faces: list[np.ndarray]) -> np.ndarray:
    return render_gallery(
        faces, TILES, "zoom", SIZE, camera_off={CAMERA_OFF}, rng=np.random.default_rng(0)
    ).image


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float = FPS) -> Path:
    """Frames (BGR, one size) to an mp4v file, as a screen recorder would save them."""
    writer: cv2.VideoWriter | None = None
    for frame in frames:
        if writer is None:
            h, w = frame.shape[:2]
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
            assert writer.isOpened(), "OpenCV cannot write mp4v here"
        writer.write(frame)
    assert writer is not None, "no frames"
    writer.release()
    return path


def write_meeting_clip(data_dir: Path, path: Path) -> MeetingClip:
    faces = real_faces(data_dir)
    frontal = [faces[i] for i in FRONTAL] + [faces[FRONTAL[0]]]  # the last tile's is never shown
    turned = list(frontal)
    for slot, face in zip(LOOKERS, profile_faces(data_dir), strict=True):
        turned[slot] = face
    attentive, away = _gallery(frontal), _gallery(turned)
    script = (
        away if AWAY_FROM <= i / FPS < AWAY_UNTIL else attentive for i in range(SECONDS * FPS)
    )
    return MeetingClip(write_video(path, script), attentive, away)


# A second script: everyone looks at the screen, but the participant in tile LEAVER leaves
# the picture (camera on, an empty room behind) from LEAVE_FROM to LEAVE_UNTIL seconds.
LEAVER = 2
LEAVE_FROM, LEAVE_UNTIL = 20, 40


def write_leaver_clip(data_dir: Path, path: Path) -> MeetingClip:
    faces = real_faces(data_dir)
    frontal = [faces[i] for i in FRONTAL] + [faces[FRONTAL[0]]]
    gone = list(frontal)
    gone[LEAVER] = np.full_like(frontal[LEAVER], 90)  # the webcam still shows the room
    present, absent = _gallery(frontal), _gallery(gone)
    script = (
        absent if LEAVE_FROM <= i / FPS < LEAVE_UNTIL else present for i in range(SECONDS * FPS)
    )
    return MeetingClip(write_video(path, script), present, absent)
