"""The shipped attention network: checked like the emotion network, and it reads real faces."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch.analysis.emotion import aligned_crops
from meetwatch.analysis.looks import AT_CAMERA, LOOKS, MANIFEST, LookModel
from meetwatch.assets import models_dir
from meetwatch.errors import ModelError
from tests.unit.faces.portraits import PORTRAITS, find_one, portrait


@pytest.fixture(scope="module")
def model() -> LookModel:
    return LookModel(threads=1)


@pytest.mark.parametrize("name", PORTRAITS)
def test_portraits_look_at_the_camera(model: LookModel, name: str) -> None:
    image = portrait(name)
    crops = aligned_crops(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), find_one(image))
    probs = model.predict(crops)
    assert probs.shape == (1, len(LOOKS))
    assert probs.sum() == pytest.approx(1.0, abs=1e-4)
    assert int(np.argmax(probs[0])) == AT_CAMERA


def test_no_faces_no_rows(model: LookModel) -> None:
    assert model.predict(np.zeros((0, 48, 48), np.uint8)).shape == (0, len(LOOKS))


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    for name in ("attention.onnx", MANIFEST):
        shutil.copy(models_dir() / name, tmp_path / name)
    return tmp_path


def test_another_class_order_is_refused(model_copy: Path) -> None:
    text = (model_copy / MANIFEST).read_text()
    (model_copy / MANIFEST).write_text(text.replace('"at_camera", "away"', '"away", "at_camera"'))
    with pytest.raises(ModelError, match="attention model classes"):
        LookModel(model_copy)


def test_missing_manifest_is_refused(model_copy: Path) -> None:
    (model_copy / MANIFEST).unlink()
    with pytest.raises(ModelError, match="attention model manifest not found"):
        LookModel(model_copy)
