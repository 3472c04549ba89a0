"""`meetwatch analyze FOLDER` on a folder a teacher might have: two recorded lectures, a
screenshot, and a video that is corrupt, in nested folders.

The real command in a child process on real files (galleries of the portraits shipped with
scikit-image, encoded as mp4): one model load for the whole batch, the corrupt file's one
error line while the batch goes on, JSON Lines, what is stored, and `report latest`.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from tests.factories.cli import meetwatch, store_rows
from tests.factories.meeting_clip import write_video

pytestmark = pytest.mark.slow
LOAD_LINE = "loading the face and emotion models"
ANSWER = ("--used-in", "other", "--in-eu", "no")  # the first-run question, answered


@pytest.fixture(scope="module")
def term(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("term")
    faces = demo_faces(4, np.random.default_rng(1))
    gallery = render_gallery(faces, 4, "zoom", (960, 540), rng=np.random.default_rng(0)).image
    (folder / "week 2").mkdir()
    write_video(folder / "lecture 1.mp4", [gallery] * 8, fps=2)  # 4 s
    write_video(folder / "week 2" / "lecture 2.mp4", [gallery] * 6, fps=2)  # 3 s
    assert cv2.imwrite(str(folder / "week 2" / "board.png"), gallery)
    (folder / "week 2" / "broken.mp4").write_bytes(np.random.default_rng(0).bytes(30_000))
    (folder / "notes.txt").write_text("not a recording")
    return folder


def test_a_folder_is_one_batch_with_one_model_load(term: Path, tmp_path: Path) -> None:
    done = meetwatch(tmp_path, "analyze", str(term), "--json", "-v", *ANSWER)
    assert "Traceback" not in done.stderr
    assert done.returncode != 0, "a file failed, so the batch says so"
    assert done.stderr.count(LOAD_LINE) == 1, done.stderr  # not once per file
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "broken.mp4" in errors[0], errors
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [Path(x["path"]).name for x in lines] == [
        "lecture 1.mp4",
        "board.png",
        "broken.mp4",
        "lecture 2.mp4",
    ]
    first, board, broken, second = lines
    assert broken["error"] == errors[0].removeprefix("error: ")
    assert (first["frames_analysed"], second["frames_analysed"]) == (4, 3)
    assert board["frames_analysed"] == 1 and board["faces"] == 4
    for video in (first, second):
        assert video["session_id"] and video["faces"] == 4
        assert len(video["participants"]) == 4
    assert board["session_id"] is None  # an image is not a meeting: not stored
    stored = store_rows(tmp_path, "SELECT id, source FROM sessions ORDER BY started_at")
    assert stored == [
        (first["session_id"], "video:lecture 1.mp4"),
        (second["session_id"], "video:lecture 2.mp4"),
    ]
    # `report latest` is the last lecture, in recording time
    out = tmp_path / "reports"
    report = meetwatch(tmp_path, "report", "latest", "--format", "json", "--out", str(out))
    assert report.returncode == 0, report.stderr
    (summary,) = (json.loads(p.read_text()) for p in out.glob("*.json"))
    assert summary["session"]["session_id"] == second["session_id"]
    assert summary["session"]["kind"] == "recording"
    assert summary["summary"][0].startswith("The recording ran 3 s, from 00:00:00 to 00:00:03")


def test_images_are_stored_when_asked_and_the_table_sums_up(term: Path, tmp_path: Path) -> None:
    board = term / "week 2" / "board.png"
    done = meetwatch(
        tmp_path, "analyze", str(board), str(term / "lecture 1.mp4"), "--store", *ANSWER
    )
    assert done.returncode == 0, done.stderr
    assert "2 of 2 files analysed" in done.stdout
    assert "board.png" in done.stdout and "lecture 1.mp4" in done.stdout
    sources = {s for (s,) in store_rows(tmp_path, "SELECT source FROM sessions")}
    assert sources == {"image:board.png", "video:lecture 1.mp4"}


def test_an_image_report_without_storing_it(term: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    board = term / "week 2" / "board.png"
    done = meetwatch(tmp_path, "analyze", str(board), "--report", str(out), *ANSWER)
    assert done.returncode == 0, done.stderr
    assert sorted(p.suffix for p in out.iterdir()) == [".csv", ".html", ".json", ".pdf"]
    (summary,) = (json.loads(p.read_text()) for p in out.glob("*.json"))
    assert summary["session"]["kind"] == "image"
    assert not (tmp_path / "data" / "meetwatch" / "sessions.sqlite3").exists() or not store_rows(
        tmp_path, "SELECT id FROM sessions"
    )


def test_nothing_to_analyse_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = meetwatch(tmp_path, "analyze", str(tmp_path / "empty"), *ANSWER)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: no image or video file found in {tmp_path / 'empty'}"]


def test_run_video_records_positions_in_the_file(term: Path, tmp_path: Path) -> None:
    """The live path on a file: samples on the session clock (its start plus the position in
    the file), not the file's own seconds since 1970, and the report in recording time."""
    video = str(term / "lecture 1.mp4")
    done = meetwatch(tmp_path, "run", "--video", video, "--no-server", "--quiet", *ANSWER)
    assert done.returncode == 0, done.stderr
    ((started, source),) = store_rows(tmp_path, "SELECT started_at, source FROM sessions")
    assert source == "video:lecture 1.mp4"
    times = [t for (t,) in store_rows(tmp_path, "SELECT t FROM room_samples ORDER BY t")]
    assert times and times[0] == int(started)  # second 0 of the file is the session's first
    assert times[-1] < int(started) + 4  # a 4-second file (a busy machine may drop frames)
    out = tmp_path / "reports"
    report = meetwatch(tmp_path, "report", "--format", "json", "--out", str(out))
    assert report.returncode == 0, report.stderr
    (summary,) = (json.loads(p.read_text()) for p in out.glob("*.json"))
    assert summary["session"]["kind"] == "recording"
    assert "from 00:00:00 to 00:00:0" in summary["summary"][0], summary["summary"]
