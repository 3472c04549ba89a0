"""The engagement formula.

Per participant and analysed frame, an instantaneous score in [0, 1]:

    score = w_attention * attention + w_presence * presence + w_expression * expressiveness

    attention      1 on_screen, eyes_closed_score (default 0.3) eyes_closed, 0 away
    presence       1 with a visible face, 0 without (no_face, camera_off)
    expressiveness (1 - a) * (1 - p_neutral) + a * (arousal + 1) / 2, a = arousal_share

Without a face every term is 0. Without an emotion reading (attention-only mode, or a face
too small to read) expressiveness is left out and the other two weights are scaled up to add
up to 1, so the score keeps its range instead of losing 0.2 to a signal nobody measured: in
attention-only mode engagement is 0.75 x attention + 0.25 x presence with the defaults.

A participant's engagement is the mean score over the last `smoothing_seconds` (default
10 s), so presence becomes the share of the window in which the face was seen: someone who
keeps leaving the frame scores lower than someone who stays. It is reported only while the
face is visible (None otherwise).

Why these defaults (0.6 / 0.2 / 0.2): attention is the most direct and most reliable signal,
so it dominates. Expressiveness is a small bonus, never a requirement: a still, neutral face
that watches the screen scores 0.6 + 0.2 + 0.2 * 0.25 = 0.85, a smiling one up to 1. Eyes
closed longer than a blink get 0.3 rather than 0: the person still faces the meeting and
often listens (people close their eyes to concentrate), but they may be dozing, so the credit
stays well under half of looking at the screen.

Room engagement is the mean over the participants whose camera is on, and the attention share
is the share of them that look at the screen: someone who walked away from a camera that is
still on is in the meeting and not following it, so their absence lowers both figures (their
score falls to 0 over the window). Camera-off participants are outside both figures: whether
they listen cannot be seen.
"""

from __future__ import annotations

import numpy as np

from meetwatch.aggregation.config import AggregationConfig
from meetwatch.shared import EMOTIONS
from meetwatch.tracking.participants import ParticipantState

_NEUTRAL = EMOTIONS.index("neutral")


def expressiveness(emotion: np.ndarray, arousal: float, arousal_share: float) -> float:
    non_neutral = 1.0 - float(emotion[_NEUTRAL])
    value = (1.0 - arousal_share) * non_neutral + arousal_share * (arousal + 1.0) / 2.0
    return float(np.clip(value, 0.0, 1.0))


def instant_score(p: ParticipantState, cfg: AggregationConfig) -> float:
    if not p.face_present:
        return 0.0
    attention = {"on_screen": 1.0, "eyes_closed": cfg.eyes_closed_score}.get(p.attention, 0.0)
    score = cfg.attention_weight * attention + cfg.presence_weight
    if p.emotion is not None and p.arousal is not None:
        score += cfg.expression_weight * expressiveness(p.emotion, p.arousal, cfg.arousal_share)
    elif cfg.expression_weight < 1.0:
        score /= 1.0 - cfg.expression_weight
    return float(np.clip(score, 0.0, 1.0))
