"""End to end, grab to engagement update, on 1920x1080 galleries of real faces.

Run: python benchmarks/bench_pipeline.py [--frames N] [--cpu-seconds S]

Table 1: per-stage milliseconds (medians) and analysed frames per second for 3x3, 5x5 and
7x7 galleries, analysing back to back (the most the machine can do), and for a 5x5 gallery
whose grid is not found (captured tightly round its tiles, no window background), where the
whole-window search builds the tiles around the faces every SEARCH_EVERY frames (its row
runs two such cycles). Table 2: the live app at the default 1 Hz on a 5x5 gallery: process
CPU time over wall time (share of one core) and peak RSS, in a process of its own so that
the peak is the live app's, not table 1's. The frames are the demo faces (scikit-image /
matplotlib portraits), so the benchmark needs no dataset.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import count
from pathlib import Path

import cv2
import numpy as np

from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.app import App, AppOptions
from meetwatch.capture.frame import Frame
from meetwatch.capture.source import SourceBase
from meetwatch.config import Config
from meetwatch.demo.gallery import demo_faces, render_gallery
from meetwatch.faces.whole_window import SEARCH_EVERY
from meetwatch.pipeline import Perception, RoomState
from meetwatch.shared import SessionInfo

GRIDS = (9, 25, 49)
NO_GRID = 25


def _gallery(n: int) -> np.ndarray:
    faces = demo_faces(n, np.random.default_rng(n))
    return render_gallery(faces, n, "zoom", (1920, 1080), rng=np.random.default_rng(0)).image


def _without_grid(n: int) -> np.ndarray:
    """The gallery cut tightly round its tiles and scaled back to 1080p: no background shows."""
    faces = demo_faces(n, np.random.default_rng(n))
    gallery = render_gallery(faces, n, "zoom", (1920, 1080), rng=np.random.default_rng(0))
    x0 = min(t.rect.x for t in gallery.tiles)
    y0 = min(t.rect.y for t in gallery.tiles)
    x1 = max(t.rect.x + t.rect.w for t in gallery.tiles)
    y1 = max(t.rect.y + t.rect.h for t in gallery.tiles)
    return cv2.resize(gallery.image[y0:y1, x0:x1], (1920, 1080), interpolation=cv2.INTER_AREA)


def _rss_mb() -> float:
    """This program's own peak: ru_maxrss of a child started by table 1 counts the parent's
    memory before exec, so Linux's VmHWM (kept per program image) is read where it exists."""
    try:
        status = Path("/proc/self/status").read_text().splitlines()
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_table(frames: int) -> None:
    config = Config()
    print(
        f"{'grid':>7} {'faces':>5} {'detect':>7} {'mesh':>7} {'search':>7} {'perceive':>9} "
        f"{'state':>6} {'total ms':>9} {'fps':>6}"
    )
    cases = [(f"{round(n**0.5)}x{round(n**0.5)}", _gallery(n)) for n in GRIDS]
    cases.append(("no grid", _without_grid(NO_GRID)))
    searches: list[float] = []
    for label, image in cases:
        # A session per gallery: one gallery replaced by another in the same session reads
        # as a window covering it.
        perception = Perception(config)
        finder = perception._finder  # the benchmark reads the finder's own timings
        search = perception._whole_window._search
        info = SessionInfo(session_id="bench", started_at=0.0, source="bench", analysis_rate=1.0)
        room = RoomState(info, config, PrivacyGate())
        rows: list[tuple[float, ...]] = []
        cycle = 2 * SEARCH_EVERY if label == "no grid" else frames
        for i in range(cycle + 1):
            t0 = time.perf_counter()
            frame = Frame(image.copy(), float(i), i, "bench")  # a grab is one copy of the pixels
            obs = perception(frame)
            t1 = time.perf_counter()
            room(obs)
            t2 = time.perf_counter()
            stats = finder.last_stats
            searched = perception._whole_window.searched
            if searched and label == "no grid" and i > 0:
                searches.append(search.last_stats.seconds * 1000)
            rows.append(
                (
                    stats.faces,
                    stats.detect_seconds * 1000,
                    stats.mesh_seconds * 1000,
                    search.last_stats.seconds * 1000 if searched else 0.0,
                    (t1 - t0) * 1000,
                    (t2 - t1) * 1000,
                    (t2 - t0) * 1000,
                )
            )
        # Means over whole detection cycles, the first frame (model warm-up) left out.
        mean = [statistics.fmean(r[k] for r in rows[1:]) for k in range(7)]
        print(
            label.rjust(7),
            f"{int(mean[0]):>5}",
            f"{mean[1]:>7.1f}",
            f"{mean[2]:>7.1f}",
            f"{mean[3]:>7.1f}",
            f"{mean[4]:>9.1f}",
            f"{mean[5]:>6.1f}",
            f"{mean[6]:>9.1f}",
            f"{1000 / mean[6]:>6.2f}",
        )
        perception.close()
    print(
        "means per frame; detect/mesh: thread time of face detection and FaceMesh summed over"
        " both workers; search: whole-window face search; perceive: wall time of layout +"
        " search + faces + emotion/pose/gaze/eyes; state: tracking + aggregation"
    )
    if searches:
        median = statistics.median(searches)
        print(f"one whole-window search of the no-grid 1080p frame: {median:.0f} ms")


class _StillSource(SourceBase):
    def __init__(self, image: np.ndarray) -> None:
        super().__init__()
        self._image = image
        self._count = count()

    def describe(self) -> str:
        return "bench:still 5x5"

    def _open(self) -> None:
        pass

    def _close(self) -> None:
        pass

    def read(self) -> Frame:
        return Frame(self._image.copy(), time.time(), next(self._count), "bench")


def cpu_table(seconds: float, tmp: str) -> None:
    config = Config.model_validate({"store": {"data_dir": tmp}, "capture": {"rate_hz": 1.0}})
    app = App(config, AppOptions(server=False))
    app.start()
    app.start_session(_StillSource(_gallery(25)))
    time.sleep(5)  # models loaded, first frames through
    c0, w0 = time.process_time(), time.monotonic()
    time.sleep(seconds)
    cpu, wall = time.process_time() - c0, time.monotonic() - w0
    room = app.room
    frames = room.frames if room else 0
    app.stop()
    print(f"{'live 5x5 at 1 Hz':<18} {'cpu/wall':>9} {'frames':>7} {'peak RSS MB':>12}")
    print(f"{'':<18} {cpu / wall:>8.0%} {frames:>7} {_rss_mb():>12.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--frames", type=int, default=12, help="frames per grid (3 detection cycles)"
    )
    parser.add_argument("--cpu-seconds", type=float, default=30.0)
    parser.add_argument("--live-only", action="store_true", help="table 2 alone")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if args.live_only:
        with tempfile.TemporaryDirectory() as tmp:
            cpu_table(args.cpu_seconds, tmp)
        return
    stage_table(args.frames)
    live = [sys.executable, __file__, "--live-only", "--cpu-seconds", str(args.cpu_seconds)]
    subprocess.run(live, check=True)


if __name__ == "__main__":
    main()
