"""Disclosure: what the presenter is told before watching, and what participants are told.

Emotion inference about people in a meeting is sensitive (the EU AI Act prohibits it in
workplaces and schools outside medical or safety reasons, and requires telling the people
analysed), so the presenter acknowledges the notice once, sees it again at every session
start, and gets a ready-made message for the meeting chat that states the mode actually in
use (attention-only or emotion, individual or aggregate-only).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from meetwatch.config import Config
from meetwatch.errors import ConfigError

# Bump when the notice changes in substance, so everyone acknowledges the new text once.
# 2: the mode in use (attention-only or emotion) is stated, and first run asks where
# meetwatch is used.
NOTICE_VERSION = 2
ACK_FILE = "consent.json"


def is_aggregate_only(config: Config) -> bool:
    return config.privacy.mode == "aggregate_only"


def presenter_notice(config: Config) -> str:
    """Shown on first run and when a session starts."""
    attention_only = config.privacy.attention_only
    what = (
        "whether people look at the screen, eye openness and head pose, and from these an "
        "engagement score. Attention-only mode is ON: facial expression and emotion are "
        "never analysed (the emotion model is not loaded)."
        if attention_only
        else "whether people look at the screen, eye openness, head pose and facial "
        "expression (an emotion estimate), and from these an engagement score."
    )
    scope = (
        "Aggregate-only mode is ON: only room-level figures are shown, sent and reported, and "
        f"none while fewer than {config.privacy.min_faces} faces are visible; nobody is "
        "measured individually on screen, in the feed or in reports."
        if is_aggregate_only(config)
        else "Individual figures are ON: each participant's attention and engagement appear "
        "in the overlay, the local feed and the reports. Switch to aggregate-only mode to "
        "keep room-level figures only."
    )
    caution = (
        "Tell the people in the meeting before you start (use 'Copy participant notice'), "
        "and do not use the figures to judge or rank individuals."
    )
    if not attention_only:
        caution += (
            " Emotion estimates are unreliable, and the EU AI Act forbids emotion recognition "
            "in workplaces and education: use attention-only mode there."
        )
    return "\n\n".join(
        [
            "meetwatch looks at the meeting window on this screen and estimates, for the faces "
            f"it sees: {what}",
            "Everything is computed and stored on this computer only. No face images are "
            "stored, nothing is uploaded, and the live feed is reachable from this computer "
            "only unless you allow LAN clients.",
            scope,
            'Participants are labelled "Participant 1", "Participant 2", ... (no names).',
            caution,
        ]
    )


def participant_notice(config: Config) -> str:
    """A message the presenter pastes into the meeting chat; it names the mode in use."""
    signals = (
        "attention (looking at the screen) and presence"
        if config.privacy.attention_only
        else "attention (looking at the screen), facial expression"
    )
    what = (
        f"only anonymous room-level figures from {signals} - nobody is measured "
        "individually, and nothing is shown while fewer than "
        f"{config.privacy.min_faces} faces are visible"
        if is_aggregate_only(config)
        else f"{signals} and engagement of each video tile, labelled by participant number"
    )
    mode = (
        "Mode: attention only - your emotions are not analysed."
        if config.privacy.attention_only
        else "Mode: emotion estimates on."
    )
    return (
        "Note: I am using meetwatch (engagement analysis) during this meeting. It runs on my "
        f"computer only and, from the meeting window, estimates {what}. {mode} No video, "
        "images or recordings of you are stored or sent anywhere. If you prefer not to be "
        "included, turn off your camera or let me know and I will switch it off."
    )


def acknowledged(config_dir: Path) -> bool:
    """Whether the presenter has accepted the current notice on this install."""
    path = config_dir / ACK_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("version") == NOTICE_VERSION


def acknowledge(config_dir: Path, now: float | None = None) -> Path:
    """Remember that the current notice was accepted (first run is then over)."""
    path = config_dir / ACK_FILE
    record = {"version": NOTICE_VERSION, "accepted_at": time.time() if now is None else now}
    try:
        config_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc
    return path
