"""The one colour palette of every live output and report.

Kept in one place so the Qt overlay, the virtual camera, the web overlay and the reports
colour the same emotion or attention state the same way: a viewer who learned "amber = away"
on one surface must not have to relearn it on another. Colours are RGB; `bgr` converts for
OpenCV and `hex_color` for HTML/CSS.
"""

from __future__ import annotations

from meetwatch.shared import AttentionState

RGB = tuple[int, int, int]

# In FER-2013 order (meetwatch.analysis.signals.EMOTIONS).
EMOTION_COLORS: dict[str, RGB] = {
    "angry": (220, 57, 47),
    "disgust": (118, 148, 42),
    "fear": (142, 88, 196),
    "happy": (246, 196, 43),
    "sad": (58, 118, 214),
    "surprise": (240, 132, 40),
    "neutral": (150, 156, 166),
}

ATTENTION_COLORS: dict[AttentionState, RGB] = {
    "on_screen": (46, 184, 92),  # green
    "away": (245, 166, 35),  # amber
    "eyes_closed": (64, 128, 232),  # blue
    "no_face": (128, 132, 140),  # grey
    # mauve: as unknown as no face, but a reader must tell "camera off" from "no face found"
    "camera_off": (156, 100, 150),
}

ATTENTION_LABELS: dict[AttentionState, str] = {
    "on_screen": "on screen",
    "away": "away",
    "eyes_closed": "eyes closed",
    "no_face": "no face",
    "camera_off": "camera off",
}

UNKNOWN_COLOR: RGB = (200, 200, 200)  # a tile whose participant is not known yet
REC_COLOR: RGB = (229, 57, 53)
BACKGROUND: RGB = (24, 26, 31)
TRACK: RGB = (62, 66, 76)  # empty part of gauges and bars
TEXT: RGB = (240, 242, 245)
MUTED_TEXT: RGB = (150, 155, 165)
ALERT_COLOR: RGB = (245, 166, 35)

# Engagement colour bands: below LOW red, below HIGH amber, else green.
ENGAGEMENT_LOW = 0.4
ENGAGEMENT_HIGH = 0.65


def engagement_color(value: float | None) -> RGB:
    """Colour of an engagement gauge: the band a presenter reacts to, not a smooth ramp."""
    if value is None:
        return MUTED_TEXT
    if value < ENGAGEMENT_LOW:
        return EMOTION_COLORS["angry"]
    if value < ENGAGEMENT_HIGH:
        return ATTENTION_COLORS["away"]
    return ATTENTION_COLORS["on_screen"]


def bgr(color: RGB) -> tuple[int, int, int]:
    return (color[2], color[1], color[0])


def hex_color(color: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*color)
