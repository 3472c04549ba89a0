"""End to end, grab to engagement update, on 1920x1080 galleries of real faces.

Run: python benchmarks/bench_pipeline.py [--frames N] [--cpu-seconds S]

Table 1: per-stage milliseconds (medians) and analysed frames per second for 3x3, 5x5 and
7x7 galleries, analysing back to back (the most the machine can do). Table 2: the live app
at the default 1 Hz on a 5x5 gallery: process CPU time over wall time (share of one core)
and peak RSS. The frames are the demo faces (scikit-image / matplotlib portraits), so the
benchmark needs no dataset.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from itertools import count

import cv2
import numpy as np

from meetwatch.aggregation.models import SessionInfo
from meetwatch.app import App, AppOptions
from meetwatch.capture.frame import Frame
from meetwatch.capture.source import SourceBase
from meetwatch.config import Config
from meetwatch.demo.gallery import demo_faces, render_gallery
from meetwatch.pipeline import Perception, RoomState
from meetwatch.runtime.events import EventBus

GRIDS = (9, 25, 49)


def _gallery(n: int) -> np.ndarray:
    faces = demo_faces(n, np.random.default_rng(n))
    return render_gallery(faces, n, "zoom", (1920, 1080), rng=np.random.default_rng(0)).image


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_table(frames: int) -> None:
    config = Config()
    perception = Perception(config)
    finder = perception._finder  # the benchmark reads the finder's own timings
    print(
        f"{'grid':>5} {'faces':>5} {'detect':>7} {'mesh':>7} {'perceive':>9} "
        f"{'state':>6} {'total ms':>9} {'fps':>6}"
    )
    for n in GRIDS:
        image = _gallery(n)
        info = SessionInfo(session_id="bench", started_at=0.0, source="bench", analysis_rate=1.0)
        room = RoomState(info, config, EventBus())
        rows: list[tuple[float, ...]] = []
        for i in range(frames + 1):
            t0 = time.perf_counter()
            frame = Frame(image.copy(), float(i), i, "bench")  # a grab is one copy of the pixels
            obs = perception(frame)
            t1 = time.perf_counter()
            room(obs)
            t2 = time.perf_counter()
            stats = finder.last_stats
            rows.append(
                (
                    stats.faces,
                    stats.detect_seconds * 1000,
                    stats.mesh_seconds * 1000,
                    (t1 - t0) * 1000,
                    (t2 - t1) * 1000,
                    (t2 - t0) * 1000,
                )
            )
        # Means over whole detection cycles, the first frame (model warm-up) left out.
        mean = [statistics.fmean(r[k] for r in rows[1:]) for k in range(6)]
        side = int(np.sqrt(n))
        print(
            f"{side}x{side}".rjust(5),
            f"{int(mean[0]):>5}",
            f"{mean[1]:>7.1f}",
            f"{mean[2]:>7.1f}",
            f"{mean[3]:>9.1f}",
            f"{mean[4]:>6.1f}",
            f"{mean[5]:>9.1f}",
            f"{1000 / mean[5]:>6.2f}",
        )
    perception.close()
    print(
        "means per frame; detect/mesh: thread time of face detection and FaceMesh summed over"
        " both workers; perceive: wall time of layout + faces + emotion/pose/gaze/eyes;"
        " state: tracking + aggregation"
    )


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
    args = parser.parse_args()
    cv2.setNumThreads(1)
    stage_table(args.frames)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        cpu_table(args.cpu_seconds, tmp)


if __name__ == "__main__":
    main()
