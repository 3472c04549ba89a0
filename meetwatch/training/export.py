"""Export the selected checkpoint to models/emotion.onnx with its manifest and figures.

    python -m meetwatch.training.export --checkpoint runs/emotion/best.pt --data DIR [--out models]

The exported file is checked against the torch model, calibrated (a temperature fitted on
PublicTest through the product's loader, written to the manifest), then evaluated through the
product's own loading path (manifest, sha256, preprocessing, temperature) so the model card's
figures are those of the shipped file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from meetwatch.analysis.calibration import (
    apply_temperature,
    expected_calibration_error,
    fit_temperature,
)
from meetwatch.analysis.emotion import MANIFEST, EmotionModel
from meetwatch.analysis.face_crop import INPUT_SIZE, PREPROCESS_VERSION, normalize
from meetwatch.analysis.face_network import sha256_of
from meetwatch.errors import ModelError, exit_code_of
from meetwatch.training.data import CLASSES, PUBLIC_TEST, TRAIN, data_root, load_fer2013
from meetwatch.training.eval_command import format_face_sizes
from meetwatch.training.evaluate import (
    CKPLUS,
    FER2013_ORIGINAL,
    FERPLUS_MICROSOFT,
    FERPLUS_PLURALITY,
    evaluate_sets,
    ferplus_private_by_face_size,
    format_metrics,
    label_agreement,
    save_confusion_png,
    with_flip,
)
from meetwatch.training.model import CROP, EmotionNet
from meetwatch.training.quantize import CALIBRATION_FACES, quantize_int8
from meetwatch.training.train import load_checkpoint, selection_score

OPSET = 17
ONNX_FILE = "emotion.onnx"


class _WithSoftmax(torch.nn.Module):
    """Ship probabilities, not logits, so every consumer reads the same numbers.

    With `mirror`, each face and its mirror image go through the network in one batch and the
    two probabilities are averaged (flip test-time augmentation inside the file, so every
    consumer gets it and the speed figures include it).
    """

    def __init__(self, net: torch.nn.Module, mirror: bool = False) -> None:
        super().__init__()
        self.net = net
        self.mirror = mirror

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.mirror:
            return torch.softmax(self.net(x), dim=1)
        n = x.shape[0]
        p = torch.softmax(self.net(torch.cat([x, x.flip(-1)])), dim=1)
        return (p[:n] + p[n:]) / 2


def export_probabilities(net: torch.nn.Module, path: Path, mirror: bool = False) -> None:
    """Write `net` with its softmax as ONNX and check onnxruntime gives torch's numbers."""
    model = _WithSoftmax(net, mirror).eval()
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


def export_onnx(checkpoint: Path, out_dir: Path, mirror: bool = False) -> tuple[Path, dict]:
    ckpt = load_checkpoint(checkpoint)
    net = EmotionNet()
    try:
        net.load_state_dict(ckpt["model"])
    except RuntimeError as exc:
        raise ModelError(
            f"checkpoint {checkpoint} does not fit the EmotionNet architecture: {exc}"
        ) from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ONNX_FILE
    export_probabilities(net, path, mirror)
    info = {
        "epoch": int(ckpt.get("epoch", -1)) + 1,
        "public_score": float(ckpt.get("score", float("nan"))),
        "parameters": sum(p.numel() for p in net.parameters()),
        "config": ckpt.get("config", {}),
        "history": ckpt.get("history", ""),
        **{k: ckpt[k] for k in ("seeds", "selection") if k in ckpt},
        "mirror": mirror,
        "int8": False,
    }
    return path, info


# The v3 rule (model card): int8 ships only if it costs at most this much PublicTest score.
INT8_MAX_SCORE_LOSS = 0.005


def public_score(path: Path, root: Path) -> float:
    """The selection score of an ONNX file on PublicTest: (accuracy + macro F1) / 2, FER+
    labels under Microsoft's protocol, the file's own output (no temperature: argmax only)."""
    import onnxruntime as ort

    val = load_fer2013(root).subset(PUBLIC_TEST)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    probs = np.concatenate(
        [
            session.run(None, {"input": normalize(val.x[i : i + 256])})[0]
            for i in range(0, len(val.x), 256)
        ]
    )
    accuracy, macro_f1 = selection_score(probs.argmax(1), val.ferplus_microsoft())
    return (accuracy + macro_f1) / 2


def quantize_if_it_holds(path: Path, root: Path, info: dict) -> None:
    """Replace the float file at `path` by its int8 version when the PublicTest score allows."""
    float_path = path.with_suffix(".float.onnx")
    path.replace(float_path)
    train = load_fer2013(root).subset(TRAIN)
    pick = np.random.default_rng(0).choice(len(train.x), CALIBRATION_FACES, replace=False)
    quantize_int8(float_path, path, train.x[np.sort(pick)])
    before, after = public_score(float_path, root), public_score(path, root)
    print(f"PublicTest score: float {before:.4f}, int8 {after:.4f}")
    if after < before - INT8_MAX_SCORE_LOSS:
        print("int8 loses too much: the float file ships")
        float_path.replace(path)
        return
    float_path.unlink()
    info["int8"] = True


# Every manifest's input: what meetwatch.analysis.face_network feeds the file.
INPUT_SECTION: dict[str, object] = {
    "name": "input",
    "shape": ["batch", 1, INPUT_SIZE, INPUT_SIZE],
    "dtype": "float32",
    "description": "FaceMesh-aligned 48x48 grayscale crop, per-image standardised "
    "(meetwatch.analysis.face_crop.normalize)",
}


def _toml_value(v: object) -> str:
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(i) for i in v) + "]"
    return repr(v)


def _targets_text(cfg: dict) -> str:
    votes = (
        "single votes kept"
        if cfg.get("single_votes")
        else "single votes dropped where a class has two or more"
    )
    text = (
        f"FER+ vote distribution over the 7 classes ({votes}; contempt/unknown/NF votes "
        "dropped); original label alone where FER+ has no usable votes"
    )
    if cfg.get("teacher"):
        w = cfg.get("teacher_weight", 0.5)
        text += f", mixed {1 - w:g}:{w:g} with an ensemble of earlier networks' probabilities"
    return text + f"; smoothed by {cfg.get('label_smoothing', 0.0)}"


def write_manifest(
    out_dir: Path, info: dict, metrics: dict[str, dict], calibration: dict[str, object]
) -> Path:
    onnx_path = out_dir / ONNX_FILE
    cfg = info["config"]
    sections: list[tuple[str, dict[str, object]]] = [
        (
            "model",
            model_section(
                onnx_path,
                CLASSES,
                info["parameters"],
                "EmotionNet: residual CNN, 48x48 grayscale input, "
                f"centre {CROP}x{CROP} crop"
                + (", face and mirror image averaged" if info.get("mirror") else "")
                + (", int8 (static, per-channel weights)" if info.get("int8") else ""),
            ),
        ),
        ("model.calibration", calibration),
        ("model.input", INPUT_SECTION),
        (
            "model.output",
            {"name": "probabilities", "shape": ["batch", len(CLASSES)], "dtype": "float32"},
        ),
        (
            "training",
            {
                "data": "FER-2013 Training split (28,709 images) with FER+ crowd votes",
                "targets": _targets_text(cfg),
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
    path = out_dir / MANIFEST
    write_toml(path, "meetwatch.training.export", "meetwatch.analysis.emotion", sections)
    return path


def model_section(
    path: Path, classes: tuple[str, ...], parameters: int, architecture: str
) -> dict[str, object]:
    """A manifest's [model] table: what meetwatch.analysis.face_network checks the file by."""
    return {
        "file": path.name,
        "sha256": sha256_of(path),
        "size_bytes": path.stat().st_size,
        "classes": list(classes),
        "preprocess_version": PREPROCESS_VERSION,
        "opset": OPSET,
        "parameters": parameters,
        "architecture": architecture,
    }


def write_toml(
    path: Path, writer: str, checker: str, sections: list[tuple[str, dict[str, object]]]
) -> None:
    lines = [f"# Generated by {writer}; checked at load time by {checker}."]
    for name, values in sections:
        lines.append(f"\n[{name}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n")


QUICK_SUBSET = 500
# Figure names say which test, not which dataset file (the data are never shipped).
CONFUSION_PNGS = {
    FERPLUS_MICROSOFT: "confusion_private_test_ferplus_microsoft.png",
    FER2013_ORIGINAL: "confusion_private_test.png",
    FERPLUS_PLURALITY: "confusion_private_test_majority_votes.png",
    CKPLUS: "confusion_cross_dataset.png",
}


def calibrate(model: EmotionModel, root: Path) -> dict[str, object]:
    """Fit the temperature on PublicTest (FER+ labels, Microsoft protocol) and say what it did."""
    val = load_fer2013(root).subset(PUBLIC_TEST)
    labels = val.ferplus_microsoft()
    keep = labels >= 0
    raw = model.predict_raw(val.x[keep])
    t = fit_temperature(raw, labels[keep])
    return {
        "temperature": t,
        "fitted_on": "PublicTest, FER+ labels under Microsoft's protocol, negative log-likelihood",
        "public_ece_before": round(expected_calibration_error(raw, labels[keep]), 4),
        "public_ece_after": round(
            expected_calibration_error(apply_temperature(raw, t), labels[keep]), 4
        ),
    }


def _export_and_evaluate(
    checkpoint: Path, out: Path, data: str | None, mirror: bool = False, int8: bool = False
) -> None:
    path, info = export_onnx(checkpoint, out, mirror)
    root = data_root(data)
    if int8:
        quantize_if_it_holds(path, root, info)
    # provisional (uncalibrated) manifest: lets the product loader open the file
    write_manifest(out, info, {}, {"temperature": 1.0})
    calibration = calibrate(EmotionModel(out), root)
    write_manifest(out, info, {}, calibration)
    model = EmotionModel(out)
    plain = evaluate_sets(root, model.predict)
    flipped = evaluate_sets(root, with_flip(model.predict))
    metrics: dict[str, dict[str, object]] = {k: m.as_dict() for k, m in plain.items()}
    for k, m in flipped.items():
        metrics[k]["accuracy_with_flip_tta"] = round(m.accuracy, 4)
    # The fixed subset the test suite re-evaluates to catch a broken export or
    # preprocessing change without running the full evaluation.
    for k, m in evaluate_sets(root, model.predict, limit=QUICK_SUBSET).items():
        metrics[k][f"accuracy_first_{QUICK_SUBSET}"] = round(m.accuracy, 4)
    agreement = label_agreement(root, model.predict)
    metrics["label_agreement"] = {**agreement.as_dict()}
    by_size = ferplus_private_by_face_size(root, model.predict)
    metrics["ferplus_private_microsoft_by_face_size"] = {
        str(px): round(acc, 4) for px, acc in by_size.items()
    }
    write_manifest(out, info, metrics, calibration)
    sections = [format_metrics(m) for m in plain.values()]
    report = "\n\n".join([*sections, agreement.describe(), format_face_sizes(by_size)])
    report += "\n\nWith flip test-time augmentation: " + ", ".join(
        f"{m.name} {m.accuracy:.4f}" for m in flipped.values()
    )
    report += f"\n\nCalibration: {calibration}"
    (out / "metrics.txt").write_text(report + "\n")
    for key, m in plain.items():
        save_confusion_png(m, out / CONFUSION_PNGS[key])
    print(report)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--checkpoint", default="runs/emotion/best.pt")
    p.add_argument("--data", help="shared data folder (default: $MEETWATCH_DATA)")
    p.add_argument("--out", default="models")
    p.add_argument("--mirror", action="store_true", help="average each face with its mirror")
    p.add_argument("--int8", action="store_true", help="quantize (kept if PublicTest allows)")
    args = p.parse_args(argv)
    return exit_code_of(
        lambda: _export_and_evaluate(
            Path(args.checkpoint), Path(args.out), args.data, args.mirror, args.int8
        )
    )


if __name__ == "__main__":
    sys.exit(main())
