"""Emotion and attention model training (needs the optional `train` extra: torch) and
evaluation.

Only `train`, `model`, `export`, `finalize`, `distill`, `onnx_weights` and `attention` import
torch; `data`, `attention_data` and `evaluate` run on the product's own dependencies so
`meetwatch eval emotion` works on an installed product and the tests read the attention sets.
"""
