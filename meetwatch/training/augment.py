"""Augmentations that make FER-2013 crops look like faces cut from meeting tiles.

Meeting tiles are small, compressed, unevenly lit and imperfectly aligned, so besides the
usual flips and affine jitter the faces are blurred, JPEG-compressed, downscaled and
re-upscaled, and partly occluded. Pure numpy/OpenCV and driven by an explicit Generator, so
an epoch's augmentation is reproducible from (seed, epoch).
"""

from __future__ import annotations

import cv2
import numpy as np


def augment_face(img: np.ndarray, rng: np.random.Generator, degrade: float = 1.0) -> np.ndarray:
    """One random view of a 48x48 uint8 face.

    `degrade` scales how often the meeting-tile degradations (downscale, blur, exposure, JPEG,
    occlusion) are drawn: fine-tuning cycles lower it so the network can also fit the clean
    faces it is benchmarked on, while still having seen the degraded ones.
    """
    size = img.shape[0]
    out = img[:, ::-1] if rng.random() < 0.5 else img
    angle = rng.uniform(-15, 15)
    scale = rng.uniform(0.85, 1.15)
    shear = rng.uniform(-0.15, 0.15)
    m = cv2.getRotationMatrix2D((size / 2, size / 2), angle, scale)
    m[0, 1] += shear
    m[0, 2] -= shear * size / 2
    m[:, 2] = m[:, 2] + rng.uniform(-4, 4, size=2)
    out = cv2.warpAffine(
        np.ascontiguousarray(out),
        m,
        (size, size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT_101,
    )
    if rng.random() < 0.3 * degrade:  # a small tile upscaled by the meeting client
        f = rng.uniform(0.4, 0.8)
        small = max(8, round(size * f))
        out = cv2.resize(
            cv2.resize(out, (small, small), interpolation=cv2.INTER_AREA), (size, size)
        )
    if rng.random() < 0.2 * degrade:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 1.0))
    if rng.random() < 0.8 * degrade:  # exposure, contrast and gamma of a cheap webcam
        x = out.astype(np.float32) / 255.0
        x = np.power(np.clip(x, 0, 1), rng.uniform(0.7, 1.5))
        x = x * rng.uniform(0.6, 1.4) + rng.uniform(-0.15, 0.15)
        out = (np.clip(x, 0, 1) * 255).astype(np.uint8)
    if rng.random() < 0.3 * degrade:  # video codec artefacts
        ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 90))])
        if ok:
            out = cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE)
    if rng.random() < 0.25 * degrade:  # a hand, a microphone, a mug
        h, w = rng.integers(6, 18, size=2)
        y, x0 = rng.integers(0, size - h), rng.integers(0, size - w)
        out = out.copy()
        out[y : y + h, x0 : x0 + w] = rng.integers(0, 256)
    return out


def augment_batch(faces: np.ndarray, rng: np.random.Generator, degrade: float = 1.0) -> np.ndarray:
    return np.stack([augment_face(f, rng, degrade) for f in faces])


def random_crops(faces: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A random `size` x `size` window of each face (last two axes): the network is evaluated on
    the centre one.

    Framing jitter the faces of a meeting have (the aligner's crop is never exactly centred),
    and a smaller input makes every training step cheaper.
    """
    room = faces.shape[-1] - size
    offsets = rng.integers(0, room + 1, size=(len(faces), 2))
    return np.stack(
        [f[..., y : y + size, x : x + size] for f, (y, x) in zip(faces, offsets, strict=True)]
    )
