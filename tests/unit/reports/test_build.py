"""build_report and combine_reports: choosing sessions, errors a user can cause, old stores."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from meetwatch.errors import ConfigError, OutputError, StoreError
from meetwatch.outputs.reports import (
    ReportOptions,
    build_report,
    combine_reports,
    load_report_data,
)
from meetwatch.session.store import SessionStore
from tests.unit.reports.fixtures import OPTIONS
from tests.unit.reports.sessions import T0, demo_script, scripted_session, session_info

SCHEMA_V1 = Path(__file__).parents[1] / "session" / "schema_v1.sql"


def test_latest_is_the_newest_session(demo_store: Path, tmp_path: Path) -> None:
    (path,) = build_report(demo_store, formats=["json"], out_dir=tmp_path, options=OPTIONS)
    assert json.loads(path.read_text())["session"]["session_id"] == "running"
    assert path.name == "meetwatch-20250114-1712-running.json"


def test_unknown_session_is_a_store_error(demo_store: Path, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no session 'nope'"):
        build_report(demo_store, "nope", out_dir=tmp_path)


def test_missing_store_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite3"
    with pytest.raises(StoreError, match="no session store"):
        build_report(missing, out_dir=tmp_path)
    assert not missing.exists()


def test_session_without_samples_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with SessionStore.open(path) as store:
        store.start_session(session_info("empty"), "{}")
    with pytest.raises(StoreError, match="no samples yet"):
        build_report(path, "empty", out_dir=tmp_path)


@pytest.mark.parametrize("where", ["file", "under_file"])
def test_unwritable_output_folder(demo_store: Path, tmp_path: Path, where: str) -> None:
    a_file = tmp_path / "report.txt"
    a_file.write_text("not a folder")
    out = a_file if where == "file" else a_file / "reports"
    with pytest.raises(OutputError, match="report folder"):
        build_report(demo_store, "demo", out_dir=out)


def test_unknown_format_is_named(demo_store: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="docx"):
        build_report(demo_store, "demo", formats=["html", "docx"], out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing written before the check


def test_bad_options_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        ReportOptions(low_attention_threshold=1.5)
    with pytest.raises(ConfigError):
        ReportOptions(low_attention_min_seconds=0)


def test_interval_rules_are_parameters(demo_store: Path) -> None:
    from meetwatch.outputs.reports import summarize

    data = load_report_data(demo_store, "demo")
    assert (
        summarize(data, ReportOptions(tz=OPTIONS.tz, low_attention_min_seconds=31)).low_attention
        == []
    )
    stricter = summarize(data, ReportOptions(tz=OPTIONS.tz, low_attention_threshold=0.2))
    assert stricter.low_attention == []
    looser = summarize(data, ReportOptions(tz=OPTIONS.tz, low_attention_min_seconds=10))
    assert len(looser.low_attention) == 1


def test_report_of_a_session_being_recorded(tmp_path: Path) -> None:
    """The recorder keeps writing while a report reads; the report covers what was there."""
    path = tmp_path / "s.sqlite3"
    with SessionStore.open(path) as writer:
        scripted_session(writer, "live", seconds=45, ended=False)
        (json_path,) = build_report(
            path, "live", formats=["json"], out_dir=tmp_path, options=OPTIONS
        )
        scripted_session(writer, "other", seconds=5)  # writing goes on afterwards
    s = json.loads(json_path.read_text())["session"]
    assert s["partial"] and s["duration_s"] == 45


def test_old_schema_store_is_reported_as_it_is(tmp_path: Path) -> None:
    """A report opens the store read-only: a version-1 file is read without the upgrade (its
    rows have no attention counts) and not one byte of it changes."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_V1.read_text())
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO sessions VALUES ('v1', ?, ?, 'video:x.mp4', 5, 'individual', '0.0.1', '{}')",
        (T0, T0 + 60),
    )
    for s in range(60):
        share = 0.25 if 10 <= s < 50 else 1.0
        conn.execute(
            "INSERT INTO room_samples (session_id, t, engagement, attention_share, "
            "participants_total, participants_with_face, happy, neutral) "
            "VALUES ('v1', ?, 0.6, ?, 4, 4, 0.2, 0.8)",
            (T0 + s, share),
        )
        for pid in (1, 2):
            conn.execute(
                "INSERT INTO samples (session_id, participant_id, t, attention, engagement) "
                "VALUES ('v1', ?, ?, ?, 0.6)",
                (pid, T0 + s, demo_script(pid, s)),
            )
    conn.commit()
    conn.close()
    before = path.read_bytes()
    csv_path, json_path = build_report(
        path, "v1", formats=["json", "csv"], out_dir=tmp_path, options=OPTIONS
    )
    data = json.loads(json_path.read_text())
    (interval,) = data["low_attention"]
    assert (interval["start"], interval["end"]) == (T0 + 10, T0 + 50)
    assert len(csv_path.read_text().splitlines()) == 1 + 2 * 60
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("old.")) == [
        "old.sqlite3"
    ]
    assert load_report_data(path, "v1").room.attention_counts.shape == (60, 5)
    assert np.isnan(load_report_data(path, "v1").room.attention_counts).all()


def test_combine_compares_sessions_and_sections(demo_store: Path, tmp_path: Path) -> None:
    paths = combine_reports(demo_store, ["demo", "agg"], tmp_path, options=OPTIONS)
    assert [p.suffix for p in paths] == [".html", ".pdf", ".csv", ".json"]  # every default
    assert paths[1].read_bytes().startswith(b"%PDF")
    with paths[2].open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["session_id"], r["low_attention_seconds"]) for r in rows] == [
        ("demo", "30"),
        ("agg", "30"),
    ]
    data = json.loads(paths[3].read_text())
    assert [s["session_id"] for s in data["sessions"]] == ["demo", "agg"]
    assert data["section_titles"] == ["Introduction", "Questions"]
    demo, agg = data["sessions"]
    assert demo["mean_engagement"] == pytest.approx(agg["mean_engagement"])  # same meeting
    assert demo["low_attention_seconds"] == 30 and demo["alerts_raised"] == 2
    html = paths[0].read_text()
    assert html.count("<svg") == 2 and not re.search(r"Participant \d", html)  # desk, phone
    assert "2025-01-14 15:12" in html and "2025-01-14 16:12" in html


def test_combine_accepts_loaded_sessions_from_several_stores(
    demo_store: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.sqlite3"
    with SessionStore.open(other) as store:
        scripted_session(store, "elsewhere", seconds=60)
    loaded = [load_report_data(demo_store, "demo"), load_report_data(other, "elsewhere")]
    (path,) = combine_reports(None, loaded, tmp_path / "out", formats=["json"], options=OPTIONS)
    names = [s["name"] for s in json.loads(path.read_text())["sessions"]]
    assert len(set(names)) == 2  # same start minute: told apart by id


def test_combine_needs_sessions_and_a_store_for_ids(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        combine_reports(None, [], tmp_path)
    with pytest.raises(ConfigError, match="store"):
        combine_reports(None, ["demo"], tmp_path)


def test_report_rules_come_from_the_config_file(demo_store: Path, tmp_path: Path) -> None:
    """`[report]` in the user's config changes what `meetwatch report` lists."""
    from meetwatch.cli import main

    config = tmp_path / "config.toml"
    config.write_text("[report]\nlow_attention_min_seconds = 31\nmoment_count = 0\n")
    out = tmp_path / "out"
    args = ["report", "demo", "--store", str(demo_store), "--format", "json", "--out", str(out)]
    assert main([*args, "--config", str(config)]) == 0
    (path,) = out.glob("*.json")
    summary = json.loads(path.read_text())
    assert summary["parameters"]["low_attention_min_seconds"] == 31
    assert summary["low_attention"] == []
    assert summary["low_moments"] == summary["high_moments"] == []  # 1 each by default
    config.write_text("[report]\nlow_attention_threshold = 0\n")
    assert main([*args, "--config", str(config)]) != 0
