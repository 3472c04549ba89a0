"""Synthetic Tiles and FaceSignals: drive tracking and aggregation without any model."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from meetwatch.analysis.looks import LOOKS
from meetwatch.analysis.signals import FaceSignals
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tile, TileKind, Tiles
from meetwatch.shared import EMOTIONS

TILE_W, TILE_H = 320, 180


@dataclass(frozen=True)
class Face:
    slot: int
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    gaze: tuple[float, float] = (0.0, 0.0)
    ear: float = 0.3
    emotion: str = "neutral"
    arousal: float = 0.0
    x: float = 0.5  # horizontal position of the face centre inside its tile (0-1)
    size: float = 60.0  # face box side in pixels
    look: str | None = None  # the attention model's reading; None: what this pose would give

    def looks(self) -> np.ndarray:
        """One-hot LOOKS probabilities: `look`, or what a face posed like this shows (shut
        eyes below an aspect ratio of 0.15; away when head and eyes together, 40 degrees per
        unit of iris offset, point more than 25 degrees off the camera)."""
        look = self.look
        if look is None:
            sideways = self.yaw + 40 * self.gaze[0]
            vertical = self.pitch + 10 * self.gaze[1]
            turned = abs(sideways) > 25 or abs(vertical) > 25
            look = "eyes_closed" if self.ear < 0.15 else "away" if turned else "at_camera"
        return np.eye(len(LOOKS))[LOOKS.index(look)]


def make_tiles(kinds: dict[int, TileKind], t: float, frame_index: int = 0) -> Tiles:
    tiles = tuple(
        Tile(slot=slot, rect=Rect(i * TILE_W, 0, TILE_W, TILE_H), kind=kind)
        for i, (slot, kind) in enumerate(sorted(kinds.items()))
    )
    return Tiles(
        frame_index, t, (max(1, len(tiles)) * TILE_W, TILE_H), tiles, "grid", (1, len(tiles))
    )


def make_signals(faces: list[Face], t: float, frame_index: int = 0) -> FaceSignals:
    n = len(faces)
    emotion = np.zeros((n, len(EMOTIONS)))
    boxes = np.zeros((n, 4), np.float32)
    for i, f in enumerate(faces):
        emotion[i, EMOTIONS.index(f.emotion)] = 1.0
        boxes[i] = (f.slot * TILE_W + f.x * TILE_W - f.size / 2, 40, f.size, f.size)
    return FaceSignals(
        frame_index=frame_index,
        timestamp=t,
        emotion=emotion,
        valence=np.zeros(n),
        arousal=np.array([f.arousal for f in faces], float).reshape(n),
        head_pose=np.array([(f.yaw, f.pitch, f.roll) for f in faces], float).reshape(n, 3),
        gaze=np.array([f.gaze for f in faces], float).reshape(n, 2),
        eye_openness=np.array([f.ear for f in faces], float).reshape(n),
        looks=np.array([f.looks() for f in faces], float).reshape(n, len(LOOKS)),
        slots=np.array([f.slot for f in faces], np.int32),
        boxes=boxes,
    )


def timeline(
    start: float, end: float, fps: float, scene: Callable[[float], list[Face]]
) -> Iterator[tuple[float, FaceSignals]]:
    """Frames from start (inclusive) to end (exclusive) at fps, faces chosen by scene(t)."""
    for i in range(round((end - start) * fps)):
        t = start + i / fps
        yield t, make_signals(scene(t), t, i)
