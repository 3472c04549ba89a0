"""SessionStore: sessions, participants, per-second samples and events in SQLite.

WAL mode with synchronous=NORMAL: every write call is its own committed transaction, so a
process killed with SIGKILL loses nothing that was written (an OS crash may lose the last
transactions, never the file). Readers in other threads or processes (reports, the live
feed's GetSessionSummary) can read while the recorder writes. Reports open the file with
`open_readonly` (SQLite's read-only mode: nothing is upgraded or written) and read through
the methods here; the per-second columns come from meetwatch.session.columns.

Every sqlite3 error is raised as a StoreError that names the file and says what to do.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from platformdirs import user_data_path
from pydantic import BaseModel

from meetwatch import __version__
from meetwatch.aggregation.models import RoomEngagement
from meetwatch.errors import StoreError
from meetwatch.private_files import make_private, private_file, private_folder
from meetwatch.session.columns import PARTICIPANT, ROOM, TABLES, Column
from meetwatch.session.migrations import SchemaError, migrate, readable_version
from meetwatch.session.rows import (
    EventRow,
    ParticipantRow,
    RoomTable,
    SampleArrays,
    SessionRecord,
    Signals,
)
from meetwatch.shared import SessionInfo

STORE_FILENAME = "sessions.sqlite3"
CHUNK_ROWS = 32_768
_SAMPLE_INSERT = (
    f"INSERT INTO samples (session_id, participant_id, t, {', '.join(c.name for c in PARTICIPANT)})"
    f" VALUES ({', '.join('?' * (len(PARTICIPANT) + 3))})"
)
_ROOM_INSERT = (
    f"INSERT INTO room_samples (session_id, t, {', '.join(c.name for c in ROOM)}) "
    f"VALUES ({', '.join('?' * (len(ROOM) + 2))})"
)


def default_store_path() -> Path:
    return user_data_path("meetwatch") / STORE_FILENAME  # the folder config.data_dir defaults to


def _explain(path: Path, e: sqlite3.Error, reading: bool = False) -> StoreError:
    code = getattr(e, "sqlite_errorname", "")
    if code.startswith("SQLITE_FULL"):
        text = f"the disk holding {path} is full; free some space (sqlite: {e})"
    elif reading and code.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        text = f"cannot read the session store {path} (sqlite: {e})"
    elif code.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return _read_only(path, f"sqlite: {e}")
    elif code.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        text = (
            f"{path} is damaged or not a meetwatch session store; move it away and meetwatch "
            f"will start a new one (sqlite: {e})"
        )
    else:
        text = f"session store {path}: {e}"
    return StoreError(text)


def _read_only(path: Path, detail: str) -> StoreError:
    return StoreError(
        f"cannot write the session store {path}: the file or its folder is read-only or "
        f"missing; choose a writable data folder ({detail})"
    )


def _connect_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro",
        uri=True,
        check_same_thread=False,
        isolation_level=None,
    )


class SessionStore:
    """One connection, usable from several threads (calls are serialised by a lock)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, read_only: bool = False) -> None:
        self._conn = conn
        self.path = path
        self.read_only = read_only
        self._lock = threading.RLock()
        self._known: set[str] = set()
        self._present = {  # a read-only file of an older version lacks later columns
            table: {r[1] for r in conn.execute(f"PRAGMA table_info({table})")} for table in TABLES
        }

    @classmethod
    def open(cls, path: Path | str | None = None) -> SessionStore:
        """Open or create the store (default: the user data folder) and bring its schema up
        to date."""
        path = Path(path) if path is not None else default_store_path()
        try:
            private_folder(path.parent)
        except OSError as e:
            raise StoreError(f"cannot create the session folder {path.parent}: {e.strerror}") from e
        if path.is_dir():
            raise StoreError(f"{path} is a folder; give the session store a file name")
        try:  # before SQLite opens it: its -wal and -shm files take the database file's mode
            private_file(path)
        except OSError as e:
            raise _read_only(path, e.strerror or str(e)) from e
        for companion in ("-wal", "-shm"):  # left by a version that did not restrict them
            make_private(path.with_name(path.name + companion))
        try:
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as e:
            raise _explain(path, e) from e
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise SchemaError(f"it cannot use write-ahead logging (journal mode {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn)
        except (sqlite3.Error, SchemaError) as e:
            conn.close()
            if isinstance(e, sqlite3.Error):
                raise _explain(path, e) from e
            raise StoreError(f"cannot use {path}: {e}") from e
        return cls(conn, path)

    @classmethod
    def open_readonly(cls, path: Path | str) -> SessionStore:
        """Open an existing store to read it (reports): nothing in the file is upgraded or
        written, and an older version's file is read as it is."""
        path = Path(path)
        if not path.is_file():
            raise StoreError(f"no session store at {path}; record a session first or pass --store")
        try:
            conn = _connect_readonly(path)
        except sqlite3.Error as e:
            raise _explain(path, e, reading=True) from e
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            readable_version(conn)
            return cls(conn, path, read_only=True)
        except (sqlite3.Error, SchemaError) as e:
            conn.close()
            if isinstance(e, sqlite3.Error):
                raise _explain(path, e, reading=True) from e
            raise StoreError(f"cannot use {path}: {e}") from e

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # writing

    def start_session(self, info: SessionInfo, config_json: str) -> None:
        with self._write() as c:
            c.execute(
                "INSERT INTO sessions (id, started_at, ended_at, source, analysis_rate, "
                "privacy_mode, app_version, config_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    info.session_id,
                    info.started_at,
                    info.ended_at,
                    info.source,
                    info.analysis_rate,
                    info.privacy_mode,
                    __version__,
                    config_json,
                ),
            )
        self._known.add(info.session_id)

    def end_session(self, session_id: str, ended_at: float) -> None:
        self._require(session_id)
        with self._write() as c:
            c.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", (ended_at, session_id))

    def upsert_participant(
        self, session_id: str, participant_id: int, slot: int, label: str, t: float
    ) -> None:
        """Record that the participant was seen at t (widens first_seen/last_seen)."""
        self._require(session_id)
        with self._write() as c:
            self._upsert(c, session_id, participant_id, slot, label, t)

    def add_samples(self, session_id: str, room: RoomEngagement) -> None:
        """One room row plus one row per participant, at room.timestamp, in one commit."""
        self._require(session_id)
        if room.session_id != session_id:
            raise StoreError(f"samples of session {room.session_id} given for {session_id}")
        t = room.timestamp
        with self._write() as c:
            c.execute(_ROOM_INSERT, (session_id, t, *(col.read(room) for col in ROOM)))
            rows = []
            for p in room.participants:
                rows.append(
                    (session_id, p.participant_id, t, *(col.read(p) for col in PARTICIPANT))
                )
                self._upsert(c, session_id, p.participant_id, p.slot, p.label, t)
            c.executemany(_SAMPLE_INSERT, rows)

    def add_event(
        self, session_id: str, t: float, kind: str, payload: Mapping[str, Any] | BaseModel
    ) -> None:
        self._require(session_id)
        data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        try:
            text = json.dumps(data, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise StoreError(f"event {kind!r} has a payload that is not plain JSON: {e}") from e
        with self._write() as c:
            c.execute(
                "INSERT INTO events (session_id, t, kind, payload_json) VALUES (?, ?, ?, ?)",
                (session_id, t, kind, text),
            )

    def prune(self, started_before: float) -> int:
        """Delete sessions started before the given time, with all their rows; returns how
        many (for the retention setting)."""
        with self._write() as c:
            ids = [
                r[0]
                for r in c.execute(
                    "SELECT id FROM sessions WHERE started_at < ?", (started_before,)
                )
            ]
            for table in ("samples", "room_samples", "events", "participants"):
                c.executemany(f"DELETE FROM {table} WHERE session_id = ?", [(i,) for i in ids])
            c.executemany("DELETE FROM sessions WHERE id = ?", [(i,) for i in ids])
        self._known.difference_update(ids)
        return len(ids)

    # reading

    def list_sessions(self) -> list[SessionRecord]:
        """Every session, newest first (of two started in the same second, the one recorded
        last: a batch of short recordings starts several in one second)."""
        rows = self._read(
            "SELECT id, started_at, ended_at, source, analysis_rate, privacy_mode, app_version, "
            "config_json FROM sessions ORDER BY started_at DESC, rowid DESC"
        )
        return [_session(r) for r in rows]

    def get_session(self, session_id: str) -> SessionRecord:
        """The session with this id, or the newest one for "latest"."""
        if session_id == "latest":
            sessions = self.list_sessions()
            if not sessions:
                raise StoreError(f"no sessions recorded yet in {self.path}")
            return sessions[0]
        rows = self._read(
            "SELECT id, started_at, ended_at, source, analysis_rate, privacy_mode, app_version, "
            "config_json FROM sessions WHERE id = ?",
            (session_id,),
        )
        if not rows:
            raise StoreError(f"no session {session_id!r} in {self.path}")
        return _session(rows[0])

    def participants(self, session_id: str) -> list[ParticipantRow]:
        rows = self._read(
            "SELECT participant_id, slot, label, first_seen, last_seen FROM participants "
            "WHERE session_id = ? ORDER BY participant_id",
            (session_id,),
        )
        return [ParticipantRow(*r) for r in rows]

    def session_ids_with_samples(self) -> set[str]:
        """Sessions with at least one room row."""
        return {r[0] for r in self._read("SELECT DISTINCT session_id FROM room_samples")}

    def room_table(self, session_id: str) -> RoomTable:
        """The room rows of a session as numpy columns, ordered by t."""
        table = self._matrix("room_samples", ["t"], ROOM, session_id)
        order = np.argsort(table[:, 0], kind="stable")
        table = table[order]
        return RoomTable(t=table[:, 0], signals=Signals(ROOM, table[:, 1:]))

    def sample_arrays(self, session_id: str) -> SampleArrays:
        """All participant samples of a session as numpy columns, ordered by (t, id).

        Building them through Python rows would, for a 2-hour 7x7 meeting (350k rows), peak
        near 500 MB; fetching in chunks into one float matrix (TEXT columns coded in SQL)
        keeps the peak near the matrix's 55 MB, and sorting in numpy is faster than SQLite's
        ORDER BY over the whole table.
        """
        table = self._matrix("samples", ["participant_id", "t"], PARTICIPANT, session_id)
        order = np.lexsort((table[:, 0], table[:, 1]))
        if np.any(order != np.arange(len(table))):
            table = table[order]
        return SampleArrays(  # views of one matrix: no copies
            participant_id=table[:, 0].astype(np.int64),
            t=table[:, 1],
            signals=Signals(PARTICIPANT, table[:, 2:]),
        )

    def events(self, session_id: str, kind: str | None = None) -> list[EventRow]:
        sql = "SELECT t, kind, payload_json FROM events WHERE session_id = ?"
        args: tuple[Any, ...] = (session_id,)
        if kind is not None:
            sql += " AND kind = ?"
            args += (kind,)
        rows = self._read(sql + " ORDER BY t, rowid", args)
        return [EventRow(t, k, json.loads(p)) for t, k, p in rows]

    # internals

    def _select(self, table: str, columns: tuple[Column, ...]) -> list[str]:
        """SELECT expressions for the columns: NULL for one this file's version lacks, and a
        TEXT column as the index of its value in its categories."""
        out = []
        for c in columns:
            if c.name not in self._present[table]:
                out.append("NULL")
            elif c.categories:
                cases = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(c.categories))
                out.append(f"CASE {c.name} {cases} ELSE {c.categories.index(c.unknown)} END")
            else:
                out.append(c.name)
        return out

    def _matrix(
        self, table: str, keys: list[str], columns: tuple[Column, ...], session_id: str
    ) -> np.ndarray:
        """The session's rows of a table as one float matrix (keys, then columns; NULL is
        NaN), fetched in chunks in one read transaction."""
        select = ", ".join([*keys, *self._select(table, columns)])
        where = f"FROM {table} WHERE session_id = ?"
        try:
            with self._snapshot() as conn:
                count = conn.execute(f"SELECT count(*) {where}", (session_id,)).fetchone()[0]
                out = np.full((count, len(keys) + len(columns)), np.nan)
                cursor = conn.execute(f"SELECT {select} {where}", (session_id,))
                filled = 0
                while rows := cursor.fetchmany(CHUNK_ROWS):
                    out[filled : filled + len(rows)] = np.array(rows, np.float64)
                    filled += len(rows)
        except sqlite3.Error as e:
            raise _explain(self.path, e, reading=True) from e
        return out

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction, so a count and its rows agree while a recorder writes. A
        writable store reads through a second, read-only connection: a long read for a report
        does not hold up the recorder's writes on this one."""
        if self.read_only:
            with self._lock:
                self._conn.execute("BEGIN")
                try:
                    yield self._conn
                finally:
                    self._conn.execute("ROLLBACK")
            return
        with closing(_connect_readonly(self.path)) as conn:
            conn.execute("BEGIN")
            yield conn

    def _require(self, session_id: str) -> None:
        if session_id in self._known:
            return
        if not self._read("SELECT 1 FROM sessions WHERE id = ?", (session_id,)):
            raise StoreError(f"no session {session_id!r} in {self.path}; start it first")
        self._known.add(session_id)

    @staticmethod
    def _upsert(
        c: sqlite3.Connection, session_id: str, pid: int, slot: int, label: str, t: float
    ) -> None:
        c.execute(
            "INSERT INTO participants (session_id, participant_id, slot, label, first_seen, "
            "last_seen) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, participant_id) DO "
            "UPDATE SET slot = excluded.slot, label = excluded.label, "
            "first_seen = min(first_seen, excluded.first_seen), "
            "last_seen = max(last_seen, excluded.last_seen)",
            (session_id, pid, slot, label, t, t),
        )

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    if self._conn.in_transaction:  # SQLite already rolled back on SQLITE_FULL
                        self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.Error as e:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise _explain(self.path, e) from e

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, args).fetchall()
            except sqlite3.Error as e:
                raise _explain(self.path, e, reading=self.read_only) from e


def _session(r: tuple[Any, ...]) -> SessionRecord:
    info = SessionInfo(
        session_id=r[0],
        started_at=r[1],
        ended_at=r[2],
        source=r[3],
        analysis_rate=r[4],
        privacy_mode=r[5],
        attention_only=_attention_only(r[7]),
    )
    return SessionRecord(info=info, app_version=r[6], config_json=r[7])


def _attention_only(config_json: str) -> bool:
    """Whether the session ran without emotion analysis, read from the config it recorded
    (sessions recorded before the mode existed analysed emotion)."""
    try:
        privacy = json.loads(config_json).get("privacy", {})
    except (ValueError, AttributeError):
        return False
    return isinstance(privacy, dict) and privacy.get("attention_only") is True
