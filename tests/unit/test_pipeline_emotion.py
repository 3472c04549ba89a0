"""Attention-only switched on in the middle of a session stops the emotion model itself, not
only what leaves through the privacy gate: the next frame's faces carry no emotion at all."""

from __future__ import annotations

import numpy as np

from meetwatch.capture.frame import Frame
from meetwatch.config import Config
from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from meetwatch.pipeline import Perception


def test_stop_emotion_reads_no_face_for_emotion_from_the_next_frame() -> None:
    faces = demo_faces(4, np.random.default_rng(3))
    image = render_gallery(faces, 4, "zoom", (960, 540), rng=np.random.default_rng(0)).image
    perception = Perception(Config())
    try:
        before = perception(Frame(image, 0.0, 0, "test")).signals
        perception.stop_emotion()
        after = perception(Frame(image, 1.0, 1, "test")).signals
    finally:
        perception.close()
    assert before is not None and after is not None
    assert len(before) == len(after) == 4
    assert np.isfinite(before.emotion).all()  # the control: the model read every face
    assert np.isnan(after.emotion).all() and np.isnan(after.valence).all()
