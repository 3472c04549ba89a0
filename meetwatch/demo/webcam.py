"""One participant's webcam picture: a room, shoulders and a face, sized to fill a tile.

Face crops from datasets are tight and often grayscale; pasted whole they would fill the tile,
which no real webcam does. Here the face takes 35-60 % of the picture height over a noisy,
shaded room background, so detectors see what they see in a real gallery.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from meetwatch.errors import DataError
from meetwatch.geometry import Rect


def as_bgr(face: np.ndarray) -> np.ndarray:
    """Gray, BGR or BGRA uint8 face image as BGR; anything else is a clear DataError."""
    if face.dtype != np.uint8 or face.ndim not in (2, 3) or min(face.shape[:2]) < 8:
        raise DataError(
            f"a face image must be an 8-bit gray or BGR array of at least 8x8 pixels, "
            f"got shape {face.shape} {face.dtype}"
        )
    if face.ndim == 2:
        return cv2.cvtColor(face, cv2.COLOR_GRAY2BGR)
    if face.shape[2] == 4:
        return cv2.cvtColor(face, cv2.COLOR_BGRA2BGR)
    if face.shape[2] == 3:
        return face
    raise DataError(f"a face image needs 1, 3 or 4 channels, got {face.shape[2]}")


_ROOM_DRAFT = (64, 36)  # the room is drawn small and blurred by upscaling: cheap at any size


def _room(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A shaded wall with a blurred shelf or picture and sensor noise (never flat colour)."""
    dw, dh = _ROOM_DRAFT
    top = rng.integers(60, 200, 3).astype(np.float32)
    bottom = top * rng.uniform(0.5, 0.9)
    t = np.linspace(0.0, 1.0, dh, dtype=np.float32)[:, None, None]
    draft: np.ndarray = np.broadcast_to(top * (1 - t) + bottom * t, (dh, dw, 3)).copy()
    for _ in range(int(rng.integers(1, 4))):  # sizes relative to the frame: same room at any size
        x0, y0 = rng.uniform(0, 0.9) * dw, rng.uniform(0, 0.5) * dh
        x1, y1 = x0 + rng.uniform(0.1, 0.33) * dw, y0 + rng.uniform(0.12, 0.5) * dh
        cv2.rectangle(
            draft, (int(x0), int(y0)), (int(x1), int(y1)), rng.integers(30, 230, 3).tolist(), -1
        )
    draft = cv2.GaussianBlur(draft, (5, 5), 0)
    noise = rng.normal(0.0, 3.0, (61, 67, 3)).astype(np.float32)  # tiled: sensor-like, cheap
    img: np.ndarray = (
        cv2.resize(draft, (w, h), interpolation=cv2.INTER_CUBIC)
        + np.tile(noise, (h // 61 + 1, w // 67 + 1, 1))[:h, :w]
    )
    return np.clip(img, 0, 255).astype(np.uint8)


def _paste_face(img: np.ndarray, face: np.ndarray, box: Rect) -> None:
    """Blend the face in through a soft oval so the crop's square edge does not show."""
    crop = cv2.resize(face, (box.w, box.h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    alpha: np.ndarray = np.zeros((box.h, box.w), np.float32)
    cv2.ellipse(alpha, (box.w // 2, box.h // 2), (box.w // 2, box.h // 2), 0, 0, 360, (1.0,), -1)
    k = max(3, (min(box.w, box.h) // 8) | 1)
    alpha = cv2.GaussianBlur(alpha, (k, k), 0)[:, :, None]
    roi = img[box.y : box.y + box.h, box.x : box.x + box.w].astype(np.float32)
    img[box.y : box.y + box.h, box.x : box.x + box.w] = (crop * alpha + roi * (1 - alpha)).astype(
        np.uint8
    )


def webcam_frame(
    faces: Sequence[np.ndarray], w: int, h: int, rng: np.random.Generator
) -> tuple[np.ndarray, tuple[Rect, ...]]:
    """A w x h webcam picture with one person per face; returns it and the face boxes.

    Two or more faces stand side by side (a shared meeting-room camera) and are drawn smaller.
    All random choices are relative to the frame size, so the same rng state draws the same
    scene at any tile size, as a participant's webcam looks the same when the grid reflows.
    """
    img = _room(w, h, rng)
    n = len(faces)
    if n == 0:
        return img, ()
    frac = rng.uniform(0.35, 0.6) if n == 1 else rng.uniform(0.3, 0.42)
    boxes = []
    for i, face in enumerate(faces):
        bgr = as_bgr(face)
        fh = max(8, int(h * frac))
        fw = max(8, min(int(fh * bgr.shape[1] / bgr.shape[0]), w // n))
        cx = w * (i + 0.5) / n + rng.uniform(-0.06, 0.06) * w / n
        cy = h * rng.uniform(0.4, 0.5)
        x = int(np.clip(cx - fw / 2, 0, w - fw))
        y = int(np.clip(cy - fh / 2, 0, h - fh))
        shirt = rng.integers(20, 200, 3).tolist()
        cv2.ellipse(
            img,
            (x + fw // 2, min(h - 1, y + fh + fh // 2)),
            (fw, fh // 2 + 4),
            0,
            180,
            360,
            shirt,
            -1,
        )
        cv2.rectangle(img, (x - fw // 2, y + fh + fh // 2), (x + fw + fw // 2, h), shirt, -1)
        box = Rect(x, y, fw, fh)
        _paste_face(img, bgr, box)
        boxes.append(box)
    return img, tuple(boxes)
