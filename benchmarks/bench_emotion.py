"""Emotion model cost per face with onnxruntime on 2 threads, batch 1 and batch 25.

Run: python benchmarks/bench_emotion.py [--repeats N]
Medians over N runs of the shipped models/emotion.onnx through the product's loader
(manifest and sha256 checked), preprocessing excluded (it is < 0.02 ms per face).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from meetwatch.analysis.emotion import EmotionModel
from meetwatch.assets import models_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    model = EmotionModel(threads=2)
    size = (models_dir() / model.manifest.file).stat().st_size / 1e6
    rng = np.random.default_rng(0)
    print(f"model {model.manifest.file} {size:.1f} MB, onnxruntime 2 threads")
    print(f"{'batch':>5} {'ms/batch':>9} {'ms/face':>8} {'faces/s':>8}")
    for batch in (1, 9, 25, 49):
        faces = rng.integers(0, 256, size=(batch, 48, 48), dtype=np.uint8)
        for _ in range(10):
            model.predict(faces)
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            model.predict(faces)
            times.append(time.perf_counter() - t)
        ms = statistics.median(times) * 1000
        print(f"{batch:>5} {ms:>9.3f} {ms / batch:>8.3f} {batch * 1000 / ms:>8.0f}")


if __name__ == "__main__":
    main()
