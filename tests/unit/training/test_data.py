"""Soft targets and FER+ majority labels are what the model card says they are."""

from __future__ import annotations

import numpy as np

from meetwatch.training.data import CLASSES, Fer2013, class_order_check


def _fer(votes: list[list[int]], y: list[int]) -> Fer2013:
    n = len(y)
    return Fer2013(
        np.zeros((n, 48, 48), np.uint8),
        np.array(y),
        np.zeros(n, np.int8),
        np.array(votes, np.int16),
    )


def test_soft_targets_are_the_vote_distribution_without_single_votes() -> None:
    # 10 votes: 6 happiness (col 1), 3 neutral (col 0), 1 sadness (col 3); original label: sad.
    fer = _fer([[3, 6, 0, 1, 0, 0, 0, 0, 0, 0]], [4])
    t = fer.soft_targets()[0]
    assert t.sum() == np.float32(1.0)
    assert t[CLASSES.index("sad")] == 0  # one vote in ten: dropped, and the original label too
    assert t[CLASSES.index("happy")] == np.float32(6 / 9)
    assert t[CLASSES.index("neutral")] == np.float32(3 / 9)


def test_single_votes_are_kept_when_nothing_else_is_left() -> None:
    fer = _fer([[1, 1, 0, 0, 0, 0, 0, 0, 8, 0]], [4])
    t = fer.soft_targets()[0]
    assert t[CLASSES.index("happy")] == t[CLASSES.index("neutral")] == np.float32(0.5)


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


def test_microsoft_protocol_needs_a_clear_majority_after_dropping_single_votes() -> None:
    fer = _fer(
        [
            [0, 0, 7, 1, 0, 0, 0, 0, 2, 0],  # surprise 7 of 9 remaining: kept
            [4, 0, 0, 4, 0, 0, 0, 0, 2, 0],  # neutral 4 of 10: no majority, removed
            [5, 0, 0, 1, 0, 0, 0, 0, 0, 4],  # neutral 5 of 9 after the single sad vote: kept
            [0, 0, 0, 0, 0, 0, 0, 6, 4, 0],  # contempt: not one of our classes, removed
            [2, 0, 0, 0, 0, 0, 0, 0, 8, 0],  # unknown: removed
            [-1] * 10,  # no FER+ entry: removed
        ],
        [0] * 6,
    )
    neutral, surprise = CLASSES.index("neutral"), CLASSES.index("surprise")
    assert fer.ferplus_microsoft().tolist() == [surprise, -1, neutral, -1, -1, -1]


def test_class_order_matches_fer2013() -> None:
    class_order_check(np.array(["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]))


def test_single_votes_can_be_kept() -> None:
    fer = _fer([[3, 6, 0, 1, 0, 0, 0, 0, 0, 0]], [4])
    t = fer.soft_targets(single_votes=True)[0]
    assert t[CLASSES.index("sad")] == np.float32(0.1)
    assert t[CLASSES.index("happy")] == np.float32(0.6)
