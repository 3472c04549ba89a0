"""Draw what the pipeline sees onto frames (OpenCV only), for the virtual camera and debugging.

`annotate_frame` marks tiles, faces, attention and each face's top emotion on a captured
frame; `render_dashboard` draws the room view (gauge, bars, grid) on a blank canvas. Colours
come from `palette` so the camera view matches the overlay and the reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cv2
import numpy as np

from meetwatch.aggregation.models import ParticipantEngagement, RoomEngagement
from meetwatch.analysis.emotion import shown_emotion
from meetwatch.analysis.signals import FaceSignals
from meetwatch.capture.frame import Frame
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tile, Tiles
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.emoji import draw_emoji
from meetwatch.outputs.live.overlay_state import (
    ATTENTION_ONLY_TEXT,
    emotion_segments,
    grid_cells,
    sparkline_segments,
    withheld_text,
)
from meetwatch.outputs.live.palette import RGB, bgr
from meetwatch.outputs.text import percent
from meetwatch.shared import EMOTIONS

FONT = cv2.FONT_HERSHEY_SIMPLEX
_AA = cv2.LINE_AA
DARK: RGB = (20, 20, 24)
DISCLOSURE = "engagement analysis on"


def annotate_frame(
    frame: Frame,
    tiles: Tiles | None = None,
    signals: FaceSignals | None = None,
    room: RoomEngagement | None = None,
) -> np.ndarray:
    """A copy of the frame with tile boxes, faces, attention, emoji and a room summary bar.

    It draws whatever it is given: in aggregate-only mode the PrivacyGate has already reduced
    the tiles to plain outlines and taken the faces and participants away.
    """
    image = frame.image.copy()
    height = image.shape[0]
    unit = max(1.0, height / 720)  # line widths and text follow the frame size
    people = {p.slot: p for p in room.participants} if room else {}
    for tile in tiles.tiles if tiles else ():
        _draw_tile(image, tile, people.get(tile.slot), unit)
    if signals is not None:
        for i in range(len(signals)):
            slot = int(signals.slots[i])
            _draw_face(image, signals, i, people.get(slot), unit)
    if room is not None:
        _draw_room_bar(image, room, unit)
    return image


def _tile_color(tile: Tile, person: ParticipantEngagement | None) -> RGB:
    if person is not None:
        return palette.ATTENTION_COLORS[person.attention]
    if tile.kind == "camera_off":
        return palette.ATTENTION_COLORS["camera_off"]
    return palette.UNKNOWN_COLOR


def _draw_tile(
    image: np.ndarray,
    tile: Tile,
    person: ParticipantEngagement | None,
    unit: float,
) -> None:
    r = tile.rect
    color = _tile_color(tile, person)
    thick = max(2, round(3 * unit))
    cv2.rectangle(image, (r.x, r.y), (r.x + r.w - 1, r.y + r.h - 1), bgr(color), thick)
    if person is None:
        return
    label = f"P{person.participant_id} {palette.ATTENTION_LABELS[person.attention]}"
    chip_h = round(24 * unit)
    org = (r.x + thick, r.y + thick)
    _chip(image, label, org, chip_h, color, dot=True)


def _draw_face(
    image: np.ndarray,
    signals: FaceSignals,
    index: int,
    person: ParticipantEngagement | None,
    unit: float,
) -> None:
    x, y, w, h = (float(v) for v in signals.boxes[index])
    color = palette.ATTENTION_COLORS[person.attention] if person else palette.TEXT
    cv2.rectangle(image, (round(x), round(y)), (round(x + w), round(y + h)), bgr(color), 2)
    emotion = top_emotion(signals, index, person)
    if emotion is None:  # emotion analysis off: show no invented expression
        return
    radius = float(np.clip(0.3 * max(w, h), 10 * unit, 60 * unit))
    cx, cy = emoji_center((x, y, w, h), radius, image.shape[1], image.shape[0])
    draw_emoji(image, (cx, cy), radius, emotion)
    _chip(image, emotion, (round(x), round(y + h + 4)), round(20 * unit), DARK)


def top_emotion(
    signals: FaceSignals, index: int, person: ParticipantEngagement | None
) -> str | None:
    """The participant's smoothed top emotion when known (steadier), else this frame's;
    None when emotions were not measured (NaN rows)."""
    if person is not None and person.top_emotion in EMOTIONS:
        return person.top_emotion
    return strongest_emotion(signals.emotion[index])


def strongest_emotion(probabilities: np.ndarray) -> str | None:
    """What one frame's probabilities show, with the default confidence threshold."""
    return shown_emotion(probabilities)


def emoji_center(
    box: tuple[float, float, float, float], radius: float, width: int, height: int
) -> tuple[float, float]:
    """Emoji sits on the face box's top-right corner, pulled inside the image."""
    x, y, w, _ = box
    cx = min(max(x + w, radius), width - radius)
    cy = min(max(y, radius), height - radius)
    return cx, cy


def _draw_room_bar(image: np.ndarray, room: RoomEngagement, unit: float) -> None:
    height, width = image.shape[:2]
    bar_h = round(34 * unit)
    top = height - bar_h
    strip = image[top:, :]
    strip[:] = (strip * 0.35 + np.array(bgr(palette.BACKGROUND)) * 0.65).astype(np.uint8)
    pad = round(8 * unit)
    text = f"engagement {percent(room.engagement, '--')}   {_attentive(room)}"
    _text(image, text, (pad, top + bar_h // 2), 0.6 * unit, palette.TEXT)
    mix_left = width // 2
    note = withheld_text(room) or (ATTENTION_ONLY_TEXT if room.attention_only else None)
    if note is not None:
        _text(image, note, (mix_left, top + bar_h // 2), 0.55 * unit, palette.MUTED_TEXT)
        return
    _stacked_bar(
        image, room.emotion_mix, (mix_left, top + pad, width - mix_left - pad, bar_h - 2 * pad)
    )


# -- dashboard --------------------------------------------------------------------------------


def render_dashboard(
    room: RoomEngagement | None,
    size: tuple[int, int],
    *,
    history: Sequence[tuple[float, float | None]] = (),
) -> np.ndarray:
    """The room at a glance as a BGR image of `size` (width, height): what the vcam shows in
    'dashboard' mode. `history` is (timestamp, room engagement) oldest first, as kept by
    `OverlayState.history`, for the ten-minute sparkline."""
    width, height = size
    if width < 160 or height < 90:
        raise ValueError(f"dashboard needs at least 160x90 pixels, got {width}x{height}")
    image = np.empty((height, width, 3), np.uint8)
    image[:] = bgr(palette.BACKGROUND)
    u = min(width / 1280, height / 720)
    _text(image, "Room engagement", (round(40 * u), round(50 * u)), 1.0 * u, palette.TEXT)

    value = room.engagement if room else None
    center = (round(width * 0.24), round(height * 0.5))
    _gauge(image, center, round(min(width * 0.18, height * 0.3)), value, u)

    left = round(width * 0.48)
    right = width - round(40 * u)
    bar_w = right - left
    bar_h = max(6, round(26 * u))
    if room is None:
        _text(image, "waiting for data", (left, round(height * 0.3)), 0.9 * u, palette.MUTED_TEXT)
        return image

    y = round(height * 0.2)
    withheld = withheld_text(room)
    if withheld is not None:
        _text(image, withheld, (left, y), 0.8 * u, palette.MUTED_TEXT)
        return image
    _text(image, _attentive(room), (left, y), 0.8 * u, palette.TEXT)
    share = room.attention_share or 0.0
    _bar(
        image, (left, y + round(14 * u), bar_w, bar_h), share, palette.ATTENTION_COLORS["on_screen"]
    )

    y += round(90 * u)
    if room.attention_only:
        _text(image, ATTENTION_ONLY_TEXT, (left, y), 0.8 * u, palette.MUTED_TEXT)
    else:
        _text(image, "emotion mix", (left, y), 0.8 * u, palette.TEXT)
        _stacked_bar(image, room.emotion_mix, (left, y + round(14 * u), bar_w, bar_h))
        legend_y = y + round(14 * u) + bar_h + round(24 * u)
        _legend(image, room.emotion_mix, (left, legend_y), bar_w, u)

    y += round(130 * u)
    spark_h = round(70 * u)
    _sparkline(image, history, (left, y, bar_w, spark_h), u)

    grid_top = y + spark_h + round(20 * u)
    _tile_grid(
        image, room.participants, (left, grid_top, bar_w, height - grid_top - round(30 * u)), u
    )
    return image


def _gauge(
    image: np.ndarray, center: tuple[int, int], radius: int, value: float | None, u: float
) -> None:
    """270° arc from bottom-left clockwise to bottom-right, filled to `value`."""
    thick = max(4, round(radius * 0.16))
    cv2.ellipse(image, center, (radius, radius), 0, 135, 405, bgr(palette.TRACK), thick, _AA)
    if value is not None and value > 0:
        end = 135 + 270 * value
        color = palette.engagement_color(value)
        cv2.ellipse(image, center, (radius, radius), 0, 135, end, bgr(color), thick, _AA)
    scale = radius / 70
    _text(image, percent(value, "--"), center, scale, palette.TEXT, anchor="center", weight=3)
    label_org = (center[0], center[1] + round(radius * 0.55))
    _text(image, "engagement", label_org, 0.35 * scale, palette.MUTED_TEXT, anchor="center")


def _bar(image: np.ndarray, rect: tuple[int, int, int, int], value: float, color: RGB) -> None:
    x, y, w, h = rect
    cv2.rectangle(image, (x, y), (x + w, y + h), bgr(palette.TRACK), -1)
    if value > 0:
        cv2.rectangle(image, (x, y), (x + round(w * min(value, 1.0)), y + h), bgr(color), -1)


def _stacked_bar(
    image: np.ndarray, mix: Mapping[str, float], rect: tuple[int, int, int, int]
) -> None:
    x, y, w, h = rect
    cv2.rectangle(image, (x, y), (x + w, y + h), bgr(palette.TRACK), -1)
    for emotion, start, share in emotion_segments(mix):
        x0, x1 = x + round(w * start), x + round(w * (start + share))
        cv2.rectangle(image, (x0, y), (x1, y + h), bgr(palette.EMOTION_COLORS[emotion]), -1)


def _legend(
    image: np.ndarray, mix: Mapping[str, float], org: tuple[int, int], width: int, u: float
) -> None:
    step = width // 4
    for i, emotion in enumerate(EMOTIONS):
        x = org[0] + (i % 4) * step
        y = org[1] + (i // 4) * round(28 * u)
        box = max(6, round(14 * u))
        cv2.rectangle(image, (x, y - box), (x + box, y), bgr(palette.EMOTION_COLORS[emotion]), -1)
        label = f"{emotion} {round(100 * mix.get(emotion, 0.0))}%"
        _text(image, label, (x + box + round(6 * u), y - box // 2), 0.5 * u, palette.MUTED_TEXT)


def _sparkline(
    image: np.ndarray,
    history: Sequence[tuple[float, float | None]],
    rect: tuple[int, int, int, int],
    u: float,
) -> None:
    x, y, w, h = rect
    cv2.rectangle(image, (x, y), (x + w, y + h), bgr(palette.TRACK), 1)
    _text(image, "last 10 min", (x + round(6 * u), y + round(12 * u)), 0.4 * u, palette.MUTED_TEXT)
    end_time = history[-1][0] if history else None
    for segment in sparkline_segments(history, end_time, w, h):
        pts = np.array([(x + px, y + py) for px, py in segment], np.int32)
        cv2.polylines(image, [pts], False, bgr(palette.TEXT), max(1, round(2 * u)), _AA)


def _tile_grid(
    image: np.ndarray,
    people: Sequence[ParticipantEngagement],
    rect: tuple[int, int, int, int],
    u: float,
) -> None:
    gap = max(2, round(6 * u))
    people = sorted(people, key=lambda p: p.slot)
    for person, cell in zip(people, grid_cells(Rect(*rect), len(people), gap), strict=False):
        color = palette.ATTENTION_COLORS[person.attention]
        cv2.rectangle(image, (cell.x, cell.y), (cell.x + cell.w, cell.y + cell.h), bgr(color), -1)
        center = (cell.x + cell.w // 2, cell.y + cell.h // 2)
        _text(image, f"P{person.participant_id}", center, 0.5 * u, DARK, anchor="center")


# -- disclosure -------------------------------------------------------------------------------


def draw_disclosure(image: np.ndarray, attention_only: bool) -> None:
    """The "engagement analysis on" mark in the top-right corner of every camera frame.

    Whoever sees this camera in a meeting is told that faces are being analysed (the EU AI
    Act requires telling the people analysed), whatever the mode and whatever else is drawn.
    """
    height, width = image.shape[:2]
    u = max(0.4, height / 720)
    text = DISCLOSURE + (" - attention only" if attention_only else "")
    scale = 0.6 * u
    thick = max(1, round(1.6 * u))
    (tw, th), _ = cv2.getTextSize(text, FONT, scale, thick)
    pad = max(3, round(8 * u))
    dot = max(3, round(6 * u))
    w, h = tw + 3 * pad + 2 * dot, th + 2 * pad
    x0, y0 = max(0, width - w - pad), pad
    cv2.rectangle(image, (x0, y0), (x0 + w, y0 + h), bgr(DARK), -1)
    cv2.circle(image, (x0 + pad + dot, y0 + h // 2), dot, bgr(palette.REC_COLOR), -1, _AA)
    org = (x0 + 2 * pad + 2 * dot, y0 + h // 2 + th // 2)
    cv2.putText(image, text, org, FONT, scale, bgr(palette.TEXT), thick, _AA)


# -- text helpers -----------------------------------------------------------------------------


def _attentive(room: RoomEngagement) -> str:
    if room.attention_share is None or not room.participants_with_face:
        return "attentive --"
    attentive = round(room.attention_share * room.participants_with_face)
    return f"attentive {attentive}/{room.participants_with_face}"


def _text(
    image: np.ndarray,
    text: str,
    org: tuple[int, int],
    scale: float,
    color: RGB,
    *,
    anchor: str = "left",
    weight: int = 1,
) -> None:
    """Text vertically centred on org[1]; anchor "center" also centres it horizontally."""
    scale = max(scale, 0.3)
    thick = max(1, round(weight * scale))
    (tw, th), _ = cv2.getTextSize(text, FONT, scale, thick)
    x = org[0] - tw // 2 if anchor == "center" else org[0]
    cv2.putText(image, text, (x, org[1] + th // 2), FONT, scale, bgr(color), thick, _AA)


def _chip(
    image: np.ndarray,
    text: str,
    org: tuple[int, int],
    height: int,
    color: RGB,
    *,
    dot: bool = False,
) -> None:
    """A label on a filled background; with dot=True a dark attention mark leads the text."""
    scale = height / 40
    (tw, _), _ = cv2.getTextSize(text, FONT, scale, 1)
    pad = height // 4
    dot_w = height if dot else 0
    x, y = org
    cv2.rectangle(image, (x, y), (x + tw + 2 * pad + dot_w, y + height), bgr(color), -1)
    text_color = DARK if sum(color) > 300 else palette.TEXT
    if dot:
        cv2.circle(image, (x + pad + height // 3, y + height // 2), height // 4, bgr(DARK), -1, _AA)
    _text(image, text, (x + pad + dot_w, y + height // 2), scale, text_color)
