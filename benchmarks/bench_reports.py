"""Report build time and memory on a long, full session.

A 2-hour meeting with a 7x7 gallery (49 participants, 352,800 per-second sample rows) is
written into a fresh store through SessionStore, in a separate process so its memory does not
count; this process then builds every format (Parquet included) and prints a table of times
and peak RSS. Targets: all formats < 15 s, peak RSS < 500 MB.

    .venv/bin/python benchmarks/bench_reports.py [--participants 49] [--minutes 120]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from meetwatch.outputs.reports import ReportOptions, build_report, load_report_data  # noqa: E402
from meetwatch.outputs.reports.build import write_report  # noqa: E402
from meetwatch.outputs.reports.files import ALL_FORMATS, output_dir  # noqa: E402
from meetwatch.outputs.reports.summary import summarize  # noqa: E402
from meetwatch.session.store import SessionStore  # noqa: E402
from meetwatch.shared import AttentionState  # noqa: E402
from tests.unit.reports.sessions import TZ, scripted_session  # noqa: E402

TARGET_S = 15.0
TARGET_MB = 500.0


def busy_meeting(pid: int, second: int) -> AttentionState:
    """Deterministic variety: a few camera-off people, personal breaks, a room-wide dip."""
    if pid % 11 == 0:
        return "camera_off"
    if 2400 <= second < 2700 and pid % 3:
        return "away"  # a dull 5 minutes for two thirds of the room
    phase = (second + pid * 97) % 900
    if phase < 40:
        return "away"
    if phase < 43:
        return "eyes_closed"
    return "no_face" if phase < 45 else "on_screen"


def generate(path: Path, participants: int, seconds: int) -> None:
    sections = [(i * seconds // 4, f"Part {i + 1}") for i in range(4)]
    with SessionStore.open(path) as store:
        scripted_session(
            store,
            "bench",
            participants=participants,
            seconds=seconds,
            script=busy_meeting,
            sections=sections,
        )


class Timer:
    """Wall and CPU seconds of a block: on a shared machine the CPU time is what the report
    itself costs, the wall time includes waiting for the cores."""

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=49)
    ap.add_argument("--minutes", type=int, default=120)
    args = ap.parse_args()
    seconds = args.minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "sessions.sqlite3"
        t = time.perf_counter()
        child = multiprocessing.get_context("spawn").Process(
            target=generate, args=(db, args.participants, seconds)
        )
        child.start()
        child.join()
        gen_s = time.perf_counter() - t
        options = ReportOptions(tz=TZ)
        with Timer() as total:
            paths = build_report(
                db, "bench", formats=ALL_FORMATS, out_dir=Path(tmp) / "all", options=options
            )
        rows: list[tuple[str, Timer]] = []
        with Timer() as step:
            data = load_report_data(db, "bench")
        rows.append(("load", step))
        with Timer() as step:
            summarize(data, options)
        rows.append(("summarize", step))
        for fmt in ALL_FORMATS:
            with Timer() as step:
                write_report(data, [fmt], output_dir(Path(tmp) / fmt), options)
            rows.append((f"{fmt} (incl. summarize)", step))
        sizes = {p.name.split(".", 1)[1]: p.stat().st_size / 1e6 for p in paths}
    rss = peak_rss_mb()
    print(
        f"session: {args.participants} participants x {seconds} s = "
        f"{args.participants * seconds:,} sample rows (generated in {gen_s:.1f} s)"
    )
    print(f"{'step':<26}{'wall s':>8}{'CPU s':>8}")
    for name, s in [*rows, ("build_report, all formats", total)]:
        print(f"{name:<26}{s.wall:>8.2f}{s.cpu:>8.2f}")
    print(f"target: all formats < {TARGET_S:.0f} s")
    print(f"{'peak RSS (MB)':<24}{rss:>9.0f}   target < {TARGET_MB:.0f} MB")
    print("file sizes (MB): " + ", ".join(f"{k} {v:.2f}" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
