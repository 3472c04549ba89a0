"""Interval and moment finding on plain arrays."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from meetwatch.outputs.reports.analysis import (
    extreme_windows,
    low_intervals,
    rolling_means,
    runs,
)


def test_runs_are_maximal_and_end_exclusive() -> None:
    mask = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1], bool)
    assert runs(mask) == [(0, 2), (4, 5), (6, 9)]
    assert runs(np.zeros(3, bool)) == []


def test_low_interval_needs_the_minimum_length() -> None:
    share = np.ones(100)
    share[10:39] = 0.3  # 29 s: too short
    share[50:80] = 0.4  # 30 s: listed
    found = low_intervals(share, 0.5, 30)
    assert [(s.start, s.end) for s in found] == [(50, 80)]
    assert found[0].mean == pytest.approx(0.4)


def test_a_gap_splits_a_low_interval() -> None:
    share = np.full(100, 0.2)
    share[40] = np.nan  # a second without data
    assert [(s.start, s.end) for s in low_intervals(share, 0.5, 30)] == [(0, 40), (41, 100)]


def test_threshold_is_strict() -> None:
    assert low_intervals(np.full(60, 0.5), 0.5, 30) == []


def test_rolling_means_ignore_unknown_values_but_not_mostly_unknown_windows() -> None:
    values = np.array([1.0, np.nan, 3.0, np.nan, np.nan, np.nan])
    means = rolling_means(values, 2)
    assert means[0] == 1.0 and means[1] == 3.0
    assert np.isnan(means[3]) and np.isnan(means[4])


def test_extreme_windows_are_distinct_episodes_best_first() -> None:
    values = np.full(600, 0.7)
    values[100:160] = 0.2
    values[400:460] = 0.3
    values[300] = 0.69  # the rest is flat: the third moment is the window around this dip
    low = extreme_windows(values, 60, 3, highest=False)
    assert [(w.start, w.end) for w in low[:2]] == [(100, 160), (400, 460)]
    assert low[0].mean < low[1].mean <= low[2].mean
    starts = sorted(w.start for w in low)
    assert all(b - a >= 2 * 60 for a, b in itertools.pairwise(starts))  # a window apart


def test_one_long_dip_gives_one_low_moment() -> None:
    values = np.full(600, 0.8)
    values[200:300] = 0.3
    low = extreme_windows(values, 60, 3, highest=False)
    assert low[0].start >= 200 and low[0].end <= 300
    assert low[0].mean == pytest.approx(0.3)
    assert [w.mean for w in low[1:]] == pytest.approx([0.8, 0.8])  # not the same dip again


def test_a_session_shorter_than_two_windows_has_no_moments() -> None:
    """Its lowest and highest minute would be the same window, read as both."""
    values = np.linspace(0, 1, 119)
    assert extreme_windows(values, 60, 3, highest=True) == []
    assert extreme_windows(values, 60, 3, highest=False) == []
    (low,) = extreme_windows(np.linspace(0, 1, 120), 60, 3, highest=False)
    assert (low.start, low.end) == (0, 60)
    assert extreme_windows(np.full(200, np.nan), 60, 3, highest=True) == []
