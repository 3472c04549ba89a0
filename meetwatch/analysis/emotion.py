"""Emotion classification with the shipped ONNX model (checked by face_network before use).

Never built in attention-only mode (meetwatch.pipeline), so no face can be read for emotion
by accident.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from meetwatch.analysis.calibration import apply_temperature
from meetwatch.analysis.face_crop import EYE_DISTANCE, INPUT_SIZE, align_face
from meetwatch.analysis.face_network import FaceNetwork
from meetwatch.assets import models_dir
from meetwatch.errors import ModelError
from meetwatch.shared import EMOTIONS

MANIFEST = "manifest.toml"

# Defaults of the [analysis] config keys emotion_min_confidence and emotion_min_face_px; the
# model card says how they were chosen.
DEFAULT_MIN_CONFIDENCE = 0.5
DEFAULT_MIN_FACE_PX = 24
# What a face whose top emotion is not confident enough shows: in a meeting an unreadable
# face is far more often neutral than anything else, and a forced "angry" is the worse error.
UNCERTAIN_SHOWN_AS = "neutral"

# Circumplex coordinates (valence, arousal) per class, FER-2013 order; valence and arousal of
# a face are the probability-weighted mean, so they move smoothly as the mix changes.
_CIRCUMPLEX = np.array(
    [
        [-0.6, 0.7],  # angry
        [-0.7, 0.3],  # disgust
        [-0.6, 0.8],  # fear
        [0.8, 0.5],  # happy
        [-0.7, -0.4],  # sad
        [0.3, 0.8],  # surprise
        [0.0, 0.0],  # neutral
    ],
    np.float32,
)

# FaceMesh eye-corner landmarks: the midpoint of each pair is an eye centre that does not
# move with gaze, unlike the iris.
_EYE_CORNERS = ((33, 133), (362, 263))


def valence_arousal(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    va = probs.astype(np.float32) @ _CIRCUMPLEX
    return va[:, 0], va[:, 1]


def eye_centres(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 2) image-space centres of the two eyes from (N, 478, 3) landmarks."""
    (a1, a2), (b1, b2) = _EYE_CORNERS
    first = (landmarks[:, a1, :2] + landmarks[:, a2, :2]) / 2
    second = (landmarks[:, b1, :2] + landmarks[:, b2, :2]) / 2
    return first, second


def aligned_crops(gray: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(N, 48, 48) uint8 FER-like crops of every face in a grayscale frame."""
    first, second = eye_centres(landmarks)
    crops = [
        align_face(gray, (float(a[0]), float(a[1])), (float(b[0]), float(b[1])))
        for a, b in zip(first, second, strict=True)
    ]
    return np.stack(crops) if crops else np.zeros((0, INPUT_SIZE, INPUT_SIZE), np.uint8)


def face_sizes(landmarks: np.ndarray) -> np.ndarray:
    """(N,) side in frame pixels of the region each 48x48 crop is cut from (about the face's
    width): how much detail the emotion model actually gets."""
    first, second = eye_centres(landmarks)
    return np.hypot(*(second - first).T) / EYE_DISTANCE


def shown_emotion(
    probabilities: np.ndarray, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> str | None:
    """The emotion the product shows for one face: the top class when its calibrated
    probability reaches `min_confidence`, else UNCERTAIN_SHOWN_AS; None when not measured."""
    if not np.all(np.isfinite(probabilities)):
        return None
    top = int(np.argmax(probabilities))
    return EMOTIONS[top] if probabilities[top] >= min_confidence else UNCERTAIN_SHOWN_AS


class EmotionModel:
    """The verified ONNX emotion classifier; one instance per analysis worker."""

    def __init__(self, directory: Path | None = None, threads: int = 2) -> None:
        directory = directory or models_dir()
        self._net = FaceNetwork(directory / MANIFEST, "emotion model", EMOTIONS, threads)
        self.manifest = self._net.manifest
        if not 0.05 <= self.manifest.temperature <= 20:
            raise ModelError(
                f"emotion model temperature {self.manifest.temperature} is not plausible"
            )

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """(N, 48, 48) uint8 crops -> (N, 7) calibrated probabilities."""
        return apply_temperature(self.predict_raw(faces), self.manifest.temperature)

    def predict_raw(self, faces: np.ndarray) -> np.ndarray:
        """The network's own probabilities, before calibration (what the temperature is fit on)."""
        return self._net.run(faces)

    def classify(
        self, crops: np.ndarray, sizes: np.ndarray, min_face_px: float = 0.0
    ) -> np.ndarray:
        """Emotion probabilities for the aligned crops of a frame's faces, one batched call.

        Faces smaller than `min_face_px` (`sizes`, see face_sizes) get NaN rows (not measured):
        below that size the model is close to guessing, and a guess shown as a reading is
        worse than none.
        """
        out = np.full((len(crops), len(EMOTIONS)), np.nan, np.float32)
        big = sizes >= min_face_px
        if big.any():
            out[big] = self.predict(crops[big])
        return out
