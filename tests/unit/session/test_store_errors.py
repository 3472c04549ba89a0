"""What a user sees when the store's file or folder is unusable: one StoreError, for real."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

import pytest

from meetwatch.errors import StoreError
from meetwatch.session.store import SessionStore
from meetwatch.shared import SessionInfo

NOBODY = 65534


def open_message(path: Path) -> str:
    """The outcome of opening `path` as a user the folder's permissions apply to."""
    if os.geteuid() != 0:
        return _try_open(path)
    # root ignores permissions: a forked child drops to an unprivileged user and reports back
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.write(write_end, _try_open(path).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as f:
        message = f.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, message
    return message


def _try_open(path: Path) -> str:
    try:
        SessionStore.open(path).close()
    except StoreError as e:
        return f"StoreError: {e}"
    return "opened"


@pytest.fixture
def shared_tmp():
    """A temporary folder the unprivileged user can reach (pytest's tmp_path is root-only)."""
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        yield Path(d)


def test_read_only_folder_gives_a_store_error(shared_tmp: Path) -> None:
    folder = shared_tmp / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    message = open_message(folder / "sessions.sqlite3")
    assert message.startswith("StoreError: cannot write the session store"), message
    assert "read-only" in message


def test_existing_store_in_read_only_folder_gives_a_store_error(shared_tmp: Path) -> None:
    folder = shared_tmp / "ro"
    folder.mkdir()
    SessionStore.open(folder / "sessions.sqlite3").close()
    for f in folder.iterdir():
        f.chmod(0o644)
    folder.chmod(0o555)
    message = open_message(folder / "sessions.sqlite3")
    assert message.startswith("StoreError:"), message
    assert "read-only" in message


def test_garbage_file_gives_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(StoreError, match="damaged or not a meetwatch session store"):
        SessionStore.open(path)


def test_damaged_store_gives_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    with SessionStore.open(path) as store:
        info = SessionInfo(session_id="s", started_at=1.0, source="x", analysis_rate=1)
        store.start_session(info, "{}")
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) >= 2 * page
    data[page : 2 * page] = os.urandom(page)  # the sessions table's page
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged"), SessionStore.open(path) as store:
        store.list_sessions()


def test_other_sqlite_file_is_not_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="other tables, not a meetwatch session store"):
        SessionStore.open(path)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    SessionStore.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer meetwatch"):
        SessionStore.open(path)


def test_a_folder_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder"):
        SessionStore.open(tmp_path)


def test_full_disk_gives_a_store_error(tmp_path: Path) -> None:
    """SQLite's own size cap raises the same SQLITE_FULL a full disk does."""
    with SessionStore.open(tmp_path / "s.sqlite3") as store:
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages}")
        info = SessionInfo(session_id="s", started_at=1.0, source="x", analysis_rate=1)
        with pytest.raises(StoreError, match="is full"):
            store.start_session(info, "x" * 100_000)
        assert store.list_sessions() == []  # the failed write left nothing behind
