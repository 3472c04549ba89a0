"""The virtual camera's "engagement analysis on" mark, checked pixel by pixel: every mode's
frame equals the same picture without the mark everywhere except the mark's own corner."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch.errors import ConfigError
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.annotate import annotate_frame, render_dashboard
from meetwatch.outputs.live.virtual_camera import VcamMode, VirtualCameraSink, fit
from meetwatch.runtime.events import Event
from tests.unit.outputs import scene

SIZE = (1280, 720)


def _composed(mode: VcamMode, attention_only: bool) -> tuple[np.ndarray, np.ndarray]:
    """(what the camera sends, the same picture drawn without the mark)."""
    room = scene.room().model_copy(update={"attention_only": attention_only})
    sink = VirtualCameraSink(mode, *SIZE, 15, attention_only=attention_only)
    sink.on_event(Event("EngagementUpdated", room, 100.0))
    sink.submit(scene.frame(), scene.tiles(), scene.signals())
    sent = sink.compose()
    if mode == "annotated":
        plain = fit(annotate_frame(scene.frame(), scene.tiles(), scene.signals(), room), SIZE)
    else:
        plain = render_dashboard(room, SIZE, history=[(100.0, room.engagement)])
    return sent, plain


def _changed_box(sent: np.ndarray, plain: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(np.any(sent != plain, axis=2))
    assert len(xs), "the mark is missing"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


@pytest.mark.parametrize("mode", ["annotated", "dashboard"])
def test_every_camera_frame_carries_the_disclosure(mode: VcamMode, artifacts_dir: Path) -> None:
    sent, plain = _composed(mode, attention_only=False)
    cv2.imwrite(str(artifacts_dir / f"vcam_disclosure_{mode}.png"), sent)
    x0, y0, x1, y1 = _changed_box(sent, plain)
    # only the top-right corner differs, and there the mark is a solid plate with a red dot
    assert x0 > SIZE[0] * 0.6 and y1 < SIZE[1] * 0.08 and x1 < SIZE[0]
    corner = sent[y0 : y1 + 1, x0 : x1 + 1]
    red = np.all(corner == palette.bgr(palette.REC_COLOR), axis=2).sum()
    text = np.all(corner == palette.bgr(palette.TEXT), axis=2).sum()
    assert red > 50 and text > 200
    assert np.all(corner != plain[y0 : y1 + 1, x0 : x1 + 1], axis=2).mean() > 0.5


def test_the_mark_names_attention_only_mode() -> None:
    plain_mark = _changed_box(*_composed("dashboard", attention_only=False))
    attention_mark = _changed_box(*_composed("dashboard", attention_only=True))
    # "engagement analysis on - attention only" is the longer text, in the same corner
    assert attention_mark[2] == plain_mark[2]
    assert attention_mark[0] < plain_mark[0] - 100


def test_the_emoji_camera_is_refused_in_attention_only_mode() -> None:
    with pytest.raises(ConfigError, match="attention-only"):
        VirtualCameraSink("emoji", *SIZE, 15, attention_only=True)
