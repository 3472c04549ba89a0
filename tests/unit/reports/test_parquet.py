"""Parquet exports read back with pyarrow, and the README's DuckDB query run over a folder of
them, exported with `meetwatch report --format parquet` as a user would."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from meetwatch.cli import main
from meetwatch.outputs.reports.parquet_export import PARQUET_SCHEMA_VERSION
from meetwatch.session.store import SessionStore
from meetwatch.shared import AttentionState
from tests.unit.reports.sessions import T0, scripted_session

README = Path(__file__).parents[3] / "README.md"
DAY = 86400.0
WEEK_1, WEEK_2 = date(2025, 1, 13), date(2025, 1, 20)  # the Mondays of T0's week and the next


def dull(pid: int, second: int) -> AttentionState:
    """Participants 1 and 2 away for the first minute; 4 with the camera off."""
    if pid == 4:
        return "camera_off"
    return "away" if pid in (1, 2) and second < 60 else "on_screen"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three lectures over two weeks (lecture 1 twice) and an aggregate-only meeting."""
    db = tmp_path_factory.mktemp("course") / "sessions.sqlite3"
    with SessionStore.open(db) as store:
        scripted_session(store, "l1w1", start=T0, source="video:lecture 1.mp4")
        scripted_session(store, "l2w1", start=T0 + DAY, source="video:lecture 2.mp4", script=dull)
        scripted_session(store, "l1w2", start=T0 + 7 * DAY, source="video:lecture 1.mp4")
        scripted_session(store, "staff", start=T0 + 2 * DAY, privacy_mode="aggregate_only")
    return db


def export(db: Path, out: Path, *args: str) -> list[Path]:
    args = ("report", *args, "--store", str(db), "--format", "parquet", "--out", str(out))
    assert main(list(args)) == 0
    return sorted(out.iterdir())


def test_a_session_exports_three_tables(course: Path, tmp_path: Path) -> None:
    files = export(course, tmp_path, "l2w1")
    assert [f.name for f in files] == [
        "meetwatch-lecture-2-l2w1.samples.parquet",
        "meetwatch-lecture-2-l2w1.seconds.parquet",
        "meetwatch-lecture-2-l2w1.session.parquet",
    ]
    samples, seconds, session = (pq.read_table(f) for f in files)
    assert (
        pq.read_metadata(files[1]).metadata[b"meetwatch.schema_version"]
        == str(PARQUET_SCHEMA_VERSION).encode()
    )
    assert seconds.num_rows == 120 and samples.num_rows == 4 * 120
    rows = seconds.to_pylist()
    assert rows[40]["recording_time"] == "00:00:40" and rows[40]["time_local"] is None
    assert rows[40]["seconds_from_start"] == 40 and rows[40]["source"] == "video:lecture 2.mp4"
    assert rows[40]["away"] == 2 and rows[40]["camera_off"] == 1
    assert rows[40]["attention_share"] == pytest.approx(1 / 3)
    away = [r for r in samples.to_pylist() if r["attention"] == "away"]
    assert {r["label"] for r in away} == {"Participant 1", "Participant 2"}
    (figures,) = session.to_pylist()
    assert figures["kind"] == "recording" and figures["seconds_with_faces"] == 120


def test_aggregate_only_exports_no_individual(course: Path, tmp_path: Path) -> None:
    files = export(course, tmp_path, "staff")
    assert [f.name.split(".", 1)[1] for f in files] == ["seconds.parquet", "session.parquet"]
    seconds = pq.read_table(files[0])
    assert "label" not in seconds.column_names and "participant_id" not in seconds.column_names
    first = seconds.to_pylist()[0]
    assert first["recording_time"] is None and first["time_local"] is not None


def test_readme_query_over_a_folder_of_exports(course: Path, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    exports = tmp_path / "exports"
    for sid in ("l1w1", "l2w1", "l1w2"):
        export(course, exports, sid)
    (sql,) = re.findall(r"```sql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    rows = duckdb.sql(sql.replace("exports/", f"{exports}/")).fetchall()
    weeks = [(week.date(), lecture) for week, lecture, _ in rows]
    assert weeks == [
        (WEEK_1, "video:lecture 1.mp4"),
        (WEEK_1, "video:lecture 2.mp4"),
        (WEEK_2, "video:lecture 1.mp4"),
    ]
    # demo script: a third of the faces on screen for 30 of 120 s, all of them otherwise;
    # dull: a third for the first 60 s
    assert [mean for _, _, mean in rows] == [
        round((30 / 3 + 90) / 120, 3),
        round((60 / 3 + 60) / 120, 3),
        round((30 / 3 + 90) / 120, 3),
    ]


def test_combine_exports_every_session_in_one_folder(course: Path, tmp_path: Path) -> None:
    files = export(course, tmp_path, "--combine", "l1w1", "staff")
    assert [f.name.split(".", 1)[1] for f in files] == [
        "samples.parquet",
        "seconds.parquet",
        "session.parquet",
    ]
    seconds = pq.read_table(files[1])
    assert seconds.num_rows == 240
    assert set(seconds.column("session_id").to_pylist()) == {"l1w1", "staff"}
    samples = pq.read_table(files[0])
    assert set(samples.column("session_id").to_pylist()) == {"l1w1"}  # never the aggregate one
    assert [r["session_id"] for r in pq.read_table(files[2]).to_pylist()] == ["l1w1", "staff"]
