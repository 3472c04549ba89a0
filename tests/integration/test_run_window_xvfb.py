"""`meetwatch run --window` end to end on a real X display.

A real window titled like a Zoom meeting shows a gallery of real faces (the demo portraits
shipped in scikit-image and matplotlib, so this runs on a fresh machine); the real CLI finds
it by title, captures it with mss, and records a session that we then read from SQLite.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from tests.factories.cli import cli_env, rows_so_far, store_rows
from tests.integration.x11 import GalleryLauncher, wait_for

TITLE = "Zoom Meeting"
CAMERA_OFF = 5
LEAVER = 1


def _galleries() -> tuple[np.ndarray, np.ndarray]:
    faces = demo_faces(6, np.random.default_rng(3))
    full = render_gallery(
        faces, 6, "zoom", (1280, 720), camera_off={CAMERA_OFF}, rng=np.random.default_rng(0)
    )
    away = list(faces)
    away[LEAVER] = np.full_like(faces[0], 90)  # the participant stepped away from the camera
    gone = render_gallery(
        away, 6, "zoom", (1280, 720), camera_off={CAMERA_OFF}, rng=np.random.default_rng(0)
    )
    return full.image, gone.image


def _run(home: Path, *args: str) -> subprocess.Popen[str]:
    cmd = [
        sys.executable,
        "-m",
        "meetwatch",
        "run",
        "--window",
        TITLE,
        "--quiet",
        "--no-server",
        "--rate",
        "2",
        "--used-in",  # outside the EU's ban on emotion recognition: emotion is analysed
        "other",
        "--in-eu",
        "no",
        *args,
    ]
    return subprocess.Popen(
        cmd, env=cli_env(home), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _count(home: Path) -> int:
    return rows_so_far(home, "SELECT 1 FROM samples")


@pytest.mark.slow
def test_run_captures_window_and_records_participants(
    galleries: GalleryLauncher, tmp_path: Path
) -> None:
    full, gone = _galleries()
    # 4 s with everyone, 4 s with participant 2 away, round and round.
    galleries.show(TITLE, full, then=[gone], interval_ms=4000)
    proc = _run(tmp_path, "--duration", "12")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    ((session_id, source, ended),) = store_rows(
        tmp_path, "SELECT id, source, ended_at FROM sessions"
    )
    assert TITLE in source and ended is not None
    participants = store_rows(
        tmp_path, "SELECT participant_id, slot FROM participants ORDER BY slot"
    )
    assert [slot for _, slot in participants] == list(range(6))
    states: dict[int, Counter[str]] = {}
    for slot, attention in store_rows(
        tmp_path,
        "SELECT p.slot, s.attention FROM samples s JOIN participants p "
        "USING (session_id, participant_id)",
    ):
        states.setdefault(slot, Counter())[attention] += 1
    seconds = len({t for (t,) in store_rows(tmp_path, "SELECT DISTINCT t FROM samples")})
    assert seconds >= 8, "about one sample per participant per second"
    assert all(sum(c.values()) == seconds for c in states.values())
    assert set(states[CAMERA_OFF]) == {"camera_off"}
    assert states[LEAVER]["no_face"] >= 2 and states[LEAVER]["on_screen"] >= 2
    for slot in (0, 2, 3, 4):
        assert states[slot]["on_screen"] >= seconds - 2, states[slot]
    emotions = store_rows(
        tmp_path,
        f"SELECT happy + sad + neutral + angry + fear + surprise + disgust FROM samples "
        f"WHERE attention = 'on_screen' AND session_id = '{session_id}'",
    )
    assert emotions and all(abs(total - 1) < 1e-3 for (total,) in emotions)


@pytest.mark.slow
def test_kill_9_keeps_every_sample_written_before(
    galleries: GalleryLauncher, tmp_path: Path
) -> None:
    full, _ = _galleries()
    galleries.show(TITLE, full)
    proc = _run(tmp_path)
    try:
        wait_for(lambda: _count(tmp_path) >= 6 * 5, "five seconds of samples", timeout=90)
        before = set(store_rows(tmp_path, "SELECT participant_id, t, attention FROM samples"))
        time.sleep(1.5)
        killed_at = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    after = set(store_rows(tmp_path, "SELECT participant_id, t, attention FROM samples"))
    assert before <= after
    # A sample stamped t covers [t, t + 1) and is committed as soon as a frame past t + 1 is
    # analysed: what is lost is the second in progress plus the analysis time of one frame
    # (0.5 s between frames at 2 Hz, up to a second of analysis on a loaded 2-core machine).
    covered_until = max(t for _, t, _ in after) + 1.0
    assert covered_until >= killed_at - 2.0, f"lost {killed_at - covered_until:.1f} s"
    ((ended,),) = store_rows(tmp_path, "SELECT ended_at FROM sessions")
    assert ended is None  # the session was cut off, not ended cleanly
