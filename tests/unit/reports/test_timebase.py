"""Which clock a report speaks, what it says without data, images, and "latest".

The "lecture" session of the demo store is the demo meeting as a recording (video:lecture
3.mp4): participants 2 and 3 look away from 40 s to 70 s into the file.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from meetwatch.outputs.reports import build_report, load_report_data
from meetwatch.session.store import SessionStore
from meetwatch.shared import AttentionState
from tests.unit.reports.fixtures import OPTIONS
from tests.unit.reports.sessions import T0, scripted_session
from tests.unit.reports.test_formats import html_text

Reports = dict[str, dict[str, Path]]
CLOCK_TIME = re.compile(r"\b1[5-7]:\d\d\b")  # a time of day of the demo sessions (15:12...)


def summary(reports: Reports, sid: str) -> dict:
    return json.loads(reports[sid]["json"].read_text(encoding="utf-8"))


def test_a_recording_speaks_positions_in_the_file(reports: Reports) -> None:
    s = summary(reports, "lecture")
    assert s["schema_version"] == 2 and s["session"]["kind"] == "recording"
    (low,) = s["low_attention"]
    assert (low["start_time"], low["end_time"]) == ("00:00:40", "00:01:10")
    assert (low["start_s"], low["end_s"]) == (40, 70)
    assert [a["time"] for a in s["alerts"]] == ["00:01:10", "00:01:12"]
    assert "Attention fell below 50% from 00:00:40 to 00:01:10 (30 s)." in s["summary"]
    assert s["summary"][0].startswith("The recording ran 2 min 00 s, from 00:00:00 to 00:02:00")
    intro, questions = s["sections"]
    assert (intro["start_time"], questions["start_time"]) == ("00:00:00", "00:01:00")


def test_a_recordings_html_and_csv_have_no_time_of_day(reports: Reports) -> None:
    text = html_text(reports["lecture"]["html"])
    assert "Recording report" in text and "lecture 3.mp4" in text
    assert re.search(r"Attention below 50%.*00:00:40 00:01:10 30 s 33%", text)
    # the plots' axes too: every time shown is a position, none a time of day
    html = reports["lecture"]["html"].read_text(encoding="utf-8")
    ticks = re.findall(r">(\d\d:\d\d:\d\d)</text>", html)
    assert {"00:00:00", "00:01:00", "00:02:00"} <= set(ticks), ticks
    analysed = "2025-01-13 15:12"  # the facts say when it was analysed, once
    assert not CLOCK_TIME.search(text.replace(analysed, "")), text
    with reports["lecture"]["csv"].open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:3] == ["recording_time", "seconds_from_start", "participant_id"]
    away = [r for r in rows if r["attention"] == "away"]
    assert {r["recording_time"] for r in away} >= {"00:00:40", "00:01:09"}
    assert {float(r["seconds_from_start"]) for r in away} == set(range(40, 70))


def test_a_live_session_keeps_local_wall_clock(reports: Reports) -> None:
    s = summary(reports, "demo")
    assert s["session"]["kind"] == "live"
    (low,) = s["low_attention"]
    assert low["start_time"] == "2025-01-14T15:12:40+02:00" and low["start_s"] == 40
    with reports["demo"]["csv"].open(newline="", encoding="utf-8") as f:
        first = next(csv.DictReader(f))
    assert (first["time_local"], first["t"], first["seconds_from_start"]) == (
        "2025-01-14T15:12:00+02:00",
        str(T0),
        "0.0",
    )


def _store_with(tmp_path: Path, seconds: int, state: AttentionState, ended: bool) -> Path:
    path = tmp_path / "s.sqlite3"
    with SessionStore.open(path) as store:
        scripted_session(
            store, "s", seconds=seconds, script=lambda pid, second: state, sections=(), ended=ended
        )
    return path


def _report(path: Path, out: Path) -> dict[str, Path]:
    files = build_report(path, "s", formats=["html", "json", "pdf"], out_dir=out, options=OPTIONS)
    return {p.suffix[1:]: p for p in files}


def test_a_session_without_faces_says_so_and_concludes_nothing(tmp_path: Path) -> None:
    files = _report(_store_with(tmp_path, 60, "no_face", ended=True), tmp_path / "out")
    s = json.loads(files["json"].read_text())
    assert s["overall"]["seconds_with_faces"] == 0
    assert s["summary"][1] == (
        "No face was measured, so there is nothing to say about attention, engagement or emotion."
    )
    text = html_text(files["html"])
    assert "never stayed below" not in text and "No attention was measured" in text
    assert files["html"].read_text().count("<svg") == 2  # the heatmap only, desk and phone


def test_a_killed_session_with_seconds_of_data_draws_no_conclusion(tmp_path: Path) -> None:
    files = _report(_store_with(tmp_path, 5, "on_screen", ended=False), tmp_path / "out")
    s = json.loads(files["json"].read_text())
    assert s["session"]["partial"]
    assert not any("never stayed below" in line for line in s["summary"])
    assert any("only 5 s, too short to tell" in line for line in s["summary"]), s["summary"]


def test_an_image_gets_an_image_report(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with SessionStore.open(path) as store:
        scripted_session(store, "img", seconds=1, sections=(), source="image:class photo.png")
    files = build_report(path, "img", out_dir=tmp_path / "out", options=OPTIONS)
    by = {p.suffix[1:]: p for p in files}
    assert by["html"].name == "meetwatch-class-photo-img.html"
    s = json.loads(by["json"].read_text())
    assert s["session"]["kind"] == "image"
    assert s["summary"] == [
        "One image with 4 participants: 100% of the faces look at the screen, room engagement 80%."
    ]
    text = html_text(by["html"])
    assert "Image report" in text and "Length" not in text and "frames/s" not in text
    assert "over time" not in text  # no time charts
    assert re.search(r"Participant 4 camera off –", text)
    assert re.search(r"Participant 2 on screen 80%", text)
    assert by["html"].read_text().count("<svg") == 2  # one bar figure, desk and phone


def test_latest_is_the_last_real_session(tmp_path: Path) -> None:
    """An image (analysed with --store) or a session killed before its first sample is not
    what "report latest" means."""
    path = tmp_path / "s.sqlite3"
    with SessionStore.open(path) as store:
        scripted_session(store, "class", seconds=60)
        scripted_session(store, "photo", seconds=1, start=T0 + 100, source="image:a.png")
        scripted_session(store, "killed", seconds=0, start=T0 + 200, ended=False)
    assert load_report_data(path).facts.session_id == "class"


def test_recording_axes_start_at_zero(tmp_path: Path) -> None:
    from meetwatch.outputs.reports.figures import plot_view

    path = tmp_path / "s.sqlite3"
    with SessionStore.open(path) as store:
        scripted_session(store, "rec", seconds=30, sections=(), source="video:x.mp4")
    view = plot_view(load_report_data(path, "rec"), OPTIONS)
    assert view.recording and view.x[0] == pytest.approx(0.0)
