"""Tiles and faces found on windows as users have them (the layout tests' table).

Run: MEETWATCH_DATA=DIR python benchmarks/bench_real_looks.py [--sizes 1080,720,360]

Every case of the real-looks table (gaps of 1-2 px, letterbox, short last rows, Meet grids of
49 and 75, camera-off initials and photos, speaker border, toolbar, self-view) is drawn with
dataset faces at each size, as drawn, read back from an mp4v and an H.264 file (H.264 when
ffmpeg with libx264 is installed), and (below 1080p) drawn at 1080p, scaled down as a recorder
does and read back from mp4v ("scaled"), then split
(layout stage), completed by the whole-window search and searched for faces, as the pipeline
does. Per case: windows whose every tile was found at IoU >= 0.9, visible faces (at least
24 px high, live video only) with a found face on them, and false faces: faces found on a
camera-off tile (a profile photo taken for a person looking at the screen).

With --no-grid: galleries captured tightly round their tiles (no window background, so no
grid is found and the whole-window search builds the tiles), in the three clients' looks
with 9-49 tiles; "tiles exact" does not apply there (the tiles are built round the faces).
With --camera-off: the camera-off table (profile photos of 35-70 % of the tile's height and
initials, 9-75 tiles, beside live cameras in dark rooms before plain walls).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' factories

from meetwatch.capture.frame import Frame
from meetwatch.faces.finder import FaceFinder
from meetwatch.faces.whole_window import WholeWindow
from meetwatch.layout.grid import split_tiles
from tests.factories.layouts import CAMERA_OFF_LOOKS, NO_GRID_LOOKS, REAL_LOOKS, recorded
from tests.factories.video import CODECS, missing
from tests.unit.layout.matching import match

_SIZES = {1080: (1920, 1080), 720: (1280, 720), 360: (640, 360)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1080,720,360")
    looks = parser.add_mutually_exclusive_group()
    looks.add_argument("--no-grid", action="store_true", help="the no-grid galleries instead")
    looks.add_argument("--camera-off", action="store_true", help="the camera-off table instead")
    args = parser.parse_args()
    data = Path(os.environ.get("MEETWATCH_DATA", "")).expanduser()
    if not (data / "fer2013").is_dir():
        sys.exit("error: set MEETWATCH_DATA to the datasets folder (with fer2013/ and ckplus48/)")
    sizes = [_SIZES[int(s)] for s in args.sizes.split(",")]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    codecs = [c for c in CODECS if missing(c) is None]
    sources = ("drawn", *codecs, "scaled")
    table = NO_GRID_LOOKS if args.no_grid else CAMERA_OFF_LOOKS if args.camera_off else REAL_LOOKS
    print(f"{'case':<22}{'tiles exact':>12}{'faces found':>14}{'false faces':>13}")
    with FaceFinder() as finder:
        for case in table:
            row = [0, 0, 0, 0, 0]  # windows exact, windows, faces found, faces visible, false
            for size in sizes:
                for source, scene, image in recorded(
                    data, case, size, codecs, rescaled=not args.no_grid
                ):
                    frame = Frame(image, 0.0, 0, case.name)
                    layout = split_tiles(frame)
                    exact = len(layout.tiles) == len(scene.tiles) and len(
                        match(scene.tiles, layout.tiles)
                    ) == len(scene.tiles)
                    finder.reset()  # each window is a recording of its own
                    whole = WholeWindow(finder.window_search())
                    faces = finder.find(frame, whole(frame, layout))
                    whole.close()
                    counts = (
                        int(exact),
                        1,
                        scene.found(faces.boxes),
                        len(scene.visible_faces()),
                        scene.on_placeholders(faces.boxes),
                    )
                    for key in (case.name, f"{size[1]}p {source}", "all"):
                        totals[key] = [a + b for a, b in zip(totals[key], counts, strict=True)]
                    row = [a + b for a, b in zip(row, counts, strict=True)]
            print(f"{case.name:<22}{row[0]:>6}/{row[1]:<5}{row[2]:>8}/{row[3]:<5}{row[4]:>10}")
    keys = [f"{s[1]}p {src}" for s in sizes for src in sources]
    for key in [k for k in keys if k in totals] + ["all"]:
        e, n, f, v, false = totals[key]
        print(
            f"{key:<22}{e:>6}/{n:<5}{f:>8}/{v:<5}{false:>10}"
            f"   ({100 * f / max(1, v):.1f} % of faces)"
        )


if __name__ == "__main__":
    main()
