"""Per-face signals: emotion, head pose, gaze, eye openness, attention."""
