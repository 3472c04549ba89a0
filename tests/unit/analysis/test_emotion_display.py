"""What the product shows of a face's emotion: confident readings only, and none for tiny faces."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch.aggregation.aggregator import Aggregator
from meetwatch.analysis.analyzer import Analyzer
from meetwatch.analysis.calibration import (
    apply_temperature,
    expected_calibration_error,
    fit_temperature,
)
from meetwatch.analysis.emotion import (
    UNCERTAIN_SHOWN_AS,
    EmotionModel,
    face_sizes,
    shown_emotion,
)
from meetwatch.analysis.looks import LookModel
from meetwatch.capture.frame import Frame
from meetwatch.shared import EMOTIONS
from meetwatch.tracking.participants import Participants, ParticipantState
from meetwatch.training.data import PRIVATE_TEST, load_fer2013
from tests.unit.faces.portraits import find, portrait


@pytest.fixture(scope="module")
def model() -> EmotionModel:
    return EmotionModel(threads=1)


@pytest.fixture(scope="module")
def private_probs(model: EmotionModel, data_dir: Path) -> np.ndarray:
    return model.predict(load_fer2013(data_dir).subset(PRIVATE_TEST).x[:400])


def test_confident_faces_show_their_top_emotion_others_show_neutral(
    private_probs: np.ndarray,
) -> None:
    top = private_probs.max(axis=1)
    sure, unsure = (
        np.flatnonzero(top >= 0.9),
        np.flatnonzero((top < 0.5) & (private_probs.argmax(1) != EMOTIONS.index("neutral"))),
    )
    assert len(sure) and len(unsure)  # the model is sure of some faces and unsure of others
    for i in sure:
        assert shown_emotion(private_probs[i], 0.5) == EMOTIONS[private_probs[i].argmax()]
    for i in unsure:
        assert shown_emotion(private_probs[i], 0.5) == UNCERTAIN_SHOWN_AS
        assert shown_emotion(private_probs[i], 0.0) == EMOTIONS[private_probs[i].argmax()]
    assert shown_emotion(np.full(7, np.nan, np.float32)) is None  # not measured


def test_room_figures_use_the_threshold_and_the_calibrated_mix(private_probs: np.ndarray) -> None:
    """The participants' top emotion obeys the configured threshold; the mix is the mean."""
    top = private_probs.max(axis=1)
    rows = [int(np.flatnonzero(top >= 0.9)[0]), int(np.argmin(top))]
    people = Participants(
        0,
        10.0,
        tuple(
            ParticipantState(
                participant_id=i + 1,
                slot=i,
                attention="on_screen",
                attention_since=0.0,
                face_present=True,
                calibrated=True,
                emotion=private_probs[r],
            )
            for i, r in enumerate(rows)
        ),
    )
    room = Aggregator("s", min_confidence=0.5).update(people)
    shown = [p.top_emotion for p in room.participants]
    assert shown == [EMOTIONS[private_probs[rows[0]].argmax()], UNCERTAIN_SHOWN_AS]
    mix = np.mean(private_probs[rows], axis=0)
    assert room.emotion_mix == pytest.approx(dict(zip(EMOTIONS, mix.tolist(), strict=True)))


def test_faces_below_the_minimum_size_get_no_emotion(model: EmotionModel) -> None:
    image = portrait("astronaut")
    faces = find(image)
    assert len(faces) == 1
    size = float(face_sizes(faces.landmarks)[0])
    frame = Frame(np.ascontiguousarray(image), 0.0, 0, "test")
    read = Analyzer(LookModel(threads=1), model, min_face_px=size - 1).analyse(frame, faces)
    assert np.isfinite(read.emotion).all()
    skipped = Analyzer(LookModel(threads=1), model, min_face_px=size + 1).analyse(frame, faces)
    assert np.isnan(skipped.emotion).all() and np.isnan(skipped.valence).all()
    assert np.isfinite(skipped.head_pose).all()  # attention is still measured


def test_the_face_size_is_the_width_the_crop_is_cut_from() -> None:
    image = portrait("astronaut")
    big = float(face_sizes(find(image).landmarks)[0])
    half = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    assert float(face_sizes(find(half).landmarks)[0]) == pytest.approx(big / 2, rel=0.1)
    assert 0.15 * image.shape[1] < big < 0.6 * image.shape[1]


def test_temperature_is_recovered_and_lowers_calibration_error() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4000, 7)) * 2
    truth = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(7, p=p) for p in truth])
    overconfident = apply_temperature(truth.astype(np.float32), 0.5)
    t = fit_temperature(overconfident, labels)
    assert t == pytest.approx(2.0, rel=0.1)
    fixed = apply_temperature(overconfident, t)
    assert (
        expected_calibration_error(fixed, labels)
        < 0.03
        < expected_calibration_error(overconfident, labels)
    )
    np.testing.assert_array_equal(fixed.argmax(1), overconfident.argmax(1))
