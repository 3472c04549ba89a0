"""Emotion and attention model cost per face with onnxruntime on 2 threads, batch 1 to 49.

Run: python benchmarks/bench_emotion.py [--repeats N] [--rounds R] [--also OTHER.onnx ...]
Medians over N runs of the shipped models/emotion.onnx and models/attention.onnx through the
product's loaders (manifests and sha256 checked), preprocessing excluded (it is < 0.02 ms per
face). Every face of a session goes through the attention network, in attention-only mode
too; the emotion network runs unless attention-only mode is on. Files
given with --also (earlier models, e.g. from git history) run with the same session options,
interleaved with the shipped one in R rounds, so a side-by-side comparison shares the
machine's load; the table keeps each file's best round (the least disturbed).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from meetwatch.analysis.emotion import EmotionModel
from meetwatch.analysis.face_crop import normalize
from meetwatch.analysis.looks import LookModel
from meetwatch.assets import models_dir

BATCHES = (1, 9, 25, 49)
Predict = Callable[[np.ndarray], object]


def _plain_session(path: Path) -> Predict:
    """A file run as the loader runs it (same threads and options), without its manifest."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    opts.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda faces: session.run(None, {name: normalize(faces)})


def _ms_per_batch(predict: Predict, faces: np.ndarray, repeats: int) -> float:
    for _ in range(10):
        predict(faces)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        predict(faces)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--also", type=Path, nargs="*", default=[], help="ONNX files to compare")
    args = parser.parse_args()
    model = EmotionModel(threads=2)
    shipped = models_dir() / model.manifest.file
    runs: dict[str, Predict] = {
        "shipped emotion": model.predict,
        "shipped attention": LookModel(threads=2).predict,
    }
    runs.update({str(p): _plain_session(p) for p in args.also})
    print(
        f"model {model.manifest.file} {shipped.stat().st_size / 1e6:.1f} MB, onnxruntime 2 threads"
    )
    rng = np.random.default_rng(0)
    best: dict[tuple[str, int], float] = {}
    for _ in range(args.rounds):
        for batch in BATCHES:
            faces = rng.integers(0, 256, size=(batch, 48, 48), dtype=np.uint8)
            for name, predict in runs.items():
                ms = _ms_per_batch(predict, faces, args.repeats)
                best[name, batch] = min(ms, best.get((name, batch), ms))
    for name in runs:
        print(f"{name}\n{'batch':>5} {'ms/batch':>9} {'ms/face':>8} {'faces/s':>8}")
        for batch in BATCHES:
            ms = best[name, batch]
            print(f"{batch:>5} {ms:>9.3f} {ms / batch:>8.3f} {batch * 1000 / ms:>8.0f}")


if __name__ == "__main__":
    main()
