"""Emoji faces drawn with OpenCV primitives.

Vector faces instead of an emoji font: colour-emoji fonts differ per OS (and are often
missing on Linux), while these render identically everywhere and scale to any face size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from meetwatch.outputs.live.palette import RGB, bgr
from meetwatch.shared import EMOTIONS

FACE_FILL: dict[str, RGB] = {
    "angry": (242, 112, 72),
    "disgust": (172, 204, 92),
    "fear": (196, 216, 246),
}
DEFAULT_FILL: RGB = (255, 204, 77)
INK: RGB = (74, 52, 22)
WHITE: RGB = (255, 255, 255)
TEAR: RGB = (90, 170, 250)

_AA = cv2.LINE_AA


def emoji_fill(emotion: str) -> RGB:
    """Face colour of an emotion's emoji (tests look for it where an emoji should be)."""
    return FACE_FILL.get(emotion, DEFAULT_FILL)


@dataclass(frozen=True)
class _Pen:
    """Draws in face units: (0, 0) is the centre, 1.0 the radius."""

    image: np.ndarray
    cx: float
    cy: float
    r: float
    ink: tuple[int, int, int]
    thick: int

    def p(self, dx: float, dy: float) -> tuple[int, int]:
        return (round(self.cx + dx * self.r), round(self.cy + dy * self.r))

    def s(self, v: float) -> int:
        return max(1, round(v * self.r))

    def line(self, a: tuple[float, float], b: tuple[float, float], extra: int = 0) -> None:
        cv2.line(self.image, self.p(*a), self.p(*b), self.ink, self.thick + extra, _AA)

    def arc(
        self,
        c: tuple[float, float],
        axes: tuple[float, float],
        angles: tuple[int, int],
        color: tuple[int, int, int] | None = None,
        thickness: int | None = None,
    ) -> None:
        """Elliptic arc (angles clockwise from +x, y down); thickness -1 fills the sector."""
        cv2.ellipse(
            self.image,
            self.p(*c),
            (self.s(axes[0]), self.s(axes[1])),
            0,
            angles[0],
            angles[1],
            color or self.ink,
            self.thick + 1 if thickness is None else thickness,
            _AA,
        )

    def disc(self, c: tuple[float, float], radius: float, color: tuple[int, int, int]) -> None:
        cv2.circle(self.image, self.p(*c), self.s(radius), color, -1, _AA)


def draw_emoji(image: np.ndarray, center: tuple[float, float], radius: float, emotion: str) -> None:
    """Draw the emoji of `emotion` (a FER-2013 class name) into a BGR image, in place."""
    if emotion not in EMOTIONS:
        raise ValueError(f"unknown emotion {emotion!r}; expected one of {', '.join(EMOTIONS)}")
    r = max(4.0, float(radius))
    pen = _Pen(image, float(center[0]), float(center[1]), r, bgr(INK), max(1, round(r / 10)))
    pen.disc((0, 0), 1.0, bgr(emoji_fill(emotion)))
    cv2.circle(image, pen.p(0, 0), pen.s(1.0), pen.ink, pen.thick, _AA)
    _FEATURES[emotion](pen)


def _dot_eyes(pen: _Pen) -> None:
    for side in (-1, 1):
        pen.disc((0.35 * side, -0.2), 0.11, pen.ink)


def _round_eyes(pen: _Pen) -> None:
    for side in (-1, 1):
        pen.disc((0.35 * side, -0.2), 0.2, bgr(WHITE))
        pen.arc((0.35 * side, -0.2), (0.2, 0.2), (0, 360), thickness=pen.thick)
        pen.disc((0.35 * side, -0.17), 0.08, pen.ink)


def _neutral(pen: _Pen) -> None:
    _dot_eyes(pen)
    pen.line((-0.35, 0.42), (0.35, 0.42), extra=1)


def _happy(pen: _Pen) -> None:
    for side in (-1, 1):  # smiling eyes: upward arcs
        pen.arc((0.35 * side, -0.15), (0.14, 0.12), (180, 360))
    pen.arc((0, 0.18), (0.52, 0.45), (0, 180), thickness=-1)


def _sad(pen: _Pen) -> None:
    _dot_eyes(pen)
    for side in (-1, 1):  # brows rising towards the middle
        pen.line((0.55 * side, -0.38), (0.18 * side, -0.5))
    pen.arc((0, 0.68), (0.38, 0.24), (200, 340))
    pen.arc((0.38, 0.1), (0.07, 0.12), (0, 360), color=bgr(TEAR), thickness=-1)


def _angry(pen: _Pen) -> None:
    _dot_eyes(pen)
    for side in (-1, 1):  # brows in a V
        pen.line((0.6 * side, -0.5), (0.15 * side, -0.3), extra=1)
    pen.arc((0, 0.7), (0.36, 0.2), (200, 340))


def _surprise(pen: _Pen) -> None:
    _round_eyes(pen)
    for side in (-1, 1):
        pen.arc((0.35 * side, -0.45), (0.18, 0.1), (200, 340), thickness=pen.thick)
    pen.arc((0, 0.45), (0.17, 0.24), (0, 360), thickness=-1)


def _fear(pen: _Pen) -> None:
    _round_eyes(pen)
    for side in (-1, 1):  # raised, worried brows
        pen.line((0.6 * side, -0.42), (0.2 * side, -0.58))
    pen.arc((0, 0.5), (0.34, 0.16), (0, 360), thickness=-1)
    pen.arc((0, 0.46), (0.26, 0.05), (0, 360), color=bgr(WHITE), thickness=-1)


def _disgust(pen: _Pen) -> None:
    for side in (-1, 1):  # squinting eyes
        pen.line((0.5 * side, -0.2), (0.2 * side, -0.22), extra=1)
    wave = [pen.p(-0.4 + 0.8 * i / 6, 0.45 + (0.08 if i % 2 else -0.08)) for i in range(7)]
    cv2.polylines(pen.image, [np.array(wave, np.int32)], False, pen.ink, pen.thick + 1, _AA)


_FEATURES: dict[str, Callable[[_Pen], None]] = {
    "angry": _angry,
    "disgust": _disgust,
    "fear": _fear,
    "happy": _happy,
    "sad": _sad,
    "surprise": _surprise,
    "neutral": _neutral,
}
