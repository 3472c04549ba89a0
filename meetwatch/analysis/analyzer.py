"""Faces -> FaceSignals: every per-face measurement of one frame, in one batched pass."""

from __future__ import annotations

import cv2
import numpy as np

from meetwatch.analysis.emotion import EmotionModel, aligned_crops, face_sizes, valence_arousal
from meetwatch.analysis.eyes import eye_aspect_ratio
from meetwatch.analysis.gaze import gaze
from meetwatch.analysis.headpose import head_pose
from meetwatch.analysis.looks import LOOKS, LookModel
from meetwatch.analysis.signals import FaceSignals
from meetwatch.capture.frame import Frame
from meetwatch.faces.faces import Faces
from meetwatch.shared import EMOTIONS


class Analyzer:
    """Turns the faces of a frame into signals.

    Without an emotion model (emotion analysis switched off) the emotion columns are NaN, so
    downstream code can tell "not measured" from "neutral" and never shows invented scores;
    so are those of faces smaller than `min_face_px` (see EmotionModel.classify). Both
    networks read the same aligned crops, cut once.
    """

    def __init__(
        self, looks: LookModel, emotion: EmotionModel | None, min_face_px: float = 0.0
    ) -> None:
        self._looks = looks
        self._emotion = emotion
        self._min_face_px = min_face_px

    def without_emotion(self) -> Analyzer:
        """The same analysis with the emotion model let go."""
        return Analyzer(self._looks, None, self._min_face_px)

    def analyse(self, frame: Frame, faces: Faces) -> FaceSignals:
        n = len(faces)
        probs = np.full((n, len(EMOTIONS)), np.nan, np.float32)
        looks = np.zeros((n, len(LOOKS)), np.float32)
        if n:
            gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
            crops = aligned_crops(gray, faces.landmarks)
            looks = self._looks.predict(crops)
            if self._emotion is not None:
                sizes = face_sizes(faces.landmarks)
                probs = self._emotion.classify(crops, sizes, self._min_face_px)
        valence, arousal = valence_arousal(probs)
        return FaceSignals(
            frame_index=frame.index,
            timestamp=frame.timestamp,
            emotion=probs,
            valence=valence,
            arousal=arousal,
            head_pose=head_pose(faces.landmarks, frame.size).astype(np.float32).reshape(n, 3),
            gaze=gaze(faces.landmarks).astype(np.float32).reshape(n, 2),
            eye_openness=eye_aspect_ratio(faces.landmarks).astype(np.float32).reshape(n),
            looks=looks,
            slots=faces.slots.astype(np.int32),
            boxes=faces.boxes.astype(np.float32),
        )
