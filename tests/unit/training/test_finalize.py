from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the optional `train` extra

from meetwatch.errors import ModelError  # noqa: E402
from meetwatch.training import export, finalize, train  # noqa: E402
from meetwatch.training.model import EmotionNet  # noqa: E402


def test_average_is_elementwise_mean_and_keeps_counters() -> None:
    a = {"w": torch.tensor([1.0, 3.0]), "n": torch.tensor(5)}
    b = {"w": torch.tensor([3.0, 5.0]), "n": torch.tensor(9)}
    out = finalize.average_weights([a, b])
    assert out["w"].tolist() == [2.0, 4.0]
    assert int(out["n"]) == 5


def test_snapshots_of_different_networks_are_refused() -> None:
    with pytest.raises(ModelError, match="different architectures"):
        finalize.average_weights([{"w": torch.zeros(1)}, {"v": torch.zeros(1)}])
    with pytest.raises(ModelError, match="no snapshots"):
        finalize.average_weights([])


def test_batchnorm_statistics_are_those_of_the_faces() -> None:
    net = EmotionNet()
    faces = np.random.default_rng(1).integers(0, 256, size=(64, 48, 48), dtype=np.uint8)
    finalize.reestimate_batchnorm(net, faces, batch=16)
    bn = net.stem[1]
    with torch.no_grad():
        from meetwatch.analysis.face_crop import normalize

        centre = torch.from_numpy(normalize(faces))[:, :, 2:46, 2:46]  # the 44 px crop it sees
        act = net.stem[0](centre)
    np.testing.assert_allclose(bn.running_mean.numpy(), act.mean(dim=(0, 2, 3)).numpy(), atol=1e-4)
    assert not net.training


def test_offsets_fix_a_shifted_threshold() -> None:
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 7, size=2000)
    labels[::10] = -1  # rows the Microsoft protocol removes
    logits = rng.normal(size=(2000, 7)).astype(np.float32)
    logits[np.arange(2000), labels] += 2.0
    logits[:, 2] -= 1.5  # class 2 under-predicted
    before = finalize.selection_figures(logits.argmax(1), labels)
    shift = finalize.fit_offsets(logits, labels)
    after = finalize.selection_figures((logits + shift).argmax(1), labels)
    assert shift[2] > 0.5
    assert after["ferplus_accuracy"] > before["ferplus_accuracy"] + 0.02
    assert after["ferplus_macro_f1"] > before["ferplus_macro_f1"]


def test_finalized_checkpoint_exports_with_its_history(tmp_path: Path, tiny_fer: Path) -> None:
    cfg = train.TrainConfig(epochs=1, batch_size=16, max_batches=2, threads=1)
    snaps = []
    for seed in (1, 2):
        cfg.seed = seed
        train.train(tiny_fer, tmp_path / f"c{seed}", cfg)
        snaps.append(tmp_path / f"c{seed}" / "checkpoint.pt")
    out = tmp_path / "final.pt"
    args = [*map(str, snaps), "--data", str(tiny_fer), "--out", str(out), "--lineage", "2 runs"]
    assert finalize.main(args) == 0
    models = tmp_path / "models"
    _, info = export.export_onnx(out, models)
    manifest = export.write_manifest(models, info, {}, {"temperature": 1.5}).read_text()
    assert "2 runs; then weights of 2 warm-restart snapshots averaged" in manifest
    assert "seed = [1, 2]" in manifest
    assert "chosen on PublicTest only" in manifest
    assert "temperature = 1.5" in manifest


def test_missing_snapshot_is_one_clear_error(
    tmp_path: Path, tiny_fer: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = finalize.main([str(tmp_path / "nope.pt"), "--data", str(tiny_fer)])
    assert code != 0
    assert "error:" in capsys.readouterr().err


def test_nll_offsets_match_predicted_shares_to_the_labels() -> None:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 7, size=3000)
    labels[::10] = -1
    logits = rng.normal(size=(3000, 7)).astype(np.float32)
    logits[np.arange(3000), labels] += 2.0
    logits[:, 2] -= 1.5  # class 2 under-predicted
    shift = finalize.fit_offsets_nll(logits, labels)
    assert shift[6] == 0  # neutral anchors the offsets
    assert 1.0 < shift[2] - np.delete(shift, 2).mean() < 2.0
    # At the NLL optimum (and its temperature) each class's mean probability is its share.
    keep = labels >= 0
    z = logits[keep] + shift
    best = min(np.arange(0.5, 2.0, 0.01), key=lambda tt: _nll(z / tt, labels[keep]))
    p = np.exp(z / best - (z / best).max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    share = np.bincount(labels[keep], minlength=7) / keep.sum()
    np.testing.assert_allclose(p.mean(0), share, atol=0.01)


def _nll(z: np.ndarray, y: np.ndarray) -> float:
    z = z - z.max(1, keepdims=True)
    return float(-(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(1))).mean())
