"""A disk that is full just as a session starts and freed seconds later, on a real (small)
tmpfs: the session row is written once there is room, the seconds in between are counted as
lost, and `meetwatch run` says how many and exits non-zero. Skipped, with the reason, where
this process may not mount a tmpfs (not root, or a container that forbids it).
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from meetwatch.errors import StoreError
from meetwatch.runtime.events import Event, EventBus
from meetwatch.session.recorder import SessionRecorder
from meetwatch.session.store import STORE_FILENAME, SessionStore
from meetwatch.shared import SessionInfo
from tests.factories.cli import cli_env
from tests.factories.meeting_clip import write_video
from tests.integration.ws_support import room


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    """Fill the file system holding `folder` to the last byte; the filler file."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as f:
        for chunk in (1 << 16, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * chunk)
    with pytest.raises(OSError) as full, (folder / "probe").open("wb", buffering=0) as probe:
        probe.write(b"\0" * 4096)
    assert full.value.errno == errno.ENOSPC
    (folder / "probe").unlink(missing_ok=True)
    return filler


def _prepared_store(folder: Path) -> sqlite3.Connection:
    """A store with its schema written and its write-ahead log emptied, held open by a
    reader so the log and shared-memory files stay (a new session must then grow the log)."""
    folder.mkdir(parents=True, exist_ok=True)
    SessionStore.open(folder / STORE_FILENAME).close()
    reader = sqlite3.connect(folder / STORE_FILENAME)
    reader.execute("PRAGMA journal_mode = WAL")
    reader.execute("SELECT count(*) FROM sessions").fetchall()
    reader.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return reader


def _wait(condition: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout  # a bound on a hang, not a speed check
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_recorder_starts_the_session_once_there_is_room_and_counts_lost_seconds(
    small_tmpfs: Path,
) -> None:
    reader = _prepared_store(small_tmpfs)
    store = SessionStore.open(small_tmpfs / STORE_FILENAME)
    bus = EventBus()
    recorder = SessionRecorder(store, bus)
    recorder.start()
    try:
        filler = _fill(small_tmpfs)
        info = SessionInfo(session_id="s1", started_at=1000.0, source="test", analysis_rate=1.0)
        bus.publish(Event("SessionStarted", info, 1000.0))
        for t in range(1000, 1004):
            bus.publish(Event("EngagementUpdated", room(0.5, float(t)), float(t)))
        _wait(lambda: recorder.lost_seconds == 4, "the full disk never failed a write")
        assert not recorder.session_saved and "full" in recorder.last_failure

        filler.unlink()  # the user frees some space
        for t in range(1004, 1010):
            bus.publish(Event("EngagementUpdated", room(0.6, float(t)), float(t)))
        ended = info.model_copy(update={"ended_at": 1010.0})
        bus.publish(Event("SessionEnded", ended, 1010.0))
    finally:
        assert recorder.stop()
        store.close()
        reader.close()
    assert recorder.session_saved and recorder.lost_seconds == 4
    with pytest.raises(StoreError, match=r"^4 s of the session could not be written .* full"):
        recorder.raise_if_lost()
    with SessionStore.open(small_tmpfs / STORE_FILENAME) as again:
        record = again.get_session("s1")
        assert record.info.ended_at == 1010.0
        assert again.room_table("s1").t.tolist() == [float(t) for t in range(1004, 1010)]


def test_run_says_how_many_seconds_were_lost_and_fails(small_tmpfs: Path, tmp_path: Path) -> None:
    data_home = small_tmpfs / "data"
    reader = _prepared_store(data_home / "meetwatch")
    frame = np.full((360, 640, 3), 90, np.uint8)
    video = write_video(tmp_path / "meeting.mp4", [frame] * 24, fps=2)  # 12 s
    filler = _fill(small_tmpfs)
    env = cli_env(tmp_path, XDG_DATA_HOME=str(data_home))
    args = ["run", "--video", str(video), "--quiet", "--no-server", "--rate", "2"]
    child = subprocess.Popen(
        [sys.executable, "-m", "meetwatch", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stderr is not None
    try:
        lines = []
        for line in child.stdout:
            lines.append(line)
            if " recording to " in line:
                break
        time.sleep(3)  # the session starts on a full disk; a few seconds pass
        filler.unlink()
        out, err = child.communicate(timeout=300)
    finally:
        if child.poll() is None:
            child.kill()
        reader.close()
    out = "".join(lines) + out
    assert child.returncode == 6, (out, err)
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    lost = int(errors[0].split("error: ", 1)[1].split(" s of the session")[0])
    assert lost >= 1 and "full" in errors[0]
    assert "`meetwatch report" in out  # the session itself was saved once there was room
    conn = sqlite3.connect(data_home / "meetwatch" / STORE_FILENAME)
    try:
        (session_id,) = conn.execute("SELECT id FROM sessions").fetchone()
        saved = conn.execute(
            "SELECT count(*) FROM room_samples WHERE session_id = ?", (session_id,)
        ).fetchone()[0]
    finally:
        conn.close()
    assert saved >= 1


def test_analyze_fails_a_recording_whose_samples_could_not_be_written(
    small_tmpfs: Path, tmp_path: Path
) -> None:
    data_home = small_tmpfs / "data"
    reader = _prepared_store(data_home / "meetwatch")
    frame = np.full((360, 640, 3), 90, np.uint8)
    video = write_video(tmp_path / "lecture.mp4", [frame] * 8, fps=2)
    _fill(small_tmpfs)  # full for the whole analysis
    env = cli_env(tmp_path, XDG_DATA_HOME=str(data_home))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "meetwatch", "analyze", str(video), "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        reader.close()
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "could not be written" in errors[0], done.stderr
    assert '"error"' in done.stdout  # the JSON line says the input failed
