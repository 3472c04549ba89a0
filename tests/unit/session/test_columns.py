"""The column registry is the one list of per-second signals: the store's tables, its upgrades,
the published wire schema and the exports all agree with it, and a new signal needs only a
Column and a migration step (shown by making that edit in a copy of the package)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from meetwatch.aggregation.models import ParticipantEngagement, RoomEngagement
from meetwatch.session import columns
from meetwatch.session.columns import NOT_SIGNALS, PARTICIPANT, ROOM, TABLES
from meetwatch.session.migrations import MIGRATIONS, SCHEMA_VERSION
from meetwatch.session.store import SessionStore
from tests.unit.session.test_store import HERE, info

REPO = Path(__file__).resolve().parents[3]
KEYS = {"samples": ["session_id", "participant_id", "t"], "room_samples": ["session_id", "t"]}
MODELS = {"room_samples": RoomEngagement, "samples": ParticipantEngagement}
JSON_TYPE = {"REAL": "number", "INTEGER": "integer", "TEXT": "string"}


def table_columns(path: Path, table: str) -> list[tuple[str, str, bool]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(f"PRAGMA table_info({table})").fetchall()
    return [(r[1], r[2], bool(r[3])) for r in rows]


def test_the_tables_are_their_keys_then_the_registry(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    SessionStore.open(path).close()
    for table, registry in TABLES.items():
        signals = table_columns(path, table)[len(KEYS[table]) :]
        assert signals == [(c.name, c.sql_type, c.required) for c in registry]
        assert [name for name, _, _ in table_columns(path, table)[: len(KEYS[table])]] == KEYS[
            table
        ]


def test_an_upgraded_file_has_the_columns_of_a_fresh_one(tmp_path: Path) -> None:
    fresh, old = tmp_path / "fresh.sqlite3", tmp_path / "old.sqlite3"
    SessionStore.open(fresh).close()
    with sqlite3.connect(old) as conn:
        conn.executescript((HERE / "schema_v1.sql").read_text())
        conn.execute("PRAGMA user_version = 1")
    SessionStore.open(old).close()
    for table in ("sessions", "participants", "samples", "room_samples", "events"):
        assert table_columns(old, table) == table_columns(fresh, table), table


def test_every_version_after_the_first_has_its_upgrade() -> None:
    for registry in TABLES.values():
        since = [c.since for c in registry]
        assert since == sorted(since), "columns are listed in the order they were added"
        assert max(since) <= SCHEMA_VERSION
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION))
    added = {c.since for registry in TABLES.values() for c in registry} - {1}
    for version in added:
        assert columns.added_columns(version) in MIGRATIONS[version - 1]


def json_types(prop: dict[str, Any], keyed: bool) -> set[str]:
    """The JSON types a schema property allows (for a dict field: the types of its values)."""
    variants = prop.get("anyOf", [prop])
    if keyed:
        variants = [v["additionalProperties"] for v in variants if v.get("type") == "object"]
    return {v["type"] for v in variants if v.get("type") != "null"}


def test_the_published_protocol_sends_every_column_and_every_field_is_accounted_for() -> None:
    """Each column is a field of the engagement model as docs/protocol.schema.json publishes
    it (generated from the models and snapshot-tested), of the column's type; each field of
    those models is a column or named in NOT_SIGNALS."""
    defs = json.loads((REPO / "docs" / "protocol.schema.json").read_text())["$defs"]
    for table, registry in TABLES.items():
        model = MODELS[table]
        published = defs[model.__name__]["properties"]
        assert set(published) == set(model.model_fields)
        for c in registry:
            prop = published[c.field]
            assert json_types(prop, c.key is not None) == {JSON_TYPE[c.sql_type]}, c.name
            if c.categories:
                assert tuple(prop["enum"]) == c.categories
        stored = {c.field for c in registry}
        assert set(published) - stored <= set(NOT_SIGNALS), model.__name__
        assert not stored & set(NOT_SIGNALS)


def test_columns_read_the_model_the_store_writes(tmp_path: Path) -> None:
    person = ParticipantEngagement(
        participant_id=1, label="P1", slot=0, attention="away", emotion={"happy": 0.25}, yaw=12.0
    )
    room = RoomEngagement(
        session_id="s1",
        timestamp=5.0,
        participants=[person],
        participants_total=1,
        emotion_mix={"sad": 0.5},
        attention_counts={"away": 1},
    )
    with SessionStore.open(tmp_path / "s.sqlite3") as store:
        store.start_session(info(), "{}")
        store.add_samples("s1", room)
        s = store.sample_arrays("s1")
        r = store.room_table("s1")
    assert s.signals.text("attention").tolist() == ["away"] and s.signals.column(
        "yaw"
    ).tolist() == [12.0]
    assert s.signals.column("happy").tolist() == [0.25]
    assert [c.name for c in PARTICIPANT if c.read(person) is not None] == [
        "attention",
        "happy",
        "yaw",
    ]
    assert r.signals.column("sad").tolist() == [0.5] and r.signals.column("away").tolist() == [1]
    assert [c.name for c in ROOM if c.read(room) is not None] == [
        "participants_total",
        "participants_with_face",
        "sad",
        "away",
    ]


def test_a_new_signal_is_one_column_and_one_migration(tmp_path: Path) -> None:
    """In a copy of the package, register the tile slot as a signal of a new schema version:
    an existing file is upgraded, the store writes and reads it, and the CSV and Parquet
    exports carry it, with no other file changed."""
    copy = tmp_path / "pkg"
    shutil.copytree(REPO / "meetwatch", copy / "meetwatch", ignore=shutil.ignore_patterns("*.pyc"))
    new = SCHEMA_VERSION + 1
    registry = copy / "meetwatch" / "session" / "columns.py"
    text = registry.read_text()
    last = re.search(r"\n    Column\(\"eye_openness\".*\),\n\)\n", text)
    assert last, "the test adds its column after eye_openness"
    column = f'    Column("slot", "INTEGER", "slot", "tile slot", since={new}),\n)\n'
    registry.write_text(text[: last.end() - 2] + column + text[last.end() :])
    migrations = copy / "meetwatch" / "session" / "migrations.py"
    text = migrations.read_text()
    anchor = "MIGRATIONS: dict[int, str] = {\n"
    assert anchor in text and f"SCHEMA_VERSION = {SCHEMA_VERSION}\n" in text
    text = text.replace(anchor, f"{anchor}    {SCHEMA_VERSION}: added_columns({new}),\n")
    migrations.write_text(
        text.replace(f"SCHEMA_VERSION = {SCHEMA_VERSION}\n", f"SCHEMA_VERSION = {new}\n")
    )

    db = tmp_path / "sessions.sqlite3"
    with SessionStore.open(db) as store:  # a file of today's version, with one second
        store.start_session(info(started_at=1000.0), "{}")
        store.add_samples("s1", RoomEngagement(session_id="s1", timestamp=1000.0))
    script = """
import json, sys
from pathlib import Path
import meetwatch
from meetwatch.aggregation.models import ParticipantEngagement, RoomEngagement
from meetwatch.outputs.reports import build_report
from meetwatch.session.store import SessionStore
db, out = Path(sys.argv[1]), Path(sys.argv[2])
person = ParticipantEngagement(participant_id=1, label="P1", slot=3, attention="on_screen")
with SessionStore.open(db) as store:
    room = RoomEngagement(session_id="s1", timestamp=1001.0, participants=[person])
    store.add_samples("s1", room)
    slots = store.sample_arrays("s1").signals.column("slot").tolist()
files = build_report(db, "s1", formats=["csv", "parquet"], out_dir=out)
print(json.dumps({"package": meetwatch.__file__, "slots": slots, "files": [str(f) for f in files]}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(db), str(tmp_path / "out")],
        cwd=tmp_path,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["package"].startswith(str(copy))
    assert result["slots"] == [3.0]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == new
    (csv_path,) = [Path(f) for f in result["files"] if f.endswith(".csv")]
    with csv_path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["slot"] for r in rows] == ["3"]
    (samples,) = [f for f in result["files"] if f.endswith(".samples.parquet")]
    assert pq.read_table(samples).column("slot").to_pylist() == [3]
