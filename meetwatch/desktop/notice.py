"""Disclosure: what the presenter is told before watching, and what participants are told.

Emotion inference about people in a meeting is sensitive (the EU AI Act prohibits it in
workplaces and schools outside medical or safety reasons), so the presenter acknowledges the
notice once, sees it again at every session start, and gets a ready-made message for the
meeting chat that matches the privacy mode actually in use.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from meetwatch.config import Config
from meetwatch.errors import ConfigError

# Bump when the notice changes in substance, so everyone acknowledges the new text once.
NOTICE_VERSION = 1
ACK_FILE = "consent.json"


def is_aggregate_only(config: Config) -> bool:
    return config.privacy.mode == "aggregate_only"


def presenter_notice(config: Config) -> str:
    """Shown on first run and when a session starts."""
    scope = (
        "Aggregate-only mode is ON: only room-level figures are shown, sent and reported; "
        "nobody is measured individually on screen, in the feed or in reports."
        if is_aggregate_only(config)
        else "Individual figures are ON: each participant's attention and engagement appear "
        "in the overlay, the local feed and the reports. Switch to aggregate-only mode to "
        "keep room-level figures only."
    )
    labels = (
        "Participants are labelled with the names shown on their tiles."
        if config.privacy.names
        else 'Participants are labelled "Participant 1", "Participant 2", ... (no names).'
    )
    return "\n\n".join(
        [
            "meetwatch looks at the meeting window on this screen and estimates, for the faces "
            "it sees: whether people look at the screen, eye openness, head pose and facial "
            "expression (an emotion estimate), and from these an engagement score.",
            "Everything is computed and stored on this computer only. No face images are "
            "stored, nothing is uploaded, and the live feed is reachable from this computer "
            "only unless you allow LAN clients.",
            scope,
            labels,
            "Tell the people in the meeting before you start (use 'Copy participant notice'), "
            "and do not use the figures to judge or rank individuals. Emotion estimates are "
            "unreliable and may be unlawful to use in workplaces or schools.",
        ]
    )


def participant_notice(config: Config) -> str:
    """A message the presenter pastes into the meeting chat."""
    what = (
        "only anonymous room-level figures (overall attention and engagement) - nobody is "
        "measured individually"
        if is_aggregate_only(config)
        else "attention (looking at the screen), facial expression and engagement of each "
        "video tile, labelled by participant number"
    )
    return (
        "Note: I am using meetwatch during this meeting. It runs on my computer only and "
        f"estimates {what} from the meeting window. No video, images or recordings of you "
        "are stored or sent anywhere. If you prefer not to be included, turn off your camera "
        "or let me know and I will switch it off."
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
