"""The attention file holds several networks and gives the mean of their probabilities, in
float and in int8, with every network's classifier kept float."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the optional `train` extra
onnx = pytest.importorskip("onnx")

import onnxruntime as ort  # noqa: E402

from meetwatch.analysis.face_crop import normalize  # noqa: E402
from meetwatch.training.attention import MeanOfNetworks  # noqa: E402
from meetwatch.training.export import export_probabilities  # noqa: E402
from meetwatch.training.model import EmotionNet  # noqa: E402
from meetwatch.training.quantize import quantize_int8  # noqa: E402


def _net(seed: int) -> EmotionNet:
    torch.manual_seed(seed)
    return EmotionNet(num_classes=3).eval()


def _run(path: Path, faces: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"input": normalize(faces)})[0])


def test_the_file_gives_the_mean_of_its_networks(tmp_path: Path) -> None:
    nets = [_net(0), _net(1)]
    faces = np.random.default_rng(0).integers(0, 256, size=(64, 48, 48), dtype=np.uint8)
    with torch.no_grad():
        each = [torch.softmax(n(torch.from_numpy(normalize(faces))), 1).numpy() for n in nets]
    assert np.abs(each[0] - each[1]).max() > 0.01  # two different networks

    path = tmp_path / "attention.onnx"
    export_probabilities(MeanOfNetworks(nets).eval(), path)
    np.testing.assert_allclose(_run(path, faces), (each[0] + each[1]) / 2, atol=1e-5)

    int8 = tmp_path / "attention.int8.onnx"
    quantize_int8(path, int8, faces)
    graph = onnx.load(str(int8)).graph
    weights = {t.name for t in graph.initializer if t.data_type == onnx.TensorProto.FLOAT}
    heads = [n for n in graph.node if n.op_type == "Gemm"]
    assert len(heads) == 2
    assert all(n.input[1] in weights for n in heads), "a classifier was quantized"
    probs = _run(int8, faces)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-4)
    assert np.abs(probs - (each[0] + each[1]) / 2).max() < 0.1
