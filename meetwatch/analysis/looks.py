"""Where a face looks, read from its pixels: at the camera, away, or eyes closed.

FaceMesh fits its eye landmarks to a face prior, so in one picture a shut eye or an iris in
the corner of the eye often reads as open and centred (on 130 labelled WIDER FACE photos,
4 of 8 shut eyes had an eye aspect ratio of 0.28-0.44, as open as any). A small network that
sees the same 48x48 crop as the emotion model reads the eyelids and the iris themselves; the
file holds three trained alike from different seeds and gives the mean of their readings,
since each seed misses different faces.

It infers no emotion: its only outputs are the three LOOKS. Its convolutions start from the
emotion network's (they know faces from 28,709 photos; from random weights the held-out
photos came out 9 points worse), its classifier is new, and it was trained on attention labels
only (meetwatch.training.attention). Attention-only mode runs it and never loads the emotion
network.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from meetwatch.analysis.face_network import FaceNetwork
from meetwatch.assets import models_dir

LOOKS = ("at_camera", "away", "eyes_closed")
AT_CAMERA, AWAY, EYES_CLOSED = range(len(LOOKS))
MANIFEST = "attention.toml"
# Below this top probability a face is read a second time, mirrored (see LookModel.predict).
MIRROR_BELOW = 0.8


def eyes_closed(looks: np.ndarray, confidence: float) -> np.ndarray:
    """Per face (the last axis holds LOOKS): the network reads the eyes as closed."""
    return looks[..., EYES_CLOSED] >= confidence


def looks_away(looks: np.ndarray) -> np.ndarray:
    """Per face: the network finds looking away likelier than looking at the camera."""
    return looks[..., AWAY] > looks[..., AT_CAMERA]


class LookModel:
    """The verified attention network; one instance per analysis worker."""

    def __init__(self, directory: Path | None = None, threads: int = 2) -> None:
        directory = directory or models_dir()
        self._net = FaceNetwork(directory / MANIFEST, "attention model", LOOKS, threads)

    def predict(self, crops: np.ndarray) -> np.ndarray:
        """(N, 48, 48) uint8 aligned crops -> (N, 3) probabilities in LOOKS order.

        A face the network is unsure of is read again mirrored and the two readings averaged
        (a look to the left mirrored is a look to the right, still away): right more often on
        the held-out faces (FER-2013 85.4 -> 89.8 %, WIDER FACE photos 77.7 -> 80.0 %), and
        mirroring only the unsure ones changed no answer there while most faces in a meeting,
        read with confidence, cost one pass."""
        probs = self._net.run(crops)
        unsure = probs.max(axis=1) < MIRROR_BELOW
        if unsure.any():
            mirrored = self._net.run(np.ascontiguousarray(crops[unsure][:, :, ::-1]))
            probs[unsure] = (probs[unsure] + mirrored) / 2
        return probs
