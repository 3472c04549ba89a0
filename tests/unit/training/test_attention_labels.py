"""The hand-labelled attention sets keep training and held-out faces apart."""

from __future__ import annotations

import csv

from meetwatch.analysis.looks import LOOKS
from meetwatch.training.attention_data import LABELS


def _column(name: str, key: str) -> list[str]:
    with (LABELS / name).open(newline="") as f:
        return [row[key] for row in csv.DictReader(f)]


def test_no_wider_face_photo_gives_faces_to_both_training_and_held_out() -> None:
    """Split by photo, not by face: faces of one photo share its light, camera and crowd."""
    train, test = set(_column("wider_train.csv", "file")), set(_column("wider_test.csv", "file"))
    assert train and test
    assert not train & test


def test_no_fer_face_is_both_trained_on_and_held_out() -> None:
    train, test = _column("fer_train.csv", "fer_row"), _column("fer_test.csv", "fer_row")
    assert len(set(train)) == len(train)
    assert not set(train) & set(test)


def test_training_labels_are_the_networks_classes() -> None:
    for name in ("fer_train.csv", "wider_train.csv"):
        assert set(_column(name, "look")) <= set(LOOKS)
