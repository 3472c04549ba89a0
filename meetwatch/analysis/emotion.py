"""Emotion classification with the shipped ONNX model.

The model file is checked against its manifest (sha256, input spec, class order and
preprocessing version) before use: a stale or damaged model would otherwise produce
plausible-looking but wrong scores, which is worse than refusing to start.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from meetwatch.analysis.calibration import apply_temperature
from meetwatch.analysis.face_crop import (
    EYE_DISTANCE,
    INPUT_SIZE,
    PREPROCESS_VERSION,
    align_face,
    normalize,
)
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


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class ModelManifest:
    file: str
    sha256: str
    input_name: str
    input_shape: tuple[int | str, ...]
    output_name: str
    classes: tuple[str, ...]
    preprocess_version: int
    temperature: float = 1.0  # fitted on PublicTest at export; 1.0 for an uncalibrated file

    @classmethod
    def read(cls, path: Path) -> ModelManifest:
        if not path.is_file():
            raise ModelError(f"emotion model manifest not found at {path}")
        try:
            raw = tomllib.loads(path.read_text())
            m = raw["model"]
            return cls(
                file=m["file"],
                sha256=m["sha256"],
                input_name=m["input"]["name"],
                input_shape=tuple(m["input"]["shape"]),
                output_name=m["output"]["name"],
                classes=tuple(m["classes"]),
                preprocess_version=int(m["preprocess_version"]),
                temperature=float(m.get("calibration", {}).get("temperature", 1.0)),
            )
        except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"emotion model manifest {path} is invalid: {exc}") from exc


class EmotionModel:
    """The verified ONNX emotion classifier; one instance per analysis worker."""

    def __init__(self, directory: Path | None = None, threads: int = 2) -> None:
        import onnxruntime as ort  # imported here so `--help` stays fast

        directory = directory or models_dir()
        self.manifest = ModelManifest.read(directory / MANIFEST)
        m = self.manifest
        path = directory / m.file
        if not path.is_file():
            raise ModelError(
                f"emotion model {path} is missing: reinstall meetwatch or export it with "
                "`python -m meetwatch.training.export`"
            )
        digest = sha256_of(path)
        if digest != m.sha256:
            raise ModelError(
                f"emotion model {path} does not match its manifest (sha256 {digest[:12]}... "
                f"expected {m.sha256[:12]}...): the file is corrupt or from another build"
            )
        if m.classes != EMOTIONS:
            raise ModelError(f"emotion model classes {m.classes} differ from {EMOTIONS}")
        if not 0.05 <= m.temperature <= 20:
            raise ModelError(f"emotion model temperature {m.temperature} is not plausible")
        if m.preprocess_version != PREPROCESS_VERSION:
            raise ModelError(
                f"emotion model expects preprocessing v{m.preprocess_version}, "
                f"this meetwatch provides v{PREPROCESS_VERSION}"
            )
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # Idle pool threads would spin after each batch: twice the CPU of a 25-face batch
        # between the frames of a live session, for no gain in latency.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(
                str(path), opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"emotion model {path} cannot be loaded: {exc}") from exc
        inp = self._session.get_inputs()[0]
        out = self._session.get_outputs()[0]
        if inp.name != m.input_name or list(inp.shape[1:]) != list(m.input_shape[1:]):
            raise ModelError(
                f"emotion model input {inp.name}{inp.shape} does not match the manifest "
                f"{m.input_name}{list(m.input_shape)}"
            )
        if out.name != m.output_name:
            raise ModelError(f"emotion model output {out.name} is not {m.output_name}")

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """(N, 48, 48) uint8 crops -> (N, 7) calibrated probabilities."""
        return apply_temperature(self.predict_raw(faces), self.manifest.temperature)

    def predict_raw(self, faces: np.ndarray) -> np.ndarray:
        """The network's own probabilities, before calibration (what the temperature is fit on)."""
        if len(faces) == 0:
            return np.zeros((0, len(EMOTIONS)), np.float32)
        out = self._session.run(
            [self.manifest.output_name], {self.manifest.input_name: normalize(faces)}
        )[0]
        return np.asarray(out, np.float32)

    def classify(
        self, gray: np.ndarray, landmarks: np.ndarray, min_face_px: float = 0.0
    ) -> np.ndarray:
        """Emotion probabilities for every face in a grayscale frame, one batched call.

        Faces smaller than `min_face_px` get NaN rows (not measured): below that size the model
        is close to guessing, and a guess shown as a reading is worse than none.
        """
        out = np.full((len(landmarks), len(EMOTIONS)), np.nan, np.float32)
        big = face_sizes(landmarks) >= min_face_px
        if big.any():
            out[big] = self.predict(aligned_crops(gray, landmarks[big]))
        return out
