"""Calls as a meeting recorder saves them at 360p, judged window by window through the
pipeline as `meetwatch analyze` judges a still."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from meetwatch.capture.frame import Frame
from meetwatch.layout.grid import split_tiles
from meetwatch.pipeline import Perception
from tests.factories.layouts import calls, low_bitrate
from tests.unit.layout.matching import match

SIZE = (640, 360)
KBPS = 400  # a meeting recorder's bitrate at 360p


@dataclass
class Score:
    """Exact means the participant tiles are the drawn ones (IoU >= 0.9, nothing more);
    `split_exact` counts the layout stage alone, the control for what the pipeline mends."""

    exact: int = 0
    split_exact: int = 0
    found: int = 0
    faces: int = 0
    wrong: list[str] = field(default_factory=list)


def score_calls(
    data_dir: Path, perception: Perception, plan: list[tuple[int, int]], seed_step: int
) -> Score:
    score = Score()
    for case in calls(plan, seed_step=seed_step):
        for how, scene, image in low_bitrate(data_dir, case, SIZE, KBPS):
            frame = Frame(image, 0.0, 0, case.name)
            alone = split_tiles(frame).tiles
            score.split_exact += len(match(scene.tiles, alone)) == len(alone) == len(scene.tiles)
            perception.reset()
            seen = perception(frame)
            assert seen.tiles is not None
            tiles = seen.tiles.tiles
            ok = len(match(scene.tiles, tiles)) == len(tiles) == len(scene.tiles)
            score.exact += ok
            if not ok:
                score.wrong.append(f"{case.style} {case.name} {how}: {len(tiles)} tiles")
            score.found += scene.found(seen.faces.boxes)
            score.faces += len(scene.visible_faces())
    return score
