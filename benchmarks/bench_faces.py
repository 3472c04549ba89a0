"""Faces stage cost on 1920x1080 galleries of demo faces: one row per grid size.

Run: python benchmarks/bench_faces.py [--frames N]
Detection is the per-tile full-range detector (with the short-range fallback), landmarks are
FaceMesh on the upscaled crops; both are wall-clock per frame, medians over N frames.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import demo_faces, render_gallery
from meetwatch.faces.finder import FaceFinder
from meetwatch.layout.tiles import Tile, Tiles

GRIDS = (1, 4, 9, 16, 25, 36, 49)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=10, help="frames timed per grid size")
    args = parser.parse_args()
    print(
        f"{'grid':>5} {'tiles':>5} {'found':>5} {'detect ms':>10} {'landmarks ms':>13} "
        f"{'total ms':>9} {'ms/tile':>8}"
    )
    with FaceFinder() as finder:
        for n in GRIDS:
            gallery = render_gallery(demo_faces(n), n, rng=np.random.default_rng(n))
            tiles = Tiles(
                0,
                0.0,
                (1920, 1080),
                tuple(Tile(t.slot, t.rect, t.kind) for t in gallery.tiles),
                gallery.layout,
                gallery.grid,
            )
            frame = Frame(gallery.image, 0.0, 0, "bench")
            finder.find(frame, tiles)  # warm-up: graph start and first inference
            detect, mesh, total = [], [], []
            for _ in range(args.frames):
                t0 = time.perf_counter()
                faces = finder.find(frame, tiles)
                total.append(time.perf_counter() - t0)
                detect.append(finder.last_stats.detect_seconds)
                mesh.append(finder.last_stats.mesh_seconds)
            rows, cols = gallery.grid
            ms = [1e3 * statistics.median(v) for v in (detect, mesh, total)]
            print(
                f"{rows}x{cols:<3} {n:>5} {len(faces):>5} {ms[0]:>10.1f} {ms[1]:>13.1f} "
                f"{ms[2]:>9.1f} {ms[2] / n:>8.1f}"
            )


if __name__ == "__main__":
    main()
