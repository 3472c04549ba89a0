"""How figures read as text, the same in the terminal, the reports and the video annotations."""

from __future__ import annotations


def percent(value: float | None, missing: str = "–") -> str:
    """0.473 -> "47%"; None (nothing measured) -> `missing`, never a made-up 0 %."""
    return missing if value is None else f"{value:.0%}"
