"""`meetwatch analyze` over a folder of generated broken inputs: corrupt, truncated and
oversized images and videos, and pictures with the wrong name. Each one gets a result or
its one `error:` line; never a traceback, never a crash, and memory stays bounded.

The inputs are derived from real pictures of a meeting gallery with a fixed seed, so a
failure can be reproduced; the count is bounded (about 60 files, one run of the command).
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import cv2
import numpy as np

from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from tests.factories.cli import cli_env
from tests.factories.meeting_clip import write_video

MEMORY_LIMIT_MB = 1500  # the batch peaks near 300 MB; one 30000x30000 PNG used to take 5400


def _gallery() -> np.ndarray:
    faces = demo_faces(4, np.random.default_rng(1))
    return render_gallery(faces, 4, "zoom", (640, 360)).image


def _encoded(image: np.ndarray, suffix: str) -> bytes:
    ok, data = cv2.imencode(suffix, image)
    assert ok
    return data.tobytes()


def _declaring(png: bytes, width: int, height: int) -> bytes:
    data = bytearray(png)
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def _mutations(name: str, data: bytes, rng: np.random.Generator) -> dict[str, bytes]:
    """Truncated at several points, bytes flipped, a block zeroed, random tail."""
    out: dict[str, bytes] = {}
    stem, suffix = name.rsplit(".", 1)
    for fraction in (0.02, 0.3, 0.7, 0.98):
        out[f"{stem}-cut{int(fraction * 100)}.{suffix}"] = data[: int(len(data) * fraction)]
    for i in range(3):
        flipped = bytearray(data)
        for at in rng.integers(0, len(data), 20):
            flipped[at] ^= int(rng.integers(1, 256))
        out[f"{stem}-flip{i}.{suffix}"] = bytes(flipped)
    zeroed = bytearray(data)
    start = len(data) // 3
    zeroed[start : start + len(data) // 4] = bytes(len(data) // 4)
    out[f"{stem}-zeroed.{suffix}"] = bytes(zeroed)
    out[f"{stem}-tail.{suffix}"] = data[: len(data) // 2] + rng.bytes(len(data) // 2)
    return out


def _inputs(folder: Path) -> list[Path]:
    rng = np.random.default_rng(13)
    image = _gallery()
    files: dict[str, bytes] = {}
    for suffix in ("png", "jpg", "webp", "bmp", "tiff"):
        data = _encoded(image, f".{suffix}")
        files[f"good.{suffix}"] = data
        files.update(_mutations(f"pic-{suffix}.{suffix}", data, rng))
    png = files["good.png"]
    for width, height in [(30000, 30000), (20000, 20000), (65535, 1), (1, 65535), (0, 0)]:
        files[f"declares-{width}x{height}.png"] = _declaring(png, width, height)
    files["png-named.mp4"] = png
    files["jpeg-named.mov"] = files["good.jpg"]
    files["empty.png"] = b""
    files["empty.mp4"] = b""
    files["noise.png"] = rng.bytes(4000)
    files["noise.mkv"] = rng.bytes(40_000)
    video = write_video(folder / "good.mp4", [image] * 4, fps=2).read_bytes()
    files.update(_mutations("clip.mp4", video, rng))
    avi = write_video(folder / "good.avi", [image] * 4, fps=2).read_bytes()
    files.update(_mutations("clip.avi", avi, rng))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return sorted(folder.iterdir())


def test_analyze_survives_broken_inputs(tmp_path: Path, artifacts_dir: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    inputs = _inputs(folder)
    assert len(inputs) >= 60
    done, peak_mb = _run_measured(
        [sys.executable, "-m", "meetwatch", "analyze", str(folder), "--json", "--no-store"],
        tmp_path,
    )
    assert done.returncode > 0, "some inputs are broken: the batch must say so"  # not a signal
    assert "Traceback" not in done.stderr, done.stderr[-4000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == len(inputs), done.stdout[-4000:]  # one JSON line per input
    failed = {Path(r["path"]).name for r in lines if "error" in r}
    assert len(errors) == len(failed), done.stderr[-4000:]  # and one error line per failure
    assert all(any(name in line for line in errors) for name in failed)
    for good in ("good.png", "good.jpg", "good.webp", "good.bmp", "good.tiff", "good.mp4"):
        assert good not in failed, good
    for refused in ("declares-30000x30000.png", "declares-20000x20000.png", "png-named.mp4"):
        assert refused in failed, refused
    assert len(lines) > len(failed)  # the good files and the harmless damage are analysed
    summary = {"inputs": len(inputs), "failed": len(failed), "peak_mb": round(peak_mb)}
    (artifacts_dir / "analyze_fuzz.json").write_text(json.dumps(summary) + "\n")
    assert peak_mb < MEMORY_LIMIT_MB, f"analyze peaked at {peak_mb:.0f} MB"
    lines = [line for line in done.stderr.splitlines() if line and not line.startswith("note:")]
    strays = [line for line in lines if not line.startswith(("error:", "  "))]
    assert strays == [], strays  # no library chatter between our lines


def _run_measured(args: list[str], home: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the command; its result and the peak memory (MB) of that process alone."""
    out, err = home / "stdout.txt", home / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        child = subprocess.Popen(args, env=cli_env(home), stdout=stdout, stderr=stderr, text=True)
        hang = threading.Timer(900, child.kill)  # a bound on a hang, not a speed check
        hang.start()
        _, status, usage = os.wait4(child.pid, 0)
        hang.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    done = subprocess.CompletedProcess(args, child.returncode, out.read_text(), err.read_text())
    return done, usage.ru_maxrss / 1024
