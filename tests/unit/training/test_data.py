"""Soft targets and FER+ majority labels are what the model card says they are."""

from __future__ import annotations

import numpy as np

from meetwatch.training.data import CLASSES, FERPLUS_WEIGHT, Fer2013, class_order_check


def _fer(votes: list[list[int]], y: list[int]) -> Fer2013:
    n = len(y)
    return Fer2013(
        np.zeros((n, 48, 48), np.uint8),
        np.array(y),
        np.zeros(n, np.int8),
        np.array(votes, np.int16),
    )


def test_soft_targets_mix_original_label_and_votes() -> None:
    # 10 votes: 6 happiness (col 1), 4 neutral (col 0); original label: sad (4).
    fer = _fer([[4, 6, 0, 0, 0, 0, 0, 0, 0, 0]], [4])
    t = fer.soft_targets()[0]
    assert t.sum() == np.float32(1.0)
    assert t[CLASSES.index("sad")] == np.float32(1 - FERPLUS_WEIGHT)
    assert t[CLASSES.index("happy")] == np.float32(FERPLUS_WEIGHT * 0.6)
    assert t[CLASSES.index("neutral")] == np.float32(FERPLUS_WEIGHT * 0.4)


def test_rows_without_votes_keep_their_label() -> None:
    fer = _fer([[-1] * 10, [0, 0, 0, 0, 0, 0, 0, 2, 5, 3]], [1, 2])
    t = fer.soft_targets()
    assert t[0].argmax() == 1 and t[0].max() == 1.0
    assert t[1].argmax() == 2 and t[1].max() == 1.0  # only contempt/unknown/NF votes


def test_ferplus_majority_excludes_unknown_and_missing() -> None:
    fer = _fer(
        [[0, 0, 7, 1, 0, 0, 0, 0, 2, 0], [1, 0, 0, 0, 0, 0, 0, 0, 9, 0], [-1] * 10], [0, 0, 0]
    )
    assert fer.ferplus_majority().tolist() == [CLASSES.index("surprise"), -1, -1]


def test_class_order_matches_fer2013() -> None:
    class_order_check(np.array(["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]))
