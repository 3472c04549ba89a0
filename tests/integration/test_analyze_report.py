"""`meetwatch analyze clip.mp4 --report DIR --json` on a recorded meeting with a known script.

The real command in a child process: the mp4 file is decoded, split into tiles, faces are found
and analysed, participants tracked, the analysis recorded as a session and the report built
from the store. We then check what a person would see: the JSON result, the report's summary,
the CSV, the HTML in headless Chromium and the PDF pages (screenshots go to the artifacts
folder). The clip's script lives in tests/factories/meeting_clip.py.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from meetwatch.analysis.headpose import head_pose
from meetwatch.capture.frame import Frame
from meetwatch.faces.finder import FaceFinder
from meetwatch.layout import split_tiles
from meetwatch.outputs.live.palette import ATTENTION_COLORS
from meetwatch.outputs.reports.clock import position
from tests.factories import meeting_clip as clip
from tests.factories.cli import meetwatch
from tests.integration.test_reports_render import (
    needs_chromium,
    needs_poppler,
    pdf_pages,
    pdf_text,
    pixels_of,
    screenshot,
)

pytestmark = [pytest.mark.slow, pytest.mark.data]
TOLERANCE_S = 2.0


@dataclass(frozen=True)
class Analysed:
    clip: clip.MeetingClip
    result: dict[str, Any]
    report: dict[str, Path]
    summary: dict[str, Any]


@pytest.fixture(scope="module")
def analysed(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Analysed:
    home = tmp_path_factory.mktemp("analyze")
    recorded = clip.write_meeting_clip(data_dir, home / "meeting.mp4")
    out = home / "report"
    done = meetwatch(home, "analyze", str(recorded.path), "--report", str(out), "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    files = {p.suffix[1:]: p for p in out.iterdir()}
    assert sorted(files) == ["csv", "html", "json", "pdf"]
    return Analysed(recorded, json.loads(done.stdout), files, json.loads(files["json"].read_text()))


def _decoded_frames(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while (ok_frame := capture.read())[0]:
        frames.append(ok_frame[1])
    capture.release()
    return frames


def test_the_clip_shows_what_its_script_says(analysed: Analysed) -> None:
    """Guards the hard-coded faces: a change in the data or in FaceFinder shows up here,
    not as a puzzling attention mix below."""
    frames = _decoded_frames(analysed.clip.path)
    assert len(frames) == clip.SECONDS * clip.FPS
    finder = FaceFinder()
    try:
        for t, looking_away in ((5, False), ((clip.AWAY_FROM + clip.AWAY_UNTIL) // 2, True)):
            frame = Frame(frames[t * clip.FPS], float(t), t, "clip")
            faces = finder.find(frame, split_tiles(frame))
            poses = head_pose(faces.landmarks, frame.size).reshape(-1, 3)
            yaw = dict(zip(faces.slots.tolist(), poses[:, 0].tolist(), strict=True))
            assert sorted(yaw) == [0, 1, 2, 3, 4], "one face in every tile but the camera-off one"
            for slot, degrees in yaw.items():
                if looking_away and slot in clip.LOOKERS:
                    assert abs(degrees) > 40, (t, slot, degrees)
                else:
                    assert abs(degrees) < 20, (t, slot, degrees)
    finally:
        finder.close()


def test_json_result_lists_every_participant_with_their_attention(analysed: Analysed) -> None:
    r = analysed.result
    assert r["session_id"] and r["frames_analysed"] == clip.SECONDS
    assert (r["tiles"], r["layout"], r["faces"]) == (clip.TILES, "grid", clip.TILES - 1)
    by_slot = {p["slot"]: p for p in r["participants"]}
    assert sorted(by_slot) == list(range(clip.TILES))
    away_share = (clip.AWAY_UNTIL - clip.AWAY_FROM) / clip.SECONDS
    for slot, p in by_slot.items():
        assert p["seconds_seen"] == clip.SECONDS
        attention = p["attention"]
        if slot == clip.CAMERA_OFF:
            assert attention == {"camera_off": 1.0}
            assert p["mean_engagement"] is None
        elif slot in clip.LOOKERS:
            assert set(attention) == {"on_screen", "away"}, attention
            assert attention["away"] == pytest.approx(away_share, abs=0.05)
        else:
            assert attention == {"on_screen": 1.0}
            assert p["mean_engagement"] > 0.5


def test_report_summary_finds_the_low_attention_interval(analysed: Analysed) -> None:
    s = analysed.summary
    session = s["session"]
    assert session["session_id"] == analysed.result["session_id"]
    assert not session["partial"] and session["participants_seen"] == clip.TILES
    assert session["seconds_with_data"] == clip.SECONDS
    assert session["kind"] == "recording"
    (low,) = s["low_attention"]
    # times are positions in the recording
    start, end = low["start_s"], low["end_s"]
    assert (low["start_time"], low["end_time"]) == (position(start), position(end))
    assert start == pytest.approx(clip.AWAY_FROM, abs=TOLERANCE_S)
    assert end == pytest.approx(clip.AWAY_UNTIL, abs=TOLERANCE_S)
    assert low["mean_attention_share"] == pytest.approx(2 / 5)  # 2 of 5 faces on screen
    people = {p["participant_id"]: p for p in s["participants"]}
    assert len(people) == clip.TILES
    off = [p for p in people.values() if p["seconds_camera_off"] == clip.SECONDS]
    assert len(off) == 1 and off[0]["attentive_share"] is None
    shares = sorted(p["attentive_share"] for p in people.values() if p["seconds_with_face"])
    assert shares[:3] == [pytest.approx(1 - (end - start) / clip.SECONDS, abs=0.05)] * 3
    assert shares[3:] == [1.0, 1.0]
    sentence = f"Attention fell below 50% from {low['start_time']} to {low['end_time']}"
    assert any(line.startswith(sentence) for line in s["summary"]), s["summary"]


def test_csv_has_one_row_per_participant_and_second(analysed: Analysed) -> None:
    with analysed.report["csv"].open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == clip.TILES * clip.SECONDS
    assert Counter(r["participant_id"] for r in rows) == {
        str(i): clip.SECONDS for i in range(1, clip.TILES + 1)
    }
    assert {float(r["seconds_from_start"]) for r in rows} == set(range(clip.SECONDS))
    assert rows[0]["recording_time"] == "00:00:00" and rows[-1]["recording_time"] == "00:00:59"
    low = analysed.summary["low_attention"][0]
    during = [
        r for r in rows if low["start_s"] + 3 <= float(r["seconds_from_start"]) < low["end_s"] - 3
    ]
    away = [r for r in during if r["attention"] == "away"]
    assert len(away) == 3 * len({r["seconds_from_start"] for r in during})
    # head pose (smoothed) of the people looking away is turned far to the side
    assert all(abs(float(r["yaw"])) > 30 for r in away)


@needs_chromium
def test_html_report_shows_the_away_interval(
    analysed: Analysed, tmp_path: Path, artifacts_dir: Path
) -> None:
    image = screenshot(
        tmp_path, analysed.report["html"], artifacts_dir / "analyze-report.png", 1200, 3000
    )
    # the per-participant heatmap paints 3 rows amber for 35 of 60 s
    assert pixels_of(image, ATTENTION_COLORS["away"]) > 5_000
    assert pixels_of(image, ATTENTION_COLORS["on_screen"]) > 5_000


@needs_poppler
def test_pdf_report_pages(analysed: Analysed, tmp_path: Path, artifacts_dir: Path) -> None:
    pages = pdf_pages(analysed.report["pdf"], tmp_path / "page")
    assert pages
    for i, page in enumerate(pages, start=1):
        shutil.copy(page, artifacts_dir / f"analyze-report-pdf-{i}.png")
    text = re.sub(r"\s+", " ", pdf_text(analysed.report["pdf"]))
    low = analysed.summary["low_attention"][0]
    assert f"Attention fell below 50% from {low['start_time']} to {low['end_time']}" in text
    assert all(f"Participant {i}" in text for i in range(1, clip.TILES + 1))
