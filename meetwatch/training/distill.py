"""Soft targets from an ensemble of our own networks, for self-distillation into one network.

    python -m meetwatch.training.distill --out runs/teacher.npy v1.onnx runs/c*/checkpoint.pt

The per-face budget allows one network, but an ensemble of earlier snapshots (and of earlier
shipped models, recovered from their ONNX files) knows more than any one of them: where they
disagree, a face is ambiguous, and a target that says so teaches the student more than the crowd
votes alone. Each network's probabilities are the mean over the face and its mirror image, on
the clean Training faces, so the file is computed once and training stays one forward pass per
batch. `train --teacher FILE` mixes it into the targets.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from meetwatch.analysis.face_crop import normalize
from meetwatch.errors import exit_code_of
from meetwatch.training.data import CLASSES, TRAIN, data_root, load_fer2013
from meetwatch.training.finalize import logits_of
from meetwatch.training.model import EmotionNet
from meetwatch.training.train import load_checkpoint


def probabilities(model: torch.nn.Module, faces: np.ndarray) -> np.ndarray:
    """Softmax probabilities averaged over each face and its mirror image."""
    mirrored = np.ascontiguousarray(faces[:, :, ::-1])
    logits = [torch.from_numpy(logits_of(model, f)) for f in (faces, mirrored)]
    return ((torch.softmax(logits[0], 1) + torch.softmax(logits[1], 1)) / 2).numpy()


def onnx_probabilities(path: Path, faces: np.ndarray) -> np.ndarray:
    """A shipped file's own output (softmax included), averaged over face and mirror image.

    Run as shipped rather than recovered into today's EmotionNet: earlier files may frame the
    face differently (v1 has no centre crop).
    """
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, torch.get_num_threads())
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    out = np.zeros((len(faces), len(CLASSES)), np.float32)
    for f in (faces, np.ascontiguousarray(faces[:, :, ::-1])):
        for i in range(0, len(f), 512):
            out[i : i + 512] += session.run(None, {name: normalize(f[i : i + 512])})[0] / 2
    return out


def ensemble_targets(networks: list[Path], faces: np.ndarray) -> np.ndarray:
    """The ensemble's mean probabilities, one row per face."""
    total = np.zeros((len(faces), len(CLASSES)), np.float64)
    for path in networks:
        if path.suffix == ".onnx":
            total += onnx_probabilities(path, faces)
        else:
            model = EmotionNet()
            model.load_state_dict(load_checkpoint(path)["model"])
            total += probabilities(model, faces)
        print(f"teacher {path}: done", flush=True)
    return (total / len(networks)).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("networks", nargs="+", type=Path, help="checkpoints or ONNX files")
    p.add_argument("--data", help="shared data folder (default: $MEETWATCH_DATA)")
    p.add_argument("--out", type=Path, required=True, help="where to write the .npy file")
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    def run() -> None:
        faces = load_fer2013(data_root(args.data)).subset(TRAIN).x
        targets = ensemble_targets(args.networks, faces)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.save(args.out, targets)

    return exit_code_of(run)


if __name__ == "__main__":
    sys.exit(main())
