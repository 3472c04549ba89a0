"""A live command's terminal shows meetwatch's own lines only, and the overlay address stays.

mediapipe, TFLite and absl print a score of lines from C++ when their graphs start; the real
`meetwatch run` is run on a recorded gallery of real faces (the demo portraits, so no dataset
is needed) and everything it printed is searched for them.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import numpy as np

from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from meetwatch.native_logs import CHATTER
from tests.factories.cli import meetwatch
from tests.factories.meeting_clip import write_video

LIBRARY_WORDS = re.compile(r"TensorFlow|XNNPACK|absl|inference_feedback|\.cc:\d+\]|^[IWE]\d{4} ")


def _clip(path: Path) -> Path:
    faces = demo_faces(4, np.random.default_rng(1))
    image = render_gallery(faces, 4, "zoom", (960, 540), rng=np.random.default_rng(0)).image
    return write_video(path, [image] * 8, fps=2)


def test_live_run_prints_no_library_chatter_and_shows_the_overlay_address(
    tmp_path: Path,
) -> None:
    clip = _clip(tmp_path / "meeting.mp4")
    with socket.socket() as s:  # a free port, so parallel runs never clash on the default
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    done = meetwatch(tmp_path, "run", "--video", str(clip), "--rate", "2", "--port", port)
    assert done.returncode == 0, done.stderr
    lines = (done.stdout + done.stderr).splitlines()
    chatter = [line for line in lines if LIBRARY_WORDS.search(line)]
    assert chatter == [], "\n".join(chatter)
    # the live view (drawn last) repeats the overlay address on a line of its own
    view = lines[next(i for i, line in enumerate(lines) if line.startswith("● REC")) :]
    assert any(line.startswith("http://127.0.0.1:") for line in view), done.stdout


def test_chatter_pattern_knows_the_library_lines_and_nothing_else() -> None:
    library = [
        b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n",
        b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
        b"W0000 00:00:1796284000.288617    9006 inference_feedback_manager.cc:114] Feedback "
        b"manager requires a model with a single signature inference.\n",
        b"I0000 00:00:1796284000.288617    9006 gl_context.cc:357] GL version: 2.1\n",
    ]
    ours = [
        b"error: clip.mp4 does not exist\n",
        b"Traceback (most recent call last):\n",
        b"F0000 00:00:1796284000.288617    9006 graph.cc:1] Check failed: graph\n",
        b"WARNING meetwatch.app: no virtual camera backend\n",
    ]
    assert all(CHATTER.match(line) for line in library)
    assert not any(CHATTER.match(line) for line in ours)
