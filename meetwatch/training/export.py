"""Export the selected checkpoint to models/emotion.onnx with its manifest and figures.

    python -m meetwatch.training.export --checkpoint runs/emotion/best.pt --data DIR [--out models]

The exported file is checked against the torch model, then evaluated through the product's
own loading path (manifest, sha256, preprocessing) so the model card's figures are those of
the shipped file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from meetwatch.analysis.emotion import MANIFEST, EmotionModel, sha256_of
from meetwatch.analysis.face_crop import INPUT_SIZE, PREPROCESS_VERSION
from meetwatch.errors import ModelError, exit_code_of
from meetwatch.training.data import CLASSES, FERPLUS_WEIGHT, data_root
from meetwatch.training.evaluate import (
    evaluate_sets,
    format_metrics,
    label_agreement,
    save_confusion_png,
    with_flip,
)
from meetwatch.training.model import EmotionNet
from meetwatch.training.train import load_checkpoint

OPSET = 17
ONNX_FILE = "emotion.onnx"


class _WithSoftmax(torch.nn.Module):
    """Ship probabilities, not logits, so every consumer reads the same numbers."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=1)


def export_onnx(checkpoint: Path, out_dir: Path) -> tuple[Path, dict]:
    ckpt = load_checkpoint(checkpoint)
    net = EmotionNet()
    try:
        net.load_state_dict(ckpt["model"])
    except RuntimeError as exc:
        raise ModelError(
            f"checkpoint {checkpoint} does not fit the EmotionNet architecture: {exc}"
        ) from exc
    model = _WithSoftmax(net).eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ONNX_FILE
    dummy = torch.zeros(1, 1, INPUT_SIZE, INPUT_SIZE)
    torch.onnx.export(
        model,
        (dummy,),
        str(path),
        opset_version=OPSET,
        input_names=["input"],
        output_names=["probabilities"],
        dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}},
        dynamo=False,
    )
    import onnxruntime as ort

    x = torch.randn(8, 1, INPUT_SIZE, INPUT_SIZE)
    with torch.no_grad():
        ref = model(x).numpy()
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input": x.numpy()}
    )[0]
    if not np.allclose(ref, got, atol=1e-4):
        raise ModelError(f"ONNX export differs from torch by {np.abs(ref - got).max():.2e}")
    info = {
        "epoch": int(ckpt.get("epoch", -1)) + 1,
        "public_score": float(ckpt.get("score", float("nan"))),
        "parameters": sum(p.numel() for p in net.parameters()),
        "config": ckpt.get("config", {}),
        "history": ckpt.get("history", ""),
        **{k: ckpt[k] for k in ("seeds", "selection") if k in ckpt},
    }
    return path, info


def _toml_value(v: object) -> str:
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(i) for i in v) + "]"
    return repr(v)


def write_manifest(out_dir: Path, info: dict, metrics: dict[str, dict]) -> Path:
    onnx_path = out_dir / ONNX_FILE
    cfg = info["config"]
    sections: list[tuple[str, dict[str, object]]] = [
        (
            "model",
            {
                "file": ONNX_FILE,
                "sha256": sha256_of(onnx_path),
                "size_bytes": onnx_path.stat().st_size,
                "classes": list(CLASSES),
                "preprocess_version": PREPROCESS_VERSION,
                "opset": OPSET,
                "parameters": info["parameters"],
                "architecture": "EmotionNet: residual CNN, 48x48 grayscale",
            },
        ),
        (
            "model.input",
            {
                "name": "input",
                "shape": ["batch", 1, INPUT_SIZE, INPUT_SIZE],
                "dtype": "float32",
                "description": "FaceMesh-aligned 48x48 grayscale crop, per-image standardised "
                "(meetwatch.analysis.face_crop.normalize)",
            },
        ),
        (
            "model.output",
            {"name": "probabilities", "shape": ["batch", len(CLASSES)], "dtype": "float32"},
        ),
        (
            "training",
            {
                "data": "FER-2013 Training split (28,709 images) with FER+ crowd votes",
                "targets": f"{1 - FERPLUS_WEIGHT:g} x original one-hot label + "
                f"{FERPLUS_WEIGHT:g} x FER+ vote distribution (contempt/unknown/NF votes "
                "dropped); original label alone where FER+ has no votes",
                "selection": info.get(
                    "selection", "best (accuracy + FER+ accuracy) / 2 on FER-2013 PublicTest"
                ),
                "epochs_run": info["epoch"],
                "epochs_planned": cfg.get("epochs", 0),
                "seed": info.get("seeds", cfg.get("seed", 0)),
                **({"history": info["history"]} if info.get("history") else {}),
                "script": "python -m meetwatch.training.train",
            },
        ),
        (
            "licence",
            {
                "weights": "MIT, as meetwatch",
                "data": "FER-2013 (ICML 2013 challenge, research use) and FER+ labels "
                "(MIT, Microsoft); CK+ (non-commercial research) used only for evaluation. "
                "The training data are research-only: check that your use of the weights "
                "is compatible.",
            },
        ),
    ]
    for key, m in metrics.items():
        sections.append((f"metrics.{key}", {k: v for k, v in m.items() if k != "recall"}))
        if "recall" in m:
            sections.append((f"metrics.{key}.recall", m["recall"]))
    lines = [
        "# Generated by meetwatch.training.export;"
        " checked at load time by meetwatch.analysis.emotion."
    ]
    for name, values in sections:
        lines.append(f"\n[{name}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    path = out_dir / MANIFEST
    path.write_text("\n".join(lines) + "\n")
    return path


_METRIC_KEYS = ("fer2013_private", "ferplus_private", "ckplus")
QUICK_SUBSET = 500
# Figure names say which test, not which dataset file (the data are never shipped).
CONFUSION_PNGS = (
    "confusion_private_test.png",
    "confusion_private_test_majority_votes.png",
    "confusion_cross_dataset.png",
)


def _export_and_evaluate(checkpoint: Path, out: Path, data: str | None) -> None:
    _, info = export_onnx(checkpoint, out)
    write_manifest(out, info, {})  # provisional: lets the product loader open the file
    model = EmotionModel(out)
    root = data_root(data)
    plain = evaluate_sets(root, model.predict)
    flipped = evaluate_sets(root, with_flip(model.predict))
    metrics = {k: m.as_dict() for k, m in zip(_METRIC_KEYS, plain, strict=True)}
    for k, m in zip(_METRIC_KEYS, flipped, strict=True):
        metrics[k]["accuracy_with_flip_tta"] = round(m.accuracy, 4)
    # The fixed subset the test suite re-evaluates to catch a broken export or
    # preprocessing change without running the full evaluation.
    quick = evaluate_sets(root, model.predict, limit=QUICK_SUBSET)[0]
    metrics["fer2013_private"][f"accuracy_first_{QUICK_SUBSET}"] = round(quick.accuracy, 4)
    agreement = label_agreement(root, model.predict)
    metrics["label_agreement"] = agreement.as_dict()
    write_manifest(out, info, metrics)
    report = "\n\n".join([*(format_metrics(m) for m in plain), agreement.describe()])
    report += "\n\nWith flip test-time augmentation: " + ", ".join(
        f"{m.name} {m.accuracy:.4f}" for m in flipped
    )
    (out / "metrics.txt").write_text(report + "\n")
    for name, m in zip(CONFUSION_PNGS, plain, strict=True):
        save_confusion_png(m, out / name)
    print(report)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--checkpoint", default="runs/emotion/best.pt")
    p.add_argument("--data", help="shared data folder (default: $MEETWATCH_DATA)")
    p.add_argument("--out", default="models")
    args = p.parse_args(argv)
    return exit_code_of(
        lambda: _export_and_evaluate(Path(args.checkpoint), Path(args.out), args.data)
    )


if __name__ == "__main__":
    sys.exit(main())
