"""What each figure of a report means, in one sentence each: the same words in HTML and PDF
(and the README), so a reader never has to guess whether someone who left was counted."""

from __future__ import annotations

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Attentive share",
        "of the participants whose camera is on, the share looking at the screen; someone "
        "whose face has left the picture counts as not looking.",
    ),
    (
        "Room engagement",
        "the mean engagement of the participants whose camera is on (0.6 attention, 0.2 "
        "presence, 0.2 expressiveness, over 10 s), so a face that left pulls it down.",
    ),
    (
        "Away",
        "the camera is on and the participant looks away from the screen (head or eyes) or "
        "is gone from the picture.",
    ),
    (
        "Camera off",
        "counted apart: these participants are in neither the attentive share nor room "
        "engagement, since whether they follow cannot be seen.",
    ),
    (
        "Missing",
        "seconds in which the meeting window, or a participant's tile, was hidden by another "
        "window have no figures at all.",
    ),
)


def definition_lines() -> list[str]:
    return [f"{name}: {text}" for name, text in DEFINITIONS]
