"""Layout stage cost: split_tiles on rendered 1080p galleries, median milliseconds per frame.

Run: python benchmarks/bench_layout.py [--repeat N]. Uses the bundled demo faces only.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import (
    Gallery,
    demo_faces,
    render_gallery,
    render_screen_share,
    render_speaker_view,
)
from meetwatch.layout.grid import split_tiles


def _median_ms(gallery: Gallery, repeat: int) -> float:
    frame = Frame(gallery.image, 0.0, 0, "bench")
    previous = split_tiles(frame)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        previous = split_tiles(frame, previous)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    faces = demo_faces(8)
    rng = np.random.default_rng(0)
    print(f"{'style':<7}{'layout':<14}{'tiles':>6}{'ms (median)':>14}")
    for style in ("zoom", "teams", "meet"):
        for n in (1, 4, 9, 16, 25, 49):
            gallery = render_gallery(
                faces, n, style, camera_off=frozenset({n - 1}), speaker=0, rng=rng
            )
            print(f"{style:<7}{'grid':<14}{n:>6}{_median_ms(gallery, args.repeat):>14.2f}")
        for layout, gallery in (
            ("speaker", render_speaker_view(faces, 5, style, rng=rng)),
            ("screen_share", render_screen_share(faces, 5, style, rng=rng)),
        ):
            n = len(gallery.tiles)
            print(f"{style:<7}{layout:<14}{n:>6}{_median_ms(gallery, args.repeat):>14.2f}")


if __name__ == "__main__":
    main()
