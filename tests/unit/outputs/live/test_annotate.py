"""Annotation and dashboard drawings: check the pixels a viewer would see."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.annotate import annotate_frame, emoji_center, render_dashboard
from meetwatch.outputs.live.emoji import draw_emoji, emoji_fill
from meetwatch.shared import ATTENTION_STATES, EMOTIONS
from tests.unit.outputs import scene


def color_at(image: np.ndarray, x: int, y: int) -> tuple[int, int, int]:
    b, g, r = image[y, x]
    return (int(r), int(g), int(b))


def count_color(image: np.ndarray, rgb: palette.RGB) -> int:
    return int(np.all(image == np.array(palette.bgr(rgb), np.uint8), axis=2).sum())


def emoji_disc(image: np.ndarray, center: tuple[float, float], radius: float) -> np.ndarray:
    """The pixels strictly inside an emoji's outline: drawn by the emoji alone."""
    yy, xx = np.mgrid[: image.shape[0], : image.shape[1]]
    inside = (xx - center[0]) ** 2 + (yy - center[1]) ** 2 < (0.8 * radius) ** 2
    return image[inside]


def test_palette_covers_every_emotion_and_attention_state() -> None:
    assert tuple(palette.EMOTION_COLORS) == EMOTIONS
    assert set(palette.ATTENTION_COLORS) == set(ATTENTION_STATES) == set(palette.ATTENTION_LABELS)
    assert palette.hex_color((46, 184, 92)) == "#2eb85c"
    assert palette.engagement_color(0.2) != palette.engagement_color(0.9)


def test_tile_borders_take_the_attention_colour_of_their_participant(artifacts_dir) -> None:
    frame = scene.frame()
    out = annotate_frame(frame, scene.tiles(), scene.signals(), scene.room())
    cv2.imwrite(str(artifacts_dir / "annotated_frame.png"), out)
    for slot, state in enumerate(scene.ATTENTION):
        r = scene.tile_rect(slot)
        # left border, halfway down: below the label chip, away from faces
        assert color_at(out, r.x + 1, r.y + r.h // 2) == palette.ATTENTION_COLORS[state]
    assert np.array_equal(frame.image, scene.frame().image), "the input frame must stay untouched"


def test_each_face_gets_its_box_and_the_emoji_of_its_top_emotion() -> None:
    room = scene.room()
    out = annotate_frame(scene.frame(), scene.tiles(), scene.signals(), room)
    for slot, emotion in enumerate(scene.TOP_EMOTION):
        if emotion is None:
            continue
        x, y, w, h = scene.face_box(slot)
        # bottom edge of the face box, left of the emotion label
        assert (
            color_at(out, int(x + w // 2), int(y + h))
            == palette.ATTENTION_COLORS[scene.ATTENTION[slot]]
        )
        radius = 0.3 * max(w, h)
        center = emoji_center((x, y, w, h), radius, *scene.SIZE)
        expected = scene.frame().image.copy()
        draw_emoji(expected, center, radius, emotion)
        wrong = scene.frame().image.copy()
        draw_emoji(wrong, center, radius, "angry" if emotion != "angry" else "happy")
        got = emoji_disc(out, center, radius)
        assert np.array_equal(got, emoji_disc(expected, center, radius))
        assert not np.array_equal(got, emoji_disc(wrong, center, radius))


def test_the_participants_smoothed_emotion_wins_over_one_frames_guess() -> None:
    room = scene.room()
    people = [p.model_copy(update={"top_emotion": "neutral"}) for p in room.participants]
    room = room.model_copy(update={"participants": people})
    out = annotate_frame(scene.frame(), scene.tiles(), scene.signals(), room)
    x, y, w, h = scene.face_box(0)
    radius = 0.3 * max(w, h)
    center = emoji_center((x, y, w, h), radius, *scene.SIZE)
    neutral = scene.frame().image.copy()
    draw_emoji(neutral, center, radius, "neutral")
    assert np.array_equal(emoji_disc(out, center, radius), emoji_disc(neutral, center, radius))


def test_unmeasured_emotions_get_a_face_box_but_no_invented_emoji() -> None:
    signals = scene.signals()
    unmeasured = dataclasses.replace(signals, emotion=np.full_like(signals.emotion, np.nan))
    out = annotate_frame(scene.frame(), scene.tiles(), unmeasured, None)
    x, y, w, h = scene.face_box(0)
    assert color_at(out, int(x + w // 2), int(y + h)) == palette.TEXT
    assert count_color(out, emoji_fill("happy")) == 0


def test_aggregate_only_mode_draws_nothing_about_one_person() -> None:
    gate = PrivacyGate("aggregate_only", min_faces=3)
    tiles, signals = gate.observed(scene.tiles(), scene.signals())
    out = annotate_frame(scene.frame(), tiles, signals, gate.room(scene.room()))
    r = scene.tile_rect(1)
    assert color_at(out, r.x + 1, r.y + r.h // 2) == palette.UNKNOWN_COLOR
    assert count_color(out, emoji_fill("happy")) == 0
    for state in ATTENTION_STATES:  # camera-off tiles are plain outlines too
        assert count_color(out, palette.ATTENTION_COLORS[state]) == 0
    # the room bar is aggregate, so it stays
    assert count_color(out[-30:], palette.EMOTION_COLORS["happy"]) > 1000


def test_room_bar_shows_the_emotion_mix_in_proportion() -> None:
    out = annotate_frame(scene.frame(), None, None, scene.room())
    strip = out[-20:-14]  # a row band through the stacked bar
    happy = count_color(strip, palette.EMOTION_COLORS["happy"])
    sad = count_color(strip, palette.EMOTION_COLORS["sad"])
    assert happy == pytest.approx(2.5 * sad, rel=0.05)  # mix: happy 0.5, sad 0.2


def test_dashboard_draws_gauge_bars_and_one_grid_cell_per_participant(artifacts_dir) -> None:
    room = scene.room(engagement=0.62)
    history = [(100.0 + 10 * i, 0.4 + 0.02 * i) for i in range(20)]
    out = render_dashboard(room, (1280, 720), history=history)
    cv2.imwrite(str(artifacts_dir / "dashboard.png"), out)
    assert out.shape == (720, 1280, 3)
    gauge = palette.engagement_color(0.62)
    assert count_color(out[:, :600], gauge) > 5000
    for state in scene.ATTENTION:
        assert count_color(out[:, 600:], palette.ATTENTION_COLORS[state]) > 5000, state
    assert count_color(out, palette.EMOTION_COLORS["angry"]) > 0  # legend swatch only


def test_dashboard_without_data_shows_no_numbers_or_colours() -> None:
    out = render_dashboard(None, (640, 360))
    assert out.shape == (360, 640, 3)
    for color in palette.ATTENTION_COLORS.values():
        assert count_color(out, color) == 0
    with pytest.raises(ValueError, match="at least"):
        render_dashboard(None, (100, 50))


def test_draw_emoji_rejects_unknown_emotions() -> None:
    with pytest.raises(ValueError, match="unknown emotion 'joy'"):
        draw_emoji(np.zeros((50, 50, 3), np.uint8), (25, 25), 20, "joy")
