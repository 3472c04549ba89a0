"""Reports take their per-second columns from the store's column registry and read the store
only through it."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import pyarrow.parquet as pq

from meetwatch.outputs.reports import build_report
from meetwatch.session.columns import PARTICIPANT, ROOM
from tests.unit.reports.fixtures import OPTIONS

Reports = dict[str, dict[str, Path]]
REPORTS = Path(__file__).resolve().parents[3] / "meetwatch" / "outputs" / "reports"
LIVE_TIME = ["time_local", "t", "seconds_from_start"]
PARQUET_TIME = ["session_start_local", "seconds_from_start", "recording_time", "time_local"]


def header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


def test_csv_columns_are_the_registry(reports: Reports) -> None:
    people = [c.name for c in PARTICIPANT]
    assert header(reports["demo"]["csv"]) == [*LIVE_TIME, "participant_id", "label", *people]
    assert header(reports["agg"]["csv"]) == [*LIVE_TIME, *(c.name for c in ROOM)]


def test_parquet_columns_are_the_registry(demo_store: Path, tmp_path: Path) -> None:
    files = build_report(demo_store, "demo", formats=["parquet"], out_dir=tmp_path, options=OPTIONS)
    tables = {f.name.split(".")[-2]: pq.read_table(f) for f in files}
    assert tables["seconds"].column_names == [
        "session_id",
        "kind",
        "source",
        *PARQUET_TIME,
        *(c.name for c in ROOM),
    ]
    assert tables["samples"].column_names == [
        "session_id",
        *PARQUET_TIME,
        "participant_id",
        "label",
        *(c.name for c in PARTICIPANT),
    ]
    types = {"REAL": "double", "INTEGER": "int32", "TEXT": "string"}
    for name, registry in (("seconds", ROOM), ("samples", PARTICIPANT)):
        schema = tables[name].schema
        assert [str(schema.field(c.name).type) for c in registry] == [
            types[c.sql_type] for c in registry
        ]


def test_reports_read_the_store_only_through_its_methods() -> None:
    for module in sorted(REPORTS.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "sqlite3" for n in names), module.name
