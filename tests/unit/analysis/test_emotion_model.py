"""The shipped emotion model: manifest, integrity checks, determinism and a quick accuracy check."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest

from meetwatch.analysis.emotion import MANIFEST, EmotionModel, sha256_of, valence_arousal
from meetwatch.analysis.face_crop import PREPROCESS_VERSION
from meetwatch.analysis.signals import EMOTIONS
from meetwatch.assets import models_dir
from meetwatch.errors import ModelError


@pytest.fixture(scope="module")
def model() -> EmotionModel:
    return EmotionModel(threads=1)


def _manifest() -> dict:
    return tomllib.loads((models_dir() / MANIFEST).read_text())


def test_manifest_describes_the_shipped_file(model: EmotionModel) -> None:
    m = _manifest()["model"]
    path = models_dir() / m["file"]
    assert m["sha256"] == sha256_of(path)
    assert path.stat().st_size <= 10 * 1024 * 1024
    assert tuple(m["classes"]) == EMOTIONS
    assert m["preprocess_version"] == PREPROCESS_VERSION
    assert m["opset"] >= 17
    assert m["input"]["shape"][1:] == [1, 48, 48]


def test_probabilities_are_deterministic_and_batched(model: EmotionModel) -> None:
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, size=(7, 48, 48), dtype=np.uint8)
    a = model.predict(faces)
    b = model.predict(faces)
    assert a.shape == (7, 7)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, atol=1e-5)
    one_by_one = np.concatenate([model.predict(faces[i : i + 1]) for i in range(7)])
    np.testing.assert_allclose(one_by_one, a, atol=1e-5)
    assert model.predict(np.zeros((0, 48, 48), np.uint8)).shape == (0, 7)


def test_valence_arousal_follow_the_mix() -> None:
    happy = np.eye(7, dtype=np.float32)[[EMOTIONS.index("happy")]]
    sad = np.eye(7, dtype=np.float32)[[EMOTIONS.index("sad")]]
    assert valence_arousal(happy)[0][0] > 0.5 > valence_arousal(sad)[0][0]


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    for name in ("emotion.onnx", MANIFEST):
        shutil.copy(models_dir() / name, tmp_path / name)
    return tmp_path


def test_missing_model_file_is_refused(model_copy: Path) -> None:
    (model_copy / "emotion.onnx").unlink()
    with pytest.raises(ModelError, match="missing"):
        EmotionModel(model_copy)


def test_corrupt_model_file_is_refused(model_copy: Path) -> None:
    data = bytearray((model_copy / "emotion.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (model_copy / "emotion.onnx").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256"):
        EmotionModel(model_copy)


def test_manifest_input_spec_mismatch_is_refused(model_copy: Path) -> None:
    text = (model_copy / MANIFEST).read_text().replace('"batch", 1, 48, 48', '"batch", 1, 64, 64')
    (model_copy / MANIFEST).write_text(text)
    with pytest.raises(ModelError, match="input"):
        EmotionModel(model_copy)


def test_missing_manifest_is_refused(model_copy: Path) -> None:
    (model_copy / MANIFEST).unlink()
    with pytest.raises(ModelError, match="manifest"):
        EmotionModel(model_copy)


def test_quick_eval_matches_model_card(model: EmotionModel, data_dir: Path) -> None:
    from meetwatch.training.evaluate import evaluate_sets

    card = _manifest()["metrics"]["fer2013_private"]
    quick = evaluate_sets(data_dir, model.predict, limit=500)[0]
    assert quick.n == 500
    assert abs(quick.accuracy - card["accuracy_first_500"]) <= 0.03


@pytest.mark.slow
def test_eval_command_prints_the_model_cards_figures(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from meetwatch.cli import main

    assert main(["eval", "emotion", "--data", str(data_dir), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    card = _manifest()["metrics"]
    assert f"accuracy {card['fer2013_private']['accuracy']:.4f}" in out
    assert f"accuracy {card['ckplus']['accuracy']:.4f}" in out
    agreement = card["label_agreement"]
    assert f"agree on {agreement['agree']:.1%}" in out
    assert f"add up to {agreement['sum_of_accuracies_ceiling']:.3f} at most" in out
    assert len(list(tmp_path.glob("confusion_*.png"))) == 3
