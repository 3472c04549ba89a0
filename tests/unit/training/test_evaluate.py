from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from meetwatch.training.data import PRIVATE_TEST, load_fer2013
from meetwatch.training.evaluate import label_agreement


def test_agreement_ceiling_of_a_model_that_always_sides_with_ferplus(tiny_fer: Path) -> None:
    fer = load_fer2013(tiny_fer).subset(PRIVATE_TEST)
    major = fer.ferplus_majority()
    answers = {img.tobytes(): m for img, m in zip(fer.x, major, strict=True)}

    def predict(faces: np.ndarray) -> np.ndarray:
        return np.eye(7)[[answers[f.tobytes()] for f in faces]]

    a = label_agreement(tiny_fer, predict)
    keep = major >= 0
    assert a.rows == keep.sum()
    assert a.agree == (fer.y[keep] == major[keep]).mean() < 1
    assert a.accuracy_on_agreed == 1.0
    assert a.sides_with_ferplus == 1.0 and a.sides_with_original == 0.0
    assert a.ceiling == pytest.approx(1 + a.agree)
    assert "sides with the original label 0.0%, with FER+ 100.0%" in a.describe()
