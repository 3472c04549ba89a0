"""Self-distillation targets and the int8 / mirror export, end to end on tiny synthetic data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the optional `train` extra

from meetwatch.analysis.emotion import EmotionModel  # noqa: E402
from meetwatch.errors import DataError  # noqa: E402
from meetwatch.training import distill, export, train  # noqa: E402
from meetwatch.training.data import TRAIN, load_fer2013  # noqa: E402
from meetwatch.training.quantize import quantize_int8  # noqa: E402

CFG = {"epochs": 1, "batch_size": 16, "max_batches": 2, "threads": 1}


def _snapshot(tiny_fer: Path, out: Path, seed: int) -> Path:
    train.train(tiny_fer, out, train.TrainConfig(**CFG, seed=seed))
    return out / "checkpoint.pt"


def test_teacher_is_the_mirror_averaged_ensemble_and_trains(tmp_path: Path, tiny_fer: Path) -> None:
    a, b = (_snapshot(tiny_fer, tmp_path / f"c{s}", s) for s in (1, 2))
    onnx_path, _ = export.export_onnx(a, tmp_path / "models")
    rc = distill.main(
        [str(onnx_path), str(b), "--data", str(tiny_fer), "--out", str(tmp_path / "t.npy")]
    )
    assert rc == 0
    teacher = np.load(tmp_path / "t.npy")
    faces = load_fer2013(tiny_fer).subset(TRAIN).x
    assert teacher.shape == (len(faces), 7)
    # A shipped file and the checkpoint it came from teach the same thing.
    alone = distill.ensemble_targets([a], faces)
    np.testing.assert_allclose(distill.ensemble_targets([onnx_path], faces), alone, atol=1e-4)
    # Mirror-averaged: a mirrored face gets the same target.
    np.testing.assert_allclose(
        distill.ensemble_targets([a], np.ascontiguousarray(faces[:, :, ::-1])), alone, atol=1e-5
    )
    cfg = train.TrainConfig(**CFG, teacher=str(tmp_path / "t.npy"), single_votes=1)
    train.train(tiny_fer, tmp_path / "student", cfg)
    assert (tmp_path / "student" / "checkpoint.pt").is_file()


def test_teacher_of_another_split_is_one_clear_error(tmp_path: Path, tiny_fer: Path) -> None:
    np.save(tmp_path / "t.npy", np.full((5, 7), 1 / 7, np.float32))
    cfg = train.TrainConfig(**CFG, teacher=str(tmp_path / "t.npy"))
    with pytest.raises(DataError, match=r"expected \(64, 7\) probabilities"):
        train.train(tiny_fer, tmp_path / "run", cfg)


def test_mirror_and_int8_export_load_through_the_product(tmp_path: Path, tiny_fer: Path) -> None:
    snap = _snapshot(tiny_fer, tmp_path / "c", 3)
    models = tmp_path / "models"
    path, info = export.export_onnx(snap, models, mirror=True)
    faces = np.random.default_rng(4).integers(0, 256, size=(6, 48, 48), dtype=np.uint8)
    export.write_manifest(models, info, {}, {"temperature": 1.0})
    float_probs = EmotionModel(models, threads=1).predict(faces)
    np.testing.assert_allclose(
        float_probs,
        EmotionModel(models, threads=1).predict(np.ascontiguousarray(faces[:, :, ::-1])),
        atol=1e-5,
    )
    quantize_int8(path, path, load_fer2013(tiny_fer).subset(TRAIN).x)
    info["int8"] = True
    manifest = export.write_manifest(models, info, {}, {"temperature": 1.0}).read_text()
    assert "mirror image averaged, int8" in manifest
    int8_probs = EmotionModel(models, threads=1).predict(faces)
    assert int8_probs.shape == (6, 7)
    np.testing.assert_allclose(int8_probs.sum(1), 1.0, atol=1e-4)
    assert np.abs(int8_probs - float_probs).max() < 0.1
