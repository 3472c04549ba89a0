"""One store with the demo sessions and their reports, built once per test run (imported by
this folder's conftest and by the integration tests that render the reports)."""

from __future__ import annotations

from pathlib import Path

import pytest

from meetwatch.outputs.reports import ReportOptions, build_report
from tests.unit.reports.sessions import TZ, write_demo_store

OPTIONS = ReportOptions(tz=TZ)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_store(tmp_path_factory.mktemp("store") / "sessions.sqlite3")


@pytest.fixture(scope="session")
def reports(
    demo_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Path]]:
    """session id -> format -> file, for every demo session and every format."""
    out = tmp_path_factory.mktemp("reports")
    return {
        sid: {
            p.suffix[1:]: p
            for p in build_report(demo_store, sid, out_dir=out / sid, options=OPTIONS)
        }
        for sid in ("demo", "agg", "running", "lecture")
    }
