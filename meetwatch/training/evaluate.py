"""Evaluate the shipped ONNX emotion model: `meetwatch eval emotion [--data DIR] [--json]`.

Runs on the product's own dependencies (onnxruntime, no torch) so the figures in the model
card are those of the file users get, preprocessing and calibration included.

The sets, keyed as in the manifest and the JSON report (meetwatch.training.eval_report):
FER+ PrivateTest under Microsoft's majority protocol (the label set meetwatch is judged on),
FER-2013 PrivateTest with its original labels and with FER+ plurality labels (the earlier
protocols, kept for comparison), and CK+ as a cross-dataset check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from meetwatch.analysis.calibration import expected_calibration_error
from meetwatch.training.data import CLASSES, PRIVATE_TEST, load_ckplus, load_fer2013

Predictor = Callable[[np.ndarray], np.ndarray]  # (N, 48, 48) uint8 -> (N, 7) probabilities


@dataclass(frozen=True)
class Metrics:
    name: str
    n: int
    accuracy: float
    macro: tuple[float, float, float]  # precision, recall, F1
    weighted: tuple[float, float, float]
    recall: dict[str, float]
    confusion: np.ndarray  # rows: true class, columns: predicted
    ece: float | None = None  # expected calibration error of the probabilities given

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_precision": round(self.macro[0], 4),
            "macro_recall": round(self.macro[1], 4),
            "macro_f1": round(self.macro[2], 4),
            "weighted_f1": round(self.weighted[2], 4),
            "recall": {k: round(v, 4) for k, v in self.recall.items()},
            **({"ece": round(self.ece, 4)} if self.ece is not None else {}),
        }


def compute_metrics(
    name: str, y_true: np.ndarray, y_pred: np.ndarray, probs: np.ndarray | None = None
) -> Metrics:
    k = len(CLASSES)
    cm = np.zeros((k, k), np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1).astype(np.float64)
    predicted = cm.sum(axis=0).astype(np.float64)
    precision = np.divide(tp, predicted, out=np.zeros(k), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros(k), where=support > 0)
    f1 = np.divide(
        2 * precision * recall, precision + recall, out=np.zeros(k), where=(precision + recall) > 0
    )
    present = support > 0  # CK+ has no neutral faces: average over classes that occur
    w = support / support.sum()
    return Metrics(
        name=name,
        n=len(y_true),
        accuracy=float(tp.sum() / max(1, len(y_true))),
        macro=(
            float(precision[present].mean()),
            float(recall[present].mean()),
            float(f1[present].mean()),
        ),
        weighted=(float((precision * w).sum()), float((recall * w).sum()), float((f1 * w).sum())),
        recall={c: float(recall[i]) for i, c in enumerate(CLASSES) if present[i]},
        confusion=cm,
        ece=None if probs is None else expected_calibration_error(probs, y_true),
    )


def with_flip(predict: Predictor) -> Predictor:
    """Test-time augmentation: average the prediction of a face and its mirror image."""
    return lambda faces: (predict(faces) + predict(faces[:, :, ::-1].copy())) / 2


FERPLUS_MICROSOFT = "ferplus_private_microsoft"
FER2013_ORIGINAL = "fer2013_private"
FERPLUS_PLURALITY = "ferplus_private"
CKPLUS = "ckplus"


def evaluate_sets(data_dir: Path, predict: Predictor, limit: int = 0) -> dict[str, Metrics]:
    """The model card's figures; `limit` takes the first N PrivateTest faces (quick checks)."""
    fer = load_fer2013(data_dir).subset(PRIVATE_TEST)
    x, y, major, microsoft = fer.x, fer.y, fer.ferplus_majority(), fer.ferplus_microsoft()
    if limit:
        x, y, major, microsoft = x[:limit], y[:limit], major[:limit], microsoft[:limit]
    probs = predict(x)
    pred = probs.argmax(axis=1)
    ms, pl = microsoft >= 0, major >= 0
    results = {
        FERPLUS_MICROSOFT: compute_metrics(
            "FER+ PrivateTest (Microsoft majority protocol, 7 classes)",
            microsoft[ms],
            pred[ms],
            probs[ms],
        ),
        FER2013_ORIGINAL: compute_metrics("FER-2013 PrivateTest (original labels)", y, pred, probs),
        FERPLUS_PLURALITY: compute_metrics(
            "FER-2013 PrivateTest (FER+ plurality, 7 classes)", major[pl], pred[pl], probs[pl]
        ),
    }
    if not limit:
        ck = load_ckplus(data_dir)
        ck_probs = predict(ck.x)
        results[CKPLUS] = compute_metrics(
            "CK+ (cross-dataset, contempt excluded)", ck.y, ck_probs.argmax(axis=1), ck_probs
        )
    return results


FACE_SIZES = (12, 16, 20, 24, 28, 32, 40, 48)


def shrunk(faces: np.ndarray, size: int) -> np.ndarray:
    """Faces as a `size`-pixel tile shows them: area-downscaled, then upscaled back to 48 the
    way the product's aligner upscales small faces (bilinear)."""
    side = faces.shape[1]
    if size >= side:
        return faces
    return np.stack(
        [
            cv2.resize(
                cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA),
                (side, side),
                interpolation=cv2.INTER_LINEAR,
            )
            for f in faces
        ]
    )


def accuracy_by_face_size(
    faces: np.ndarray, labels: np.ndarray, predict: Predictor, sizes: tuple[int, ...] = FACE_SIZES
) -> dict[int, float]:
    """Accuracy against labels with every face shown at each size (pixels across)."""
    return {s: float((predict(shrunk(faces, s)).argmax(axis=1) == labels).mean()) for s in sizes}


def ferplus_private_by_face_size(data_dir: Path, predict: Predictor) -> dict[int, float]:
    fer = load_fer2013(data_dir).subset(PRIVATE_TEST)
    labels = fer.ferplus_microsoft()
    keep = labels >= 0
    return accuracy_by_face_size(fer.x[keep], labels[keep], predict)


@dataclass(frozen=True)
class LabelAgreement:
    """How the two PrivateTest label sets relate, and where the model's answers fall.

    Where the original label and the FER+ majority differ, one answer can match one of them at
    most, so no single model scores above 1 + agree x (2 x accuracy_on_agreed - 1) on the two
    accuracies together: that ceiling is why both targets cannot be met at once.
    """

    rows: int  # PrivateTest rows whose FER+ majority is one of our classes
    agree: float  # share of those rows where both label sets name the same class
    accuracy_on_agreed: float
    sides_with_original: float  # on the rows where they differ
    sides_with_ferplus: float

    @property
    def ceiling(self) -> float:
        """The most both accuracies can add up to with this accuracy on the agreed rows."""
        return 2 * self.agree * self.accuracy_on_agreed + (1 - self.agree)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "rows": self.rows,
            "agree": round(self.agree, 4),
            "accuracy_on_agreed": round(self.accuracy_on_agreed, 4),
            "sides_with_original": round(self.sides_with_original, 4),
            "sides_with_ferplus": round(self.sides_with_ferplus, 4),
            "sum_of_accuracies_ceiling": round(self.ceiling, 4),
        }

    def describe(self) -> str:
        return (
            f"Label agreement: the original and FER+ majority labels agree on {self.agree:.1%} "
            f"of {self.rows} PrivateTest faces; the model is right on {self.accuracy_on_agreed:.1%}"
            f" of those. Where they differ it sides with the original label "
            f"{self.sides_with_original:.1%}, with FER+ {self.sides_with_ferplus:.1%}, with "
            f"neither {1 - self.sides_with_original - self.sides_with_ferplus:.1%}. At this "
            f"accuracy on agreed faces the two accuracies add up to {self.ceiling:.3f} at most on "
            "these faces."
        )


def label_agreement(data_dir: Path, predict: Predictor) -> LabelAgreement:
    fer = load_fer2013(data_dir).subset(PRIVATE_TEST)
    major = fer.ferplus_majority()
    keep = major >= 0
    y, major, pred = fer.y[keep], major[keep], predict(fer.x[keep]).argmax(axis=1)
    same = y == major
    differ = ~same
    return LabelAgreement(
        rows=int(keep.sum()),
        agree=float(same.mean()),
        accuracy_on_agreed=float((pred[same] == y[same]).mean()),
        sides_with_original=float((pred[differ] == y[differ]).mean()),
        sides_with_ferplus=float((pred[differ] == major[differ]).mean()),
    )


def format_metrics(m: Metrics) -> str:
    lines = [
        f"{m.name}: n={m.n}",
        f"  accuracy {m.accuracy:.4f}"
        + ("" if m.ece is None else f"  (expected calibration error {m.ece:.4f})"),
        f"  macro    P {m.macro[0]:.4f}  R {m.macro[1]:.4f}  F1 {m.macro[2]:.4f}",
        f"  weighted P {m.weighted[0]:.4f}  R {m.weighted[1]:.4f}  F1 {m.weighted[2]:.4f}",
        "  recall   " + "  ".join(f"{c} {r:.3f}" for c, r in m.recall.items()),
        "  confusion (rows true, columns predicted: " + " ".join(c[:3] for c in CLASSES) + ")",
    ]
    lines += ["    " + " ".join(f"{v:5d}" for v in row) for row in m.confusion]
    return "\n".join(lines)


def save_confusion_png(m: Metrics, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = m.confusion.astype(np.float64)
    norm = np.divide(
        cm,
        cm.sum(axis=1, keepdims=True),
        out=np.zeros_like(cm),
        where=cm.sum(axis=1, keepdims=True) > 0,
    )
    fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=110)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(CLASSES)), CLASSES, rotation=45, ha="right")
    ax.set_yticks(range(len(CLASSES)), CLASSES)
    for i in range(len(CLASSES)):
        for j in range(len(CLASSES)):
            ax.text(
                j,
                i,
                f"{norm[i, j]:.2f}\n({int(cm[i, j])})",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if norm[i, j] > 0.5 else "black",
            )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{m.name}\naccuracy {m.accuracy:.1%}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
