"""The one preprocessing path shared by emotion training and the product.

FER-2013 faces are 48x48 grayscale crops, roughly eyes-level, with the face filling the
frame. The product aligns live faces to the same geometry from FaceMesh eye landmarks, and
both sides then call `normalize`, so a change here changes training and inference together
(PREPROCESS_VERSION is written into the model manifest and checked at load time).
"""

from __future__ import annotations

import cv2
import numpy as np

PREPROCESS_VERSION = 1
INPUT_SIZE = 48

# Where the eye centres (midpoints of the eye corners) sit in a FER-2013 crop, as fractions of
# the crop side. Measured by running FaceMesh on upscaled FER-2013 training faces (medians of
# 373 faces; tests/unit/analysis/test_face_crop.py repeats the measurement).
EYE_Y = 0.39
EYE_DISTANCE = 0.36


def normalize(faces: np.ndarray) -> np.ndarray:
    """uint8 (N, 48, 48) -> float32 (N, 1, 48, 48), standardised per image.

    Per-image standardisation makes the model indifferent to the exposure and contrast of a
    webcam tile, which vary far more in meetings than in FER-2013.
    """
    if faces.ndim != 3 or faces.shape[1:] != (INPUT_SIZE, INPUT_SIZE):
        raise ValueError(f"expected (N, {INPUT_SIZE}, {INPUT_SIZE}) faces, got {faces.shape}")
    x = faces.astype(np.float32) / 255.0
    mean = x.mean(axis=(1, 2), keepdims=True)
    std = x.std(axis=(1, 2), keepdims=True)
    x = (x - mean) / np.maximum(std, 1.0 / 64.0)
    return x[:, None, :, :]


def align_face(
    gray: np.ndarray, left_eye: tuple[float, float], right_eye: tuple[float, float]
) -> np.ndarray:
    """Crop a face from a grayscale image so that it looks like a FER-2013 sample.

    The eyes are rotated level and placed at (EYE_Y, 0.5 +- EYE_DISTANCE / 2) of a 48x48 crop;
    borders are replicated so faces at the edge of a tile still give a full crop.

    Sampling is bilinear at any scale (warpAffine has no area mode: it maps INTER_AREA to
    INTER_LINEAR), so a large webcam face is point-sampled, not averaged. Averaging it first was
    measured and not taken: on faces upscaled to 300 px with sensor noise and JPEG, emotion on 780
    FER+ PrivateTest faces went 82.8 -> 83.5 %, but attention on the 137 held-out FER-2013 faces
    went 122 -> 117 right at tile size and 124 -> 120 at 500 px: its networks learnt these
    sharper crops, and the sampled crops held up at webcam sizes (WIDER FACE 109 -> 111 at
    300 px).
    """
    if gray.ndim != 2:
        raise ValueError(f"expected a grayscale image, got shape {gray.shape}")
    (lx, ly), (rx, ry) = left_eye, right_eye
    if lx > rx:  # image-left eye first, whatever the caller's naming
        (lx, ly), (rx, ry) = (rx, ry), (lx, ly)
    dx, dy = rx - lx, ry - ly
    dist = float(np.hypot(dx, dy))
    if dist < 1e-3:
        raise ValueError("eye landmarks coincide")
    angle = float(np.degrees(np.arctan2(dy, dx)))
    scale = EYE_DISTANCE * INPUT_SIZE / dist
    cx, cy = (lx + rx) / 2.0, (ly + ry) / 2.0
    m = cv2.getRotationMatrix2D((cx, cy), angle, scale)
    m[0, 2] += INPUT_SIZE * 0.5 - cx
    m[1, 2] += INPUT_SIZE * EYE_Y - cy
    return cv2.warpAffine(
        gray, m, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
