"""split_tiles on windows as users have them, drawn and through a video encoder.

The table (`REAL_LOOKS`) holds every case of the layout requirements: 1-2 px gaps, letterbox
and pillarbox, short last rows, Meet grids of 49 and 75 tiles, camera-off tiles with initials
or a profile photo, the active speaker's border, a toolbar and a self-view. Each runs at 1080p,
720p and 360p, as drawn and read back from an MP4 file (mp4v, and H.264 where ffmpeg with
libx264 is installed). The quick pass takes each case once drawn and once through mp4v at one
resolution (a different one per case); the rest is marked slow. Each case is also drawn at
1080p and scaled down to 720p and 360p before mp4v and H.264, as a recorder does (gaps blend
into the tiles). Speaker view and screen share go through mp4v as well, and a 2x2 gallery
recorded at 640x360 through both, H.264 at a low bitrate as a meeting recorder saves it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from meetwatch.capture.frame import Frame
from meetwatch.demo.gallery import render_screen_share, render_speaker_view
from meetwatch.demo.styles import StyleName
from meetwatch.layout.grid import split_tiles
from tests.factories.galleries import real_faces
from tests.factories.layouts import (
    HIDPI_PARAMS,
    REAL_LOOKS,
    SIZES,
    LayoutCase,
    build,
    gap_after_scaling,
    scaled,
)
from tests.factories.video import CODECS, missing, needs, through_video
from tests.unit.layout.matching import match

pytestmark = pytest.mark.data


def _encoder_marks(source: str, quick: bool) -> list[pytest.MarkDecorator]:
    """Slow unless in the quick pass; skipped, saying why, where the encoder is missing."""
    marks = [] if quick else [pytest.mark.slow]
    reason = None if source == "drawn" else missing(source)
    return [*marks, pytest.mark.skipif(reason is not None, reason=str(reason))]


def _scaled_cases() -> list[object]:
    """Each case drawn at 1080p, scaled down by the recorder and saved as mp4v and H.264; gaps
    that scaling leaves under one pixel wide are not promised. The quick pass takes 360p mp4v."""
    params: list[object] = []
    for case in REAL_LOOKS:
        for size in SIZES[1:]:
            if gap_after_scaling(case, size[1]) < 1.0:
                continue
            for codec in CODECS:
                params.append(
                    pytest.param(
                        case,
                        size,
                        codec,
                        marks=_encoder_marks(codec, size[1] == 360 and codec == "mp4v"),
                        id=f"{case.name}-{size[1]}p-{codec}",
                    )
                )
    return params


@pytest.mark.parametrize(("case", "size", "codec"), _scaled_cases())
def test_every_tile_found_in_a_scaled_down_recording(
    data_dir: Path, case: LayoutCase, size: tuple[int, int], codec: str
) -> None:
    scene = scaled(build(data_dir, case), size)
    tiles = split_tiles(Frame(through_video(scene.image, codec), 0.0, 0, case.name))

    assert tiles.layout == "grid"
    assert len(tiles.tiles) == len(scene.tiles)
    pairs = match(scene.tiles, tiles.tiles)
    missed = [gt.slot for gt in scene.tiles if gt.slot not in pairs]
    assert not missed, f"tiles {missed} not found at IoU >= 0.9"
    assert [pairs[gt.slot].kind for gt in scene.tiles] == [gt.kind for gt in scene.tiles]


def _cases() -> list[object]:
    params: list[object] = []
    for i, case in enumerate(REAL_LOOKS):
        for j, size in enumerate(SIZES):
            for source in ("drawn", *CODECS):
                quick = (source == "drawn" and j == 0) or (source == "mp4v" and j == i % 3)
                params.append(
                    pytest.param(
                        case.at(size),
                        source,
                        marks=_encoder_marks(source, quick),
                        id=f"{case.name}-{size[1]}p-{source}",
                    )
                )
    return params


@pytest.mark.parametrize(("case", "source"), _cases())
def test_every_tile_found(data_dir: Path, case: LayoutCase, source: str) -> None:
    scene = build(data_dir, case)
    image = scene.image if source == "drawn" else through_video(scene.image, source)

    tiles = split_tiles(Frame(image, 0.0, 0, case.name))

    assert tiles.layout == "grid"
    assert len(tiles.tiles) == len(scene.tiles)
    pairs = match(scene.tiles, tiles.tiles)
    missed = [gt.slot for gt in scene.tiles if gt.slot not in pairs]
    assert not missed, f"tiles {missed} not found at IoU >= 0.9"
    assert [pairs[gt.slot].kind for gt in scene.tiles] == [gt.kind for gt in scene.tiles]


@pytest.mark.parametrize("size", HIDPI_PARAMS)
def test_every_tile_found_on_a_hidpi_screen(data_dir: Path, size: tuple[int, int]) -> None:
    """Every case grabbed from a Retina or 4K screen, its gaps as thin as at 1080p."""
    for case in REAL_LOOKS:
        scene = build(data_dir, case.at(size))
        tiles = split_tiles(Frame(scene.image, 0.0, 0, case.name))
        assert tiles.layout == "grid", case.name
        pairs = match(scene.tiles, tiles.tiles)
        assert len(pairs) == len(tiles.tiles) == len(scene.tiles), case.name


@pytest.mark.parametrize("style", ["zoom", "teams", "meet"])
@pytest.mark.parametrize(
    "size",
    [
        (1280, 720),
        pytest.param((1920, 1080), marks=pytest.mark.slow),
        pytest.param((640, 360), marks=pytest.mark.slow),
    ],
    ids=["720p", "1080p", "360p"],
)
def test_speaker_view_and_screen_share_through_mp4v(
    data_dir: Path, style: StyleName, size: tuple[int, int]
) -> None:
    faces = real_faces(data_dir)
    rng = np.random.default_rng(1)
    for render, layout in ((render_speaker_view, "speaker"), (render_screen_share, "screen_share")):
        gallery = render(faces, 5, style, size=size, rng=rng)
        tiles = split_tiles(Frame(through_video(gallery.image), 0.0, 0, layout))
        assert tiles.layout == layout
        assert len(match(gallery.tiles, tiles.tiles)) == len(gallery.tiles) == len(tiles.tiles)


# H.264 at 250 kbit/s: under Zoom's own estimate for recorded video (about 200 MB an hour,
# some 450 kbit/s with the sound); read back, the picture is what x264 gives at a constant
# rate factor of about 35 (PSNR 31 dB against 34 at the default 23), names barely legible.
ZOOM_RECORDING_KBPS = 250


@pytest.mark.parametrize("style", ["zoom", "teams", "meet"])
@pytest.mark.parametrize("codec", [pytest.param(c, marks=_encoder_marks(c, True)) for c in CODECS])
def test_two_by_two_recording_at_640x360(data_dir: Path, style: StyleName, codec: str) -> None:
    """A 2x2 gallery recorded at 640x360 (scaled from the 1080p window, saved as MP4)."""
    scene = scaled(build(data_dir, LayoutCase("2x2", style, 4, speaker=1)), (640, 360))
    kbps = ZOOM_RECORDING_KBPS if codec == "h264" else None
    tiles = split_tiles(Frame(through_video(scene.image, codec, kbps), 0.0, 0, "recording"))
    assert tiles.grid == (2, 2)
    assert len(match(scene.tiles, tiles.tiles)) == len(tiles.tiles) == 4


@pytest.mark.parametrize("style", ["zoom", "teams", "meet"])
@needs("h264")
def test_letterboxed_recording_at_a_low_bitrate(data_dir: Path, style: StyleName) -> None:
    """A letterboxed gallery recorded at 640x360 and 250 kbit/s: the codec rings along the
    bars' edges, which must not hide the gallery's own background inside them, and blocks
    Zoom's gaps, blended to about a pixel at this size (found along whole lines)."""
    case = LayoutCase("letterboxed", style, 6, frame="letterbox")
    scene = scaled(build(data_dir, case), (640, 360))
    image = through_video(scene.image, "h264", ZOOM_RECORDING_KBPS)
    tiles = split_tiles(Frame(image, 0.0, 0, "recording"))
    assert len(match(scene.tiles, tiles.tiles)) == len(tiles.tiles) == 6
