"""A participant who leaves the picture with the camera on is counted as not attending.

`meetwatch analyze clip.mp4 --report DIR` on a recording of six tiles of real faces (one
camera off) in which one participant is gone for 20 s (tests/factories/meeting_clip.py):
the room's attentive share drops for exactly those seconds and the report lists the
participant's away interval.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factories import meeting_clip as clip
from tests.factories.cli import meetwatch, store_rows

pytestmark = [pytest.mark.slow, pytest.mark.data]
EDGE_S = 3  # seconds at each end of the absence the smoothing and sampling may blur


def test_a_face_that_left_lowers_the_room_and_the_report_lists_it(
    data_dir: Path, tmp_path: Path
) -> None:
    recorded = clip.write_leaver_clip(data_dir, tmp_path / "leaver.mp4")
    out = tmp_path / "report"
    done = meetwatch(tmp_path, "analyze", str(recorded.path), "--report", str(out), "--json")
    assert done.returncode == 0, done.stderr[-3000:]

    rows = store_rows(tmp_path, "SELECT t, attention_share FROM room_samples ORDER BY t")
    start = rows[0][0]
    share = {round(t - start): s for t, s in rows}
    gone = range(clip.LEAVE_FROM + EDGE_S, clip.LEAVE_UNTIL - EDGE_S)
    there = [s for s in share if s + EDGE_S < clip.LEAVE_FROM or s >= clip.LEAVE_UNTIL + EDGE_S]
    assert all(share[s] == pytest.approx(4 / 5) for s in gone), share  # 5 cameras on, 4 look
    assert all(share[s] == 1.0 for s in there), share

    summary = json.loads(
        (out / next(p.name for p in out.iterdir() if p.suffix == ".json")).read_text()
    )
    away = {p["label"]: p["away"] for p in summary["participants"] if p["away"]}
    assert len(away) == 1, away
    ((span,),) = away.values()
    assert abs(span["start_s"] - clip.LEAVE_FROM) <= EDGE_S
    assert abs(span["end_s"] - clip.LEAVE_UNTIL) <= EDGE_S
    html = (out / next(p.name for p in out.iterdir() if p.suffix == ".html")).read_text()
    assert f"{span['start_time']}–{span['end_time']}" in html
    assert "counts as not looking" in html  # the attentive share is defined in the report
