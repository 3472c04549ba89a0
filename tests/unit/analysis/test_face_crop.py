"""The product's face crops look like the FER-2013 crops the model was trained on."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from meetwatch.analysis.emotion import aligned_crops, eye_centres
from meetwatch.analysis.face_crop import EYE_DISTANCE, EYE_Y, INPUT_SIZE, align_face, normalize


def test_normalize_is_per_image_standardisation() -> None:
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, size=(5, 48, 48), dtype=np.uint8)
    x = normalize(faces)
    assert x.shape == (5, 1, 48, 48) and x.dtype == np.float32
    np.testing.assert_allclose(x.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(x.std(axis=(1, 2, 3)), 1, atol=1e-3)
    # Exposure and contrast changes of the same face give the same model input.
    brighter = np.clip(faces.astype(np.float32) * 0.5 + 60, 0, 255).astype(np.uint8)
    assert np.abs(normalize(brighter) - x).mean() < 0.02
    # A flat (black) crop does not divide by zero.
    assert np.isfinite(normalize(np.zeros((1, 48, 48), np.uint8))).all()


def test_normalize_rejects_wrong_shape() -> None:
    with pytest.raises(ValueError, match="48"):
        normalize(np.zeros((2, 64, 64), np.uint8))


def test_align_face_levels_eyes_and_places_them_like_fer() -> None:
    img = np.zeros((200, 200), np.uint8)
    left, right = (80.0, 110.0), (130.0, 90.0)  # tilted by about 22 degrees
    cv2.circle(img, (80, 110), 4, 255, -1)
    cv2.circle(img, (130, 90), 4, 255, -1)
    crop = align_face(img, right, left)  # eye order does not matter
    ys, xs = np.nonzero(crop > 100)
    lx, rx = xs[xs < 24], xs[xs >= 24]
    assert abs(ys[xs < 24].mean() - ys[xs >= 24].mean()) < 1.0  # level
    assert abs(ys.mean() - EYE_Y * INPUT_SIZE) < 1.0
    assert abs((rx.mean() - lx.mean()) - EYE_DISTANCE * INPUT_SIZE) < 1.0


def _mesh_landmarks(mesh, gray: np.ndarray) -> np.ndarray | None:
    res = mesh.process(cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB))
    if not res.multi_face_landmarks:
        return None
    h, w = gray.shape
    pts = [(p.x * w, p.y * h, 0.0) for p in res.multi_face_landmarks[0].landmark]
    return np.array([pts], np.float32)


def test_product_crops_match_training_crops(data_dir) -> None:
    """Preprocessing parity, measured on real faces.

    1. The eye geometry the product aligns to is the one FER-2013 faces have (the measurement
       that set EYE_Y / EYE_DISTANCE, repeated).
    2. A FER-2013 face shown large, tilted and off-centre in a frame, found by FaceMesh and
       cropped by the product's path, gives the same 48x48 crop as the untouched face: where a
       face sits in a tile does not change what the model sees.
    """
    import mediapipe as mp

    with np.load(data_dir / "fer2013" / "fer2013.npz") as d:
        faces = d["x"][d["split"] == 0][:40]
    corr, eye_y, eye_d = [], [], []
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True) as mesh:
        for face in faces:
            big = cv2.resize(face, (192, 192), interpolation=cv2.INTER_CUBIC)
            lm0 = _mesh_landmarks(mesh, big)
            if lm0 is None:
                continue
            a, b = eye_centres(lm0 / 192)
            eye_y.append((a[0, 1] + b[0, 1]) / 2)
            eye_d.append(float(np.hypot(*(a[0] - b[0]))))
            reference = aligned_crops(big, lm0)[0]

            frame = np.full((400, 400), 128, np.uint8)
            frame[100:292, 120:312] = big
            rot = cv2.getRotationMatrix2D((216, 196), 12, 1.0)
            frame = cv2.warpAffine(frame, rot, (400, 400), borderMode=cv2.BORDER_REPLICATE)
            lm = _mesh_landmarks(mesh, frame)
            if lm is None:
                continue
            crop = aligned_crops(frame, lm)[0]
            corr.append(
                np.corrcoef(crop.ravel().astype(float), reference.ravel().astype(float))[0, 1]
            )
    assert len(corr) >= 30, "FaceMesh should find most upscaled FER-2013 faces"
    assert np.median(corr) > 0.9
    assert abs(np.median(eye_y) - EYE_Y) < 0.02
    assert abs(np.median(eye_d) - EYE_DISTANCE) < 0.02
