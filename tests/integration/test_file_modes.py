"""Everything meetwatch writes about people is readable by the user only, whatever the umask:
the session store with its -wal and -shm files, the log, reports and the token."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from meetwatch.desktop.logs import LOG_FILE, setup_file_logging
from meetwatch.session.store import STORE_FILENAME, SessionStore
from meetwatch.shared import SessionInfo
from tests.factories.cli import meetwatch
from tests.factories.meeting_clip import write_video
from tests.integration.ws_support import room

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The common default: new files 0644, new folders 0755."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("open_umask")
def test_store_wal_and_shm_are_private_while_in_use(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "meetwatch"
    with SessionStore.open(folder / STORE_FILENAME) as store:
        info = SessionInfo(session_id="s1", started_at=1.0, source="test", analysis_rate=1.0)
        store.start_session(info, "{}")
        store.add_samples("s1", room(0.5, 2.0, session_id="s1"))
        written = sorted(folder.iterdir())
        assert [p.name for p in written] == [
            STORE_FILENAME,
            f"{STORE_FILENAME}-shm",
            f"{STORE_FILENAME}-wal",
        ]
        assert [_mode(p) for p in written] == [0o600] * 3
    assert _mode(folder) == 0o700
    assert _mode(folder.parent) == 0o755  # a folder that is not meetwatch's own is left alone


@pytest.mark.usefixtures("open_umask")
def test_a_store_from_an_older_version_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "meetwatch"
    SessionStore.open(folder / STORE_FILENAME).close()
    folder.chmod(0o755)
    (folder / STORE_FILENAME).chmod(0o644)
    SessionStore.open(folder / STORE_FILENAME).close()
    assert (_mode(folder), _mode(folder / STORE_FILENAME)) == (0o700, 0o600)


@pytest.mark.usefixtures("open_umask")
def test_log_file_is_private(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        path = setup_file_logging(tmp_path / "logs")
        logging.getLogger("meetwatch.test").warning("participant 3 away")
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
            handler.close()
    assert path.name == LOG_FILE and "participant 3 away" in path.read_text()
    assert (_mode(path.parent), _mode(path)) == (0o700, 0o600)


@pytest.mark.usefixtures("open_umask")
def test_everything_analyze_writes_is_private(tmp_path: Path) -> None:
    faces = demo_faces(4, np.random.default_rng(0))
    frame = render_gallery(faces, 4, "zoom", (640, 360)).image
    video = write_video(tmp_path / "meeting.mp4", [frame] * 4, fps=2)
    out = tmp_path / "reports"
    done = meetwatch(tmp_path, "analyze", str(video), "--report", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    (tmp_path / "config" / "meetwatch").mkdir(parents=True, exist_ok=True)
    assert meetwatch(tmp_path, "token").returncode == 0

    written = [p for p in (tmp_path / "data").rglob("*")] + list(out.rglob("*"))
    written += list((tmp_path / "config" / "meetwatch").rglob("*"))
    files = [p for p in written if p.is_file()]
    assert {p.suffix for p in out.iterdir()} >= {".html", ".pdf", ".csv", ".json"}
    assert (tmp_path / "data" / "meetwatch" / STORE_FILENAME) in files
    assert {str(p.relative_to(tmp_path)): oct(_mode(p)) for p in files if _mode(p) & 0o077} == {}
    assert _mode(tmp_path / "data" / "meetwatch") == 0o700
