"""Recover trainable EmotionNet weights from a shipped ONNX file.

Checkpoints are never committed, so the shipped emotion.onnx is the only copy of the last
model's weights a fresh machine has; an int8 file's weights come back dequantized. The exporter
folds every batch norm into the convolution before it, so each convolution's (weight, bias)
pair is split back into a bias-free convolution and a batch norm. The batch norm gets the
statistics its input actually has on the given faces (running mean and variance) and the scale
and shift that undo them, so the network computes the same function in eval mode and, because
batch statistics then match the running ones, nearly the same in training mode: fine-tuning
starts where the shipped model stands.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from meetwatch.analysis.face_crop import normalize
from meetwatch.errors import ModelError
from meetwatch.training.model import EmotionNet


def _running_stats(bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    mean, var = bn.running_mean, bn.running_var
    assert mean is not None and var is not None  # EmotionNet's batch norms track statistics
    return mean, var


def _conv_bn_pairs(model: nn.Module) -> list[tuple[str, nn.Conv2d, nn.BatchNorm2d]]:
    """Each convolution with the batch norm that follows it, in module order."""
    pairs: list[tuple[str, nn.Conv2d, nn.BatchNorm2d]] = []
    pending: tuple[str, nn.Conv2d] | None = None
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            pending = (name, module)
        elif isinstance(module, nn.BatchNorm2d) and pending is not None:
            pairs.append((pending[0], pending[1], module))
            pending = None
    return pairs


def _onnx_tensors(path: Path) -> dict[str, np.ndarray]:
    """Module path (e.g. 'stages.1.conv1') -> fused weight and bias, and the head's tensors."""
    import onnx
    from onnx import numpy_helper

    try:
        graph = onnx.load(str(path)).graph
    except Exception as exc:  # protobuf raises several types for a damaged file
        raise ModelError(f"{path} is not a readable ONNX file: {exc}") from exc
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    made_by = {out: node for node in graph.node for out in node.output}

    def value(name: str) -> np.ndarray:
        """An initializer, or the float tensor a DequantizeLinear makes of one (int8 files
        store each convolution's weight and bias quantized, per output channel)."""
        if name in init:
            return init[name].copy()
        node = made_by.get(name)
        if node is None or node.op_type != "DequantizeLinear":
            raise ModelError(f"{path}: {name} is neither a weight nor a dequantized weight")
        q, scale = value(node.input[0]), value(node.input[1])
        zero = value(node.input[2]) if len(node.input) > 2 else np.zeros_like(scale)
        axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        shape = list(scale.shape)  # a bias: one scale per element, or a scalar
        if q.ndim > 1:
            shape = [1] * q.ndim
            shape[axis] = scale.size
        real = (q.astype(np.float64) - zero.reshape(shape)) * scale.reshape(shape)
        return real.astype(np.float32)

    out = {k.removeprefix("net."): v.copy() for k, v in init.items() if k.startswith("net.head")}
    for node in graph.node:
        if node.op_type == "Conv":
            # '/net/stages/stages.1/skip/skip.0/Conv' names module 'stages.1.skip.0'
            scopes = node.name.removeprefix("/net/").split("/")[:-1]
            module = ".".join(s.rsplit(".", 1)[-1] for s in scopes)
            out[module + ".weight"] = value(node.input[1])
            out[module + ".bias"] = value(node.input[2])
    return out


@torch.no_grad()
def load_onnx_weights(path: Path, faces: np.ndarray) -> EmotionNet:
    """An EmotionNet equal to the ONNX file's network, with batch norms fitted on `faces`."""
    tensors = _onnx_tensors(path)
    model = EmotionNet().eval()
    pairs = _conv_bn_pairs(model)
    try:
        for name, conv, bn in pairs:
            conv.weight.copy_(torch.from_numpy(tensors[name + ".weight"]))
            bn.reset_running_stats()  # mean 0, variance 1: identity but for eps
            _running_stats(bn)[1].fill_(1 - bn.eps)
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(tensors[name + ".bias"]))
        for key in ("head.3.weight", "head.3.bias"):
            model.get_parameter(key).copy_(torch.from_numpy(tensors[key]))
    except (KeyError, RuntimeError) as exc:
        raise ModelError(f"{path} does not hold an EmotionNet: {exc}") from exc
    # Statistics of each batch norm's input, measured while the network is still the fused one.
    sums: dict[str, list[torch.Tensor]] = {}

    def hook(name: str):  # type: ignore[no-untyped-def]
        def record(_m: nn.Module, inputs: tuple[torch.Tensor, ...], _o: torch.Tensor) -> None:
            x = inputs[0].double()
            acc = sums.setdefault(name, [torch.zeros(x.shape[1], dtype=torch.float64)] * 3)
            sums[name] = [
                acc[0] + x.sum((0, 2, 3)),
                acc[1] + (x * x).sum((0, 2, 3)),
                acc[2] + x.shape[0] * x.shape[2] * x.shape[3],
            ]

        return record

    handles = [bn.register_forward_hook(hook(name)) for name, _c, bn in pairs]
    for i in range(0, len(faces), 512):
        model(torch.from_numpy(normalize(faces[i : i + 512])))
    for h in handles:
        h.remove()
    for name, _conv, bn in pairs:
        s, sq, n = sums[name]
        mean = s / n
        var = (sq / n - mean * mean).clamp_min(1e-6)
        shift = bn.bias.double().clone()  # the fused bias
        running_mean, running_var = _running_stats(bn)
        running_mean.copy_(mean.float())
        running_var.copy_(var.float())
        bn.weight.copy_(torch.sqrt(var + bn.eps).float())
        bn.bias.copy_((mean + shift).float())
    return model
