"""Datasets for the emotion model: FER-2013 with FER+ votes, and CK+ for cross-dataset checks.

Everything is validated on load so a wrong or truncated file fails with one clear message
instead of an obscure shape error deep in training.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from meetwatch.errors import DataError
from meetwatch.shared import EMOTIONS as CLASSES

TRAIN, PUBLIC_TEST, PRIVATE_TEST = 0, 1, 2

# FER+ vote columns (neutral, happiness, surprise, sadness, anger, disgust, fear, contempt,
# unknown, NF) -> our FER-2013 class index; contempt/unknown/NF have no class of ours.
_FERPLUS_TO_FER = {0: 6, 1: 3, 2: 5, 3: 4, 4: 0, 5: 1, 6: 2}


def data_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder: --data wins, then MEETWATCH_DATA."""
    value = explicit or os.environ.get("MEETWATCH_DATA")
    if not value:
        raise DataError("no data folder: pass --data DIR or set MEETWATCH_DATA")
    root = Path(value)
    if not root.is_dir():
        raise DataError(f"data folder {root} does not exist")
    return root


@dataclass(frozen=True)
class Fer2013:
    x: np.ndarray  # (N, 48, 48) uint8
    y: np.ndarray  # (N,) int64 original label
    split: np.ndarray  # (N,) int8
    votes: np.ndarray  # (N, 10) int16, -1 rows without FER+ entry

    def subset(self, split: int) -> Fer2013:
        keep = self.split == split
        return Fer2013(self.x[keep], self.y[keep], self.split[keep], self.votes[keep])

    def ferplus_distribution(self, single_votes: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(N, 7) FER+ vote shares over our classes and a mask of rows that have any.

        Single votes are dropped first where a class has two or more (Microsoft's outlier
        removal: one annotator in ten is more often a slip than a perception) unless
        `single_votes`: kept, they leave an ambiguous face some of the expression one person saw
        instead of collapsing its target onto the majority.
        """
        v = np.clip(self.votes, 0, None).astype(np.float32)
        mapped = np.zeros((len(v), len(CLASSES)), np.float32)
        for col, cls in _FERPLUS_TO_FER.items():
            mapped[:, cls] = v[:, col]
        if not single_votes:
            pruned = np.where(mapped > 1, mapped, 0.0)
            mapped = np.where(pruned.sum(axis=1, keepdims=True) > 0, pruned, mapped)
        total = mapped.sum(axis=1, keepdims=True)
        valid = (self.votes[:, 0] >= 0) & (total[:, 0] > 0)
        dist = np.where(total > 0, mapped / np.maximum(total, 1), 0.0)
        return dist.astype(np.float32), valid

    def soft_targets(self, single_votes: bool = False) -> np.ndarray:
        """The FER+ vote distribution: what ten people saw, not what one labeller wrote.

        Where annotators disagreed the target stays split between their answers, which is the
        label smoothing the data itself asks for. Rows without usable FER+ votes (none, or only
        contempt/unknown/not-a-face) keep their original one-hot label.
        """
        onehot = np.eye(len(CLASSES), dtype=np.float32)[self.y]
        dist, valid = self.ferplus_distribution(single_votes)
        return np.where(valid[:, None], dist, onehot).astype(np.float32)

    def ferplus_majority(self) -> np.ndarray:
        """FER+ plurality label per row, -1 where it is contempt/unknown/NF or absent."""
        v = self.votes.astype(np.int32)
        top = v.argmax(axis=1)
        out = np.full(len(v), -1, np.int64)
        for col, cls in _FERPLUS_TO_FER.items():
            out[top == col] = cls
        out[v[:, 0] < 0] = -1
        return out

    def ferplus_microsoft(self) -> np.ndarray:
        """FER+ labels under Microsoft's majority protocol (the one published results use).

        Votes of 1 become 0; a row is kept only if its top class holds more than half of the
        remaining votes (all ten columns counted) and that class is one of our seven (not
        contempt, unknown or not-a-face). -1 marks a removed row.
        """
        v = np.clip(self.votes.astype(np.int32), 0, None)
        v = np.where(v > 1, v, 0)
        top = v.argmax(axis=1)
        peak = v.max(axis=1)
        clear = (peak * 2 > v.sum(axis=1)) & (self.votes[:, 0] >= 0)
        out = np.full(len(v), -1, np.int64)
        for col, cls in _FERPLUS_TO_FER.items():
            out[clear & (top == col)] = cls
        return out


def load_teacher(path: Path, rows: int) -> np.ndarray:
    """A teacher file that fits the Training split, or one clear DataError."""
    try:
        t = np.load(path)
    except (OSError, ValueError) as exc:
        raise DataError(f"teacher file {path} is unreadable: {exc}") from exc
    if t.shape != (rows, len(CLASSES)) or not np.allclose(t.sum(1), 1, atol=1e-3):
        raise DataError(
            f"teacher file {path}: expected ({rows}, {len(CLASSES)}) probabilities, got {t.shape}"
        )
    return t.astype(np.float32)


def class_order_check(legend: np.ndarray) -> None:
    """The archive's class legend must be ours: a silently permuted order would train nonsense."""
    names = tuple(str(c) for c in legend)
    if names != CLASSES:
        raise DataError(f"FER-2013 classes {names} differ from the expected order {CLASSES}")


def load_fer2013(root: Path) -> Fer2013:
    path = root / "fer2013" / "fer2013.npz"
    if not path.is_file():
        raise DataError(f"FER-2013 not found at {path}")
    try:
        with np.load(path) as d:
            x, y, split, votes = d["x"], d["y"], d["split"], d["ferplus_votes"]
            if "classes" in d.files:
                class_order_check(d["classes"])
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{path} is not a readable FER-2013 archive: {exc}") from exc
    n = len(x)
    if x.shape[1:] != (48, 48) or x.dtype != np.uint8:
        raise DataError(f"{path}: expected x of shape (N, 48, 48) uint8, got {x.shape} {x.dtype}")
    if y.shape != (n,) or split.shape != (n,) or votes.shape != (n, 10):
        raise DataError(f"{path}: y/split/ferplus_votes do not match {n} images")
    if n == 0 or y.min() < 0 or y.max() >= len(CLASSES):
        raise DataError(f"{path}: labels outside 0..{len(CLASSES) - 1}")
    return Fer2013(x, y.astype(np.int64), split.astype(np.int8), votes.astype(np.int16))


@dataclass(frozen=True)
class CkPlus:
    x: np.ndarray  # (N, 48, 48) uint8
    y: np.ndarray  # (N,) int64; contempt (no class of ours) is left out


def load_ckplus(root: Path) -> CkPlus:
    base = root / "ckplus48"
    labels = base / "labels.csv"
    if not labels.is_file():
        raise DataError(f"CK+ labels not found at {labels}")
    xs, ys = [], []
    with labels.open(newline="") as fh:
        for row in csv.DictReader(fh):
            label = int(row["label_id"])
            if label < 0:
                continue
            img = cv2.imread(str(base / "images" / row["file"]), cv2.IMREAD_GRAYSCALE)
            if img is None:
                raise DataError(f"CK+ image {row['file']} is missing or unreadable")
            if img.shape != (48, 48):
                img = cv2.resize(img, (48, 48), interpolation=cv2.INTER_AREA)
            xs.append(img)
            ys.append(label)
    if not xs:
        raise DataError(f"{labels} lists no usable images")
    return CkPlus(np.stack(xs), np.asarray(ys, np.int64))
