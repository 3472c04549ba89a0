"""Calibrated emotion probabilities: a temperature, and how far confidence is from accuracy.

A network trained with soft targets and weight averaging is rarely calibrated out of the box,
yet the product shows a top emotion only above a confidence threshold and averages
probabilities into the room's emotion mix: both read the probabilities as chances. One
temperature fitted on PublicTest (numpy only, so the product applies it without torch) makes
them so without changing any face's top class.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-7


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits / T) from softmax(logits): p ** (1 / T), renormalised, in log space."""
    if temperature == 1.0 or len(probs) == 0:
        return probs
    logp = np.log(np.clip(probs, _EPS, 1.0)) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    out = np.exp(logp)
    return (out / out.sum(axis=1, keepdims=True)).astype(np.float32)


def negative_log_likelihood(probs: np.ndarray, labels: np.ndarray) -> float:
    return float(-np.log(np.clip(probs[np.arange(len(labels)), labels], _EPS, 1.0)).mean())


def fit_temperature(probs: np.ndarray, labels: np.ndarray) -> float:
    """The temperature in [0.25, 5] with the lowest negative log-likelihood (grid, then refine)."""
    grid = np.exp(np.linspace(np.log(0.25), np.log(5.0), 61))
    best = 1.0
    for _ in range(3):
        nll = [negative_log_likelihood(apply_temperature(probs, float(t)), labels) for t in grid]
        i = int(np.argmin(nll))
        best = float(grid[i])
        grid = np.linspace(grid[max(0, i - 1)], grid[min(len(grid) - 1, i + 1)], 21)
    return round(best, 3)


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by their size."""
    conf = probs.max(axis=1)
    right = probs.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.sum() * abs(right[inside].mean() - conf[inside].mean())
    return float(total / max(1, len(labels)))
