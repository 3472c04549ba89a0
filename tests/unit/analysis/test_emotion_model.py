"""The shipped emotion model: manifest, integrity checks, determinism and a quick accuracy check."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest

from meetwatch.analysis.calibration import apply_temperature
from meetwatch.analysis.emotion import MANIFEST, EmotionModel, valence_arousal
from meetwatch.analysis.face_crop import PREPROCESS_VERSION
from meetwatch.analysis.face_network import sha256_of
from meetwatch.assets import models_dir
from meetwatch.errors import ModelError
from meetwatch.shared import EMOTIONS
from meetwatch.training.data import PRIVATE_TEST, load_fer2013
from meetwatch.training.eval_report import EvalReport, schema_json
from meetwatch.training.evaluate import (
    CKPLUS,
    FER2013_ORIGINAL,
    FERPLUS_MICROSOFT,
    FERPLUS_PLURALITY,
)

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "docs" / "eval.schema.json"


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


def test_implausible_temperature_is_refused(model_copy: Path) -> None:
    text = (model_copy / MANIFEST).read_text()
    if "[model.calibration]" in text:
        text = re.sub(r"(?m)^temperature = .*$", "temperature = -1.0", text)
    else:
        text = text.replace(
            "[model.input]", "[model.calibration]\ntemperature = -1.0\n\n[model.input]"
        )
    (model_copy / MANIFEST).write_text(text)
    with pytest.raises(ModelError, match="temperature"):
        EmotionModel(model_copy)


def test_probabilities_are_the_calibrated_ones(model: EmotionModel) -> None:
    faces = np.random.default_rng(1).integers(0, 256, size=(5, 48, 48), dtype=np.uint8)
    expected = apply_temperature(model.predict_raw(faces), model.manifest.temperature)
    np.testing.assert_allclose(model.predict(faces), expected, atol=1e-6)


@pytest.mark.parametrize("key", [FERPLUS_MICROSOFT, FER2013_ORIGINAL])
def test_quick_eval_matches_model_card(model: EmotionModel, data_dir: Path, key: str) -> None:
    from meetwatch.training.evaluate import evaluate_sets

    card = _manifest()["metrics"][key]
    quick = evaluate_sets(data_dir, model.predict, limit=500)[key]
    assert abs(quick.accuracy - card["accuracy_first_500"]) <= 0.03


def test_microsoft_protocol_keeps_the_published_number_of_faces(data_dir: Path) -> None:
    fer = load_fer2013(data_dir).subset(PRIVATE_TEST)
    assert int((fer.ferplus_microsoft() >= 0).sum()) == 3136


def test_eval_json_follows_its_schema(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from meetwatch.cli import main

    args = ["eval", "emotion", "--data", str(data_dir), "--out", str(tmp_path), "--json"]
    assert main([*args, "--limit", "500"]) == 0
    report = EvalReport.model_validate_json(capsys.readouterr().out)
    assert report.model_sha256 == _manifest()["model"]["sha256"]
    assert set(report.sets) == {FERPLUS_MICROSOFT, FER2013_ORIGINAL, FERPLUS_PLURALITY}
    for s in report.sets.values():
        assert set(s.recall) <= set(EMOTIONS) and s.recall
        assert np.asarray(s.confusion).shape == (7, 7)
        assert np.asarray(s.confusion).sum() == s.n
        assert s.accuracy == pytest.approx(np.trace(s.confusion) / s.n)
        assert 0 <= s.macro.f1 <= 1 and 0 <= s.weighted.f1 <= 1 and s.ece is not None
    card = _manifest()["metrics"][FERPLUS_MICROSOFT]
    assert report.sets[FERPLUS_MICROSOFT].accuracy == pytest.approx(
        card["accuracy_first_500"], abs=1e-4
    )


def test_eval_schema_document_is_current() -> None:
    assert SCHEMA_FILE.read_text() == schema_json(), (
        "docs/eval.schema.json is stale: regenerate it with "
        "`python -m meetwatch.training.eval_report --schema > docs/eval.schema.json`"
    )


@pytest.mark.slow
def test_eval_command_prints_the_model_cards_figures(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from meetwatch.cli import main

    assert main(["eval", "emotion", "--data", str(data_dir), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    card = _manifest()["metrics"]
    assert "FER+ PrivateTest (Microsoft majority protocol, 7 classes): n=3136" in out
    for key in (FERPLUS_MICROSOFT, FER2013_ORIGINAL, FERPLUS_PLURALITY, CKPLUS):
        assert f"accuracy {card[key]['accuracy']:.4f}" in out
    agreement = card["label_agreement"]
    assert f"agree on {agreement['agree']:.1%}" in out
    assert f"add up to {agreement['sum_of_accuracies_ceiling']:.3f} at most" in out
    sizes = card["ferplus_private_microsoft_by_face_size"]
    assert f"24 px {sizes['24']:.3f}" in out
    assert len(list(tmp_path.glob("confusion_*.png"))) == 4
