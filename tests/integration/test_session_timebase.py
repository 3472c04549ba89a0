"""One session runner for live and batch: a recording's frames are mapped onto the session's
clock in one place, so `run --video` (live threads) and `analyze` (one loop, nothing dropped)
both store their samples inside the session, from its start, and the report starts there.

The real command in a child process on a real clip (a gallery of portraits, encoded as mp4).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from tests.factories.cli import meetwatch, store_rows
from tests.factories.meeting_clip import write_video

pytestmark = pytest.mark.slow
ANSWER = ("--used-in", "other", "--in-eu", "no")  # the first-run question, answered
FRAMES, FPS = 12, 2  # a 6-second recording


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    faces = demo_faces(4, np.random.default_rng(1))
    gallery = render_gallery(faces, 4, "zoom", (960, 540), rng=np.random.default_rng(0)).image
    return write_video(tmp_path_factory.mktemp("clip") / "talk.mp4", [gallery] * FRAMES, FPS)


def _session(home: Path) -> tuple[str, float, float]:
    ((session_id, started, ended),) = store_rows(
        home, "SELECT id, started_at, ended_at FROM sessions"
    )
    return session_id, started, ended


def _sample_times(home: Path) -> list[float]:
    return [t for (t,) in store_rows(home, "SELECT t FROM room_samples ORDER BY t")]


def test_run_video_samples_lie_inside_the_session_and_the_report_starts_with_it(
    clip: Path, tmp_path: Path
) -> None:
    done = meetwatch(
        tmp_path, "run", "--video", str(clip), "--rate", "2", "--no-server", "--quiet", *ANSWER
    )
    assert done.returncode == 0, done.stderr
    _, started, ended = _session(tmp_path)
    assert started == int(started)  # whole: second k of the file is the session's second k
    times = _sample_times(tmp_path)
    assert times, "no sample stored"
    assert all(started <= t <= ended for t in times), (started, ended, times)
    assert ended - started <= FRAMES / FPS + 0.5  # the recording's length, not the wall's
    out = tmp_path / "reports"
    report = meetwatch(tmp_path, "report", "--format", "json", "--out", str(out))
    assert report.returncode == 0, report.stderr
    (summary,) = (json.loads(p.read_text()) for p in out.glob("*.json"))
    assert summary["session"]["started_at"] == started
    assert "from 00:00:00" in summary["summary"][0], summary["summary"]


def test_analyze_stores_every_frame_on_the_session_clock(clip: Path, tmp_path: Path) -> None:
    done = meetwatch(tmp_path, "analyze", str(clip), "--rate", "2", "--json", *ANSWER)
    assert done.returncode == 0, done.stderr
    (result,) = (json.loads(line) for line in done.stdout.splitlines())
    assert result["frames_analysed"] == FRAMES  # batch mode drops nothing
    session_id, started, ended = _session(tmp_path)
    assert result["session_id"] == session_id
    assert started == int(started) and ended == started + FRAMES / FPS
    # one sample for every second of the recording, at the session start plus its position
    assert _sample_times(tmp_path) == [started + k for k in range(FRAMES // FPS)]
