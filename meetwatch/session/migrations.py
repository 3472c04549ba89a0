"""Schema versions of the session store.

A fresh file gets schema.sql with the signal columns of columns.py (always the newest
version). An older file is upgraded one step at a time by MIGRATIONS[v] (from version v to
v + 1), each step in its own transaction with the new PRAGMA user_version, so a crash
mid-upgrade leaves a consistent older version. A step that adds signals is
`added_columns(v + 1)`, the columns columns.py says that version added.
"""

from __future__ import annotations

import sqlite3
from importlib import resources

from meetwatch.session.columns import TABLES, added_columns, ddl

SCHEMA_VERSION = 2

MIGRATIONS: dict[int, str] = {
    1: added_columns(2),  # room_samples: participants per attention state
}


class SchemaError(Exception):
    """The file's schema is not one this version can read (raised as StoreError by the store)."""


def schema_sql() -> str:
    text = resources.files("meetwatch.session").joinpath("schema.sql").read_text("utf-8")
    return text.format_map({table: ddl(columns) for table, columns in TABLES.items()})


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to SCHEMA_VERSION; returns the version it had before.

    `conn` must be in autocommit mode (isolation_level=None). Each step re-reads the version
    inside its write transaction so two processes opening one old file do not both upgrade it.
    """
    original = user_version(conn)
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = user_version(conn)
            if version == SCHEMA_VERSION:
                conn.execute("COMMIT")
                return original
            script = _step(conn, version)
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1 if version else SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def readable_version(conn: sqlite3.Connection) -> int:
    """The version of a file opened read-only, which is read as it is: columns a later
    version added read as missing."""
    version = user_version(conn)
    if version == 0:
        raise SchemaError("it is not a meetwatch session store (no schema version)")
    if version != SCHEMA_VERSION:
        _step(conn, version)  # refuses newer and unknown versions
    return version


def _step(conn: sqlite3.Connection, version: int) -> str:
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"it was written by a newer meetwatch (schema {version}, this one reads up to "
            f"{SCHEMA_VERSION}); update meetwatch"
        )
    if version == 0:
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
        if tables[0]:
            raise SchemaError(
                "it is an SQLite file with other tables, not a meetwatch session store"
            )
        return schema_sql()
    if version not in MIGRATIONS:
        raise SchemaError(f"it has an unknown schema version {version}")
    return MIGRATIONS[version]


def _statements(script: str) -> list[str]:
    """Split a script into complete statements (executescript would commit our transaction)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip() and not current.strip().startswith("--"):
        statements.append(current.strip())
    return [s for s in statements if s.rstrip(";").strip()]
