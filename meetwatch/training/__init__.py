"""Emotion model training (needs the optional `train` extra: torch) and evaluation.

Only `train`, `model`, `export` and `finalize` import torch; `data` and `evaluate` run on the
product's own dependencies so `meetwatch eval emotion` works on an installed product.
"""
