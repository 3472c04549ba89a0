"""Quantize the exported emotion network to int8 for the per-face budget.

Static quantization (QDQ format, per-channel int8 weights, uint8 activations whose ranges are
calibrated on Training faces) lets onnxruntime run every convolution as an integer
convolution (VNNI on CPUs that have it), several times the float throughput per core. The
input and output stay float32 and the file keeps its manifest spec, so the product loads it
unchanged; export re-measures everything through that loader afterwards.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from meetwatch.analysis.face_crop import normalize

CALIBRATION_FACES = 2048


class _Faces:
    """onnxruntime's CalibrationDataReader protocol over standardised faces."""

    def __init__(self, input_name: str, faces: np.ndarray, batch: int = 64) -> None:
        self._batches = iter(
            [{input_name: normalize(faces[i : i + batch])} for i in range(0, len(faces), batch)]
        )

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._batches, None)


def _head_and_after(model_path: Path) -> list[str]:
    """Names of the classifier layers (one per network in the file) and every node downstream
    of them (softmax, mirror mean, the mean of an ensemble).

    Those stay float: they cost nothing, and uint8 probabilities (steps of 1/255) would spoil
    the calibrated confidences the product shows.
    """
    import onnx

    graph = onnx.load(str(model_path)).graph
    heads = [n for n in graph.node if n.op_type in ("Gemm", "MatMul")]
    keep = {n.name for n in heads}
    frontier = {name for n in heads for name in n.output}
    for node in graph.node:  # nodes are stored in topological order
        if frontier & set(node.input):
            keep.add(node.name)
            frontier |= set(node.output)
    return sorted(keep)


def quantize_int8(float_path: Path, out_path: Path, faces: np.ndarray) -> None:
    """Write the int8 version of `float_path`, activation ranges from `faces` (min-max)."""
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    quantize_static(
        str(float_path),
        str(out_path),
        _Faces("input", faces),  # type: ignore[arg-type]  # duck-typed reader
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
        nodes_to_exclude=_head_and_after(float_path),
    )
