"""Training runs end to end on tiny synthetic data: 2 batches, checkpoint, resume, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the optional `train` extra

from meetwatch.analysis.emotion import EmotionModel  # noqa: E402
from meetwatch.errors import DataError, ModelError  # noqa: E402
from meetwatch.training import export, finalize, train  # noqa: E402
from meetwatch.training.model import EmotionNet  # noqa: E402
from meetwatch.training.onnx_weights import load_onnx_weights  # noqa: E402


def test_two_batch_run_checkpoints_resumes_and_exports(tmp_path: Path, tiny_fer: Path) -> None:
    data = tiny_fer
    out = tmp_path / "run"
    cfg = train.TrainConfig(epochs=1, batch_size=16, max_batches=2, threads=1)
    train.train(data, out, cfg)
    assert (out / "checkpoint.pt").is_file() and (out / "best.pt").is_file()
    lines = (out / "log.jsonl").read_text().splitlines()
    assert len(lines) == 1

    # Resuming a finished run trains nothing more and keeps the log as it was.
    train.train(data, out, cfg, resume=True)
    assert len((out / "log.jsonl").read_text().splitlines()) == 1

    # A warm restart starts from the weights with a fresh schedule of its own.
    warm = tmp_path / "warm"
    train.train(data, warm, cfg, init=out / "best.pt")
    assert len((warm / "log.jsonl").read_text().splitlines()) == 1

    models = tmp_path / "models"
    _, info = export.export_onnx(out / "best.pt", models)
    export.write_manifest(models, info, {}, {"temperature": 2.0})
    model = EmotionModel(models, threads=1)
    faces = np.random.default_rng(0).integers(0, 256, size=(3, 48, 48), dtype=np.uint8)
    probs = model.predict(faces)
    assert probs.shape == (3, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # the manifest's temperature is applied: softmax(logits / 2) from softmax(logits)
    raw = model.predict_raw(faces)
    sharp = raw**0.5 / (raw**0.5).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probs, sharp, atol=1e-5)


def test_shipped_onnx_weights_load_back_into_the_network(tmp_path: Path, tiny_fer: Path) -> None:
    """A fine-tuning run can start from an exported file: its network is recovered exactly."""
    out = tmp_path / "run"
    cfg = train.TrainConfig(epochs=1, batch_size=16, max_batches=2, threads=1)
    train.train(tiny_fer, out, cfg)
    path, _ = export.export_onnx(out / "checkpoint.pt", tmp_path / "models")
    faces = np.random.default_rng(1).integers(0, 256, size=(32, 48, 48), dtype=np.uint8)
    net = load_onnx_weights(path, faces)
    reference = EmotionNet()
    reference.load_state_dict(train.load_checkpoint(out / "checkpoint.pt")["model"])
    np.testing.assert_allclose(
        finalize.logits_of(net, faces), finalize.logits_of(reference, faces), atol=1e-3
    )
    warm = tmp_path / "warm"
    train.train(tiny_fer, warm, cfg, init=path)
    assert (warm / "checkpoint.pt").is_file()


def test_unreadable_onnx_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "emotion.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a readable ONNX file"):
        load_onnx_weights(bad, np.zeros((1, 48, 48), np.uint8))


def test_corrupt_checkpoint_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "checkpoint.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="corrupt or unreadable"):
        train.load_checkpoint(bad)


def test_wrong_shaped_dataset_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "fer2013").mkdir()
    np.savez(
        tmp_path / "fer2013" / "fer2013.npz",
        x=np.zeros((4, 32, 32), np.uint8),
        y=np.zeros(4, np.int8),
        split=np.zeros(4, np.int8),
        ferplus_votes=np.zeros((4, 10), np.int8),
    )
    with pytest.raises(DataError, match=r"\(N, 48, 48\)"):
        train.train(tmp_path, tmp_path / "run", train.TrainConfig(epochs=1, max_batches=1))


def test_cli_reports_missing_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert train.main(["--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "run")]) != 0
    assert "does not exist" in capsys.readouterr().err
