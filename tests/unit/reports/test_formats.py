"""What each report file says about the demo sessions (known behaviour, see sessions.py).

The demo: 4 participants for 120 s from 15:12:00; participants 2 and 3 look away from 40 s to
70 s (room attention 1/3, below 50%), participant 4 has the camera off throughout; sections
"Introduction" (0 s) and "Questions" (60 s).
"""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from meetwatch.outputs.reports import SUMMARY_SCHEMA_VERSION, ReportSummary
from tests.unit.reports.sessions import T0

Reports = dict[str, dict[str, Path]]


class _Text(HTMLParser):
    """The text a reader sees: no tags, no style sheet, no SVG internals other than text."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def summary(reports: Reports, sid: str) -> dict:
    return json.loads(reports[sid]["json"].read_text(encoding="utf-8"))


def test_every_format_is_written(reports: Reports) -> None:
    assert set(reports["demo"]) == {"html", "pdf", "csv", "json"}
    assert reports["demo"]["pdf"].read_bytes().startswith(b"%PDF")
    assert not list(reports["demo"]["html"].parent.glob(".*.tmp"))  # no temporary left over


def test_json_is_a_valid_versioned_summary(reports: Reports) -> None:
    data = summary(reports, "demo")
    assert data["schema_version"] == SUMMARY_SCHEMA_VERSION
    ReportSummary.model_validate(data)  # the file matches the documented model
    s = data["session"]
    assert s["duration_s"] == 120 and s["participants_seen"] == 4 and not s["partial"]
    assert s["started_local"] == "2025-01-14T15:12:00+02:00"


def test_low_attention_interval_is_found_in_json(reports: Reports) -> None:
    (interval,) = summary(reports, "demo")["low_attention"]
    assert interval["start"] == pytest.approx(T0 + 40, abs=2)
    assert interval["end"] == pytest.approx(T0 + 70, abs=2)
    assert interval["mean_attention_share"] == pytest.approx(1 / 3, abs=0.01)


def test_summary_sentence_names_the_interval(reports: Reports) -> None:
    sentences = summary(reports, "demo")["summary"]
    assert "Attention fell below 50% from 15:12:40 to 15:13:10 (30 s)." in sentences


def test_html_lists_the_interval_and_the_sections(reports: Reports) -> None:
    text = html_text(reports["demo"]["html"])
    assert "Attention fell below 50% from 15:12:40 to 15:13:10" in text
    assert re.search(r"Attention below 50%.*15:12:40 15:13:10 30 s 33%", text)
    assert re.search(r"Introduction 15:12:00 15:13:00 1 min 00 s", text)
    assert re.search(r"Questions 15:13:00 15:14:00 1 min 00 s", text)


def test_sections_split_the_session(reports: Reports) -> None:
    intro, questions = summary(reports, "demo")["sections"]
    assert (intro["title"], questions["title"]) == ("Introduction", "Questions")
    assert intro["end"] == questions["start"] == T0 + 60
    # 40-60 s of the dip fall in the introduction, 60-70 s in the questions
    assert (intro["low_attention_seconds"], questions["low_attention_seconds"]) == (20, 10)
    assert intro["mean_attention_share"] < questions["mean_attention_share"]


def test_low_and_high_moments(reports: Reports) -> None:
    data = summary(reports, "demo")
    low, high = data["low_moments"][0], data["high_moments"][0]
    assert low["duration_s"] == 60 and low["start"] <= T0 + 40 and low["end"] >= T0 + 70
    assert low["mean_engagement"] < high["mean_engagement"]


def test_participant_counts_and_durations(reports: Reports) -> None:
    people = {p["label"]: p for p in summary(reports, "demo")["participants"]}
    assert list(people) == [f"Participant {i}" for i in (1, 2, 3, 4)]
    assert all(p["seconds_present"] == 120 for p in people.values())
    assert people["Participant 1"]["attentive_share"] == 1.0
    assert people["Participant 2"]["attentive_share"] == pytest.approx(90 / 120)
    camera_off = people["Participant 4"]
    assert camera_off["seconds_with_face"] == 0 and camera_off["seconds_camera_off"] == 120
    assert camera_off["attentive_share"] is None
    # nobody is named by their emotion: participant rows carry none, in JSON or HTML
    assert not [key for p in people.values() for key in p if "emotion" in key]
    text = html_text(reports["demo"]["html"])
    assert re.search(r"Participant 4 2 min 00 s 0 s 2 min 00 s – –", text)
    assert "Emotions" not in text


def test_alerts_are_listed_with_who(reports: Reports) -> None:
    alerts = summary(reports, "demo")["alerts"]
    assert [(a["kind"], a["state"]) for a in alerts] == [
        ("low_attention", "raised"),
        ("participant_away", "raised"),
        ("low_attention", "cleared"),
    ]
    assert alerts[1]["participant"] == "Participant 2"
    assert "15:13:10 room attention under 50% for 30 s raised room" in html_text(
        reports["demo"]["html"]
    )


def test_csv_has_one_row_per_participant_per_second(reports: Reports) -> None:
    with reports["demo"]["csv"].open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 * 120
    assert {r["label"] for r in rows} == {f"Participant {i}" for i in (1, 2, 3, 4)}
    away = [r for r in rows if r["attention"] == "away"]
    assert len(away) == 2 * 30
    assert {float(r["t"]) - T0 for r in away} == set(range(40, 70))
    p4 = [r for r in rows if r["participant_id"] == "4"]
    assert all(r["attention"] == "camera_off" and r["engagement"] == "" for r in p4)
    assert rows[0]["time_local"] == "2025-01-14T15:12:00+02:00"
    assert float(rows[0]["happy"]) + float(rows[0]["neutral"]) == pytest.approx(1)


def test_aggregate_only_has_no_individual_in_any_format(reports: Reports) -> None:
    agg = reports["agg"]
    data = summary(reports, "agg")
    assert "participants" not in data
    assert data["session"]["participants_seen"] == 4  # counted, not described
    assert all(a["participant"] is None for a in data["alerts"])
    assert len(data["low_attention"]) == 1  # room findings are all there
    with agg["csv"].open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 120
    assert "participant_id" not in rows[0] and "label" not in rows[0]
    assert rows[50]["on_screen"] == "1" and rows[50]["camera_off"] == "1"
    for path in (agg["html"], agg["json"], agg["csv"]):
        assert not re.search(r"Participant \d", path.read_text(encoding="utf-8")), path.name
    html = agg["html"].read_text(encoding="utf-8")
    assert 'id="heatmap"' not in html and 'id="participants"' not in html


def test_partial_session_is_reported_so_far(reports: Reports) -> None:
    data = summary(reports, "running")
    assert data["session"]["partial"] is True and data["session"]["ended_at"] is None
    assert data["session"]["duration_s"] == 90
    assert any("no recorded end" in s for s in data["summary"])
    html = reports["running"]["html"].read_text(encoding="utf-8")
    assert 'id="partial"' in html and "so far" in html_text(reports["running"]["html"])
    assert 'id="partial"' not in reports["demo"]["html"].read_text(encoding="utf-8")


def test_html_is_self_contained(reports: Reports) -> None:
    html = reports["demo"]["html"].read_text(encoding="utf-8")
    assert "<link" not in html and "<script" not in html and "@import" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert html.count("<svg") == 8  # engagement, attention, emotions, heatmap; desk and phone
    assert "@media print" in html and "@media (max-width" in html


def test_emotion_colours_come_from_the_shared_palette(reports: Reports) -> None:
    from meetwatch.outputs.live.palette import EMOTION_COLORS, hex_color

    html = reports["demo"]["html"].read_text(encoding="utf-8").lower()
    for emotion in ("happy", "neutral"):
        assert hex_color(EMOTION_COLORS[emotion]) in html
