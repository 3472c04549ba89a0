"""Finding the moments a presenter wants to revisit in a room time series.

Kept apart from rendering so that the HTML, PDF and JSON list exactly the same intervals,
and so the rules (what counts as "attention fell") are tested on plain arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Span:
    """Seconds [start, end) of the grid, with the mean of the series over them."""

    start: int  # grid index
    end: int  # grid index, exclusive
    mean: float


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of True as (start, end) index pairs, end exclusive."""
    padded = np.concatenate(([False], mask.astype(bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def low_intervals(values: np.ndarray, threshold: float, min_seconds: int) -> list[Span]:
    """Runs where the series stays below threshold for at least min_seconds.

    NaN (no faces, or no data that second) ends a run: an empty room is not an inattentive
    one, and a gap in the recording must not stitch two dips into one long one.
    """
    with np.errstate(invalid="ignore"):
        low = values < threshold
    return [
        Span(a, b, float(np.mean(values[a:b])))
        for a, b in runs(low)
        if b - a >= max(1, min_seconds)
    ]


def rolling_means(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of each window [i, i + window) over its known values; NaN where fewer than half
    of the window is known (so a window mostly made of gap cannot be "the lowest minute")."""
    known = ~np.isnan(values)
    sums = np.concatenate(([0.0], np.cumsum(np.where(known, values, 0.0))))
    counts = np.concatenate(([0], np.cumsum(known)))
    total = sums[window:] - sums[:-window]
    n = counts[window:] - counts[:-window]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n * 2 >= window, total / n, np.nan)


def extreme_windows(values: np.ndarray, window: int, count: int, highest: bool) -> list[Span]:
    """The `count` lowest (or highest) windows of `window` seconds, most extreme first, at
    least one window apart.

    Greedy: take the most extreme window, rule out every window closer than `window` to it,
    repeat. The gap keeps the moments distinct episodes: without it, one long dip would
    fill all the slots with its neighbouring minutes. A session shorter than two windows has
    no moments: its lowest and its highest window would be one and the same.
    """
    if window < 1 or len(values) < 2 * window:
        return []
    means = rolling_means(values, window)
    order = np.argsort(-means if highest else means, kind="stable")
    order = order[~np.isnan(means[order])]
    blocked = np.zeros(len(means), bool)  # window starts ruled out
    out: list[Span] = []
    for i in order.tolist():
        if len(out) == count:
            break
        if blocked[i]:
            continue
        blocked[max(0, i - 2 * window + 1) : i + 2 * window] = True
        out.append(Span(i, i + window, float(means[i])))
    return out


def nanmean(values: np.ndarray) -> float | None:
    """Mean of the known values, None when there are none (shown as a dash, not 0 %)."""
    known = values[~np.isnan(values)]
    return float(known.mean()) if len(known) else None
