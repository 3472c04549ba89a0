"""Keys that earlier versions read, still accepted for one release so users' files load.

A removed key would otherwise make the whole file fail with "unknown key". Each entry says
what replaces it; where the old value has a meaning in the new keys it is carried over (an
`analysis.emotion = false` must keep emotion off, or upgrading would switch it back on), and
a key the user also set in its new form keeps the new form's value.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

Carried = dict[str, dict[str, Any]]  # section -> key -> value in the new keys


@dataclass(frozen=True)
class Deprecated:
    replacement: str  # what to write instead, in the warning's words
    carry: Callable[[Any], Carried] | None = None  # the old value in the new keys


def _emotion(value: Any) -> Carried:
    return {"privacy": {"attention_only": True}} if value is False else {}


DEPRECATED: dict[tuple[str, str], Deprecated] = {
    ("analysis", "emotion"): Deprecated(
        "privacy.attention_only (emotion = false is read as attention_only = true)", _emotion
    ),
    ("tracking", "gaze_tolerance"): Deprecated(
        "tracking.yaw_tolerance and tracking.pitch_tolerance, which judge head and eye turn "
        "together in degrees (the old value is ignored)"
    ),
    ("tracking", "eyes_closed_threshold"): Deprecated(
        "tracking.eyes_closed_confidence: closed eyes are read by the attention model from the "
        "face's pixels, not from the eye aspect ratio (the old value is ignored)"
    ),
    ("tracking", "uncalibrated_tolerance_factor"): Deprecated(
        "nothing: until a participant is calibrated the attention model judges whether they "
        "look at the camera (the old value is ignored)"
    ),
    ("privacy", "names"): Deprecated(
        'nothing: participants are always "Participant N" (names were never read from the '
        "tiles; the old value is ignored)"
    ),
    ("aggregation", "history_seconds"): Deprecated(
        "nothing: the overlays keep the last ten minutes for their trend line (the old value "
        "is ignored)"
    ),
}

_warned: set[tuple[str, str, str]] = set()  # (file, section, key): each said once a process


def without_deprecated(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """`raw` without the deprecated keys, their meaning carried over, each one warned about
    once per file: the CLI reads its config more than once a run."""
    out = dict(raw)
    carried: Carried = {}
    for (section, key), entry in DEPRECATED.items():
        table = out.get(section)
        if not isinstance(table, dict) or key not in table:
            continue
        out[section] = {k: v for k, v in table.items() if k != key}
        if entry.carry is not None:
            for target, values in entry.carry(table[key]).items():
                carried.setdefault(target, {}).update(values)
        if (source, section, key) not in _warned:
            _warned.add((source, section, key))
            log.warning(
                "%s: %s.%s is no longer read; use %s", source, section, key, entry.replacement
            )
    for section, values in carried.items():
        table = out.get(section, {})
        if isinstance(table, dict):  # a wrong type is reported by validation as before
            out[section] = {**values, **table}
    return out
