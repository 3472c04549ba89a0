"""A term of recordings through `meetwatch analyze FOLDER`: time, and how often models load.

Writes N one-minute recordings (default 20; a 3x3 gallery of the portraits shipped with
scikit-image, 960x540, 2 frames/s, mp4) into a temporary folder, runs the real command on the
folder in a child process with -v, and counts its "loading the face and emotion models" log
lines: one for the whole batch is the target, not one per file.

    .venv/bin/python benchmarks/bench_analyze_batch.py [--files 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from meetwatch.demo.gallery import render_gallery  # noqa: E402
from meetwatch.demo.sample_faces import demo_faces  # noqa: E402
from tests.factories.meeting_clip import write_video  # noqa: E402

LOAD_LINE = "loading the face and emotion models"
FPS = 2


def write_term(folder: Path, files: int, seconds: int) -> None:
    for i in range(files):
        rng = np.random.default_rng(i)
        gallery = render_gallery(demo_faces(9, rng), 9, "zoom", (960, 540), rng=rng).image
        write_video(folder / f"lecture {i + 1:02d}.mp4", [gallery] * (seconds * FPS), fps=FPS)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--seconds", type=int, default=60)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home, term = Path(tmp), Path(tmp) / "term"
        term.mkdir()
        write_term(term, args.files, args.seconds)
        env = {
            **os.environ,
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
        }
        command = [sys.executable, "-m", "meetwatch", "analyze", str(term), "--json", "-v"]
        answer = ["--used-in", "other", "--in-eu", "no"]
        started = time.perf_counter()
        done = subprocess.run(
            [*command, *answer], env=env, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - started
    results = [json.loads(line) for line in done.stdout.splitlines()]
    analysed = [r for r in results if "error" not in r]
    frames = sum(r["frames_analysed"] for r in analysed)
    print(f"{args.files} recordings of {args.seconds} s (3x3 gallery, 960x540, {FPS} frames/s)")
    print(f"exit code {done.returncode}; analysed {len(analysed)} of {len(results)} files")
    print(f"model loads: {done.stderr.count(LOAD_LINE)} (target: 1 for the batch)")
    print(f"wall time {wall:.1f} s: {wall / max(1, len(analysed)):.1f} s per file, {frames} frames")


if __name__ == "__main__":
    main()
