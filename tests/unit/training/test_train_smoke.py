"""Training runs end to end on tiny synthetic data: 2 batches, checkpoint, resume, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the optional `train` extra

from meetwatch.analysis.emotion import EmotionModel  # noqa: E402
from meetwatch.errors import DataError, ModelError  # noqa: E402
from meetwatch.training import export, train  # noqa: E402


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
    export.write_manifest(models, info, {})
    model = EmotionModel(models, threads=1)
    probs = model.predict(np.zeros((3, 48, 48), np.uint8))
    assert probs.shape == (3, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)


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
