"""Sessions as Parquet files, for rolling many sessions up in DuckDB, pandas or a warehouse.

A report in Parquet is up to three files beside each other, `<stem>.<table>.parquet`:

  seconds   one row per second of room figures (every privacy mode)
  samples   one row per participant per second (individual mode only: aggregate-only
            sessions never write one)
  session   one row per session: the figures of the JSON summary's `session` and `overall`

Every file of a table has the same columns whatever the session was (a live meeting, a
recording, an image), so a folder of exports reads as one table (`read_parquet('dir/*.
seconds.parquet')`). Times: `seconds_from_start` always; `recording_time` ('00:12:30', the
position in the file) for recordings and null for live sessions; `time_local` (local wall
clock, no zone) for live sessions and null for recordings; `session_start_local` (when the
session started or the recording was analysed, local, no zone) on every row, for grouping by
day or week. Shares and engagement are fractions in [0, 1]; null means not measured.

The figures' columns are those of the store (meetwatch.session.columns), under the same
names: REAL as double, INTEGER as int32, TEXT as string. Today (types as Arrow writes them):

  seconds: session_id, kind, source: string; session_start_local: timestamp[s];
           seconds_from_start: double; recording_time: string; time_local: timestamp[s];
           engagement, attention_share: double; participants_total,
           participants_with_face: int32; angry ... neutral (room emotion mix): double;
           on_screen, away, eyes_closed, no_face, camera_off (participants in each
           attention state): int32
  samples: session_id: string; session_start_local: timestamp[s]; seconds_from_start:
           double; recording_time: string; time_local: timestamp[s]; participant_id:
           int32; label, attention: string; engagement, angry ... neutral, valence,
           arousal, yaw, pitch, gaze_x, gaze_y, eye_openness: double
  session: schema_version: int32; session_id, kind, source, privacy_mode: string;
           session_start_local: timestamp[s]; started_at (unix seconds), duration_s:
           double; partial, attention_only: bool; participants_seen, seconds_with_data,
           seconds_with_faces, low_attention_seconds, alerts_raised: int32;
           mean_engagement, mean_attention_share: double

The file metadata carries `meetwatch.schema_version` (PARQUET_SCHEMA_VERSION).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from meetwatch.errors import OutputError
from meetwatch.outputs.reports import clock
from meetwatch.outputs.reports.data import ReportData
from meetwatch.outputs.reports.files import write_atomic
from meetwatch.outputs.reports.summary import ReportSummary
from meetwatch.session.rows import Signals

PARQUET_SCHEMA_VERSION = 1
TABLES = ("seconds", "samples", "session")


def _arrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:  # a trimmed install: say why the format is missing
        raise OutputError(
            "the parquet format needs the pyarrow package, which is not installed "
            "(pip install pyarrow); the other formats were not affected"
        ) from e
    return pa, pq


def parquet_paths(stem: Path, tables: Sequence[str]) -> list[Path]:
    return [stem.with_name(f"{stem.name}.{t}.parquet") for t in tables]


def write_parquet(
    stem: Path, sessions: Sequence[tuple[ReportData, ReportSummary]], tz: Any
) -> list[Path]:
    """Write the seconds, samples (when any session has individual figures) and session
    tables of `sessions` next to `stem`; returns the files written."""
    pa, pq = _arrow()
    tables: dict[str, Any] = {
        "seconds": pa.concat_tables([_seconds(pa, d, d.facts.timeline(tz)) for d, _ in sessions]),
    }
    individual = [d for d, _ in sessions if d.samples is not None and d.people is not None]
    if individual:
        tables["samples"] = pa.concat_tables(
            [_samples(pa, d, d.facts.timeline(tz)) for d in individual]
        )
    tables["session"] = pa.Table.from_pylist(
        [_session_row(d, s, tz) for d, s in sessions], schema=_session_schema(pa)
    )
    meta = {b"meetwatch.schema_version": str(PARQUET_SCHEMA_VERSION).encode()}
    out = []
    for name, table in tables.items():
        (path,) = parquet_paths(stem, [name])
        with_meta = table.replace_schema_metadata(meta)
        out.append(write_atomic(path, partial(pq.write_table, with_meta, compression="zstd")))
    return out


def _local(pa: Any, t: np.ndarray, tl: clock.Timeline) -> Any:
    """Local wall-clock timestamps without a zone (null for recordings)."""
    if tl.recording:
        return pa.nulls(len(t), pa.timestamp("s"))
    offset = tl.utc_offset_s(float(t[0])) if len(t) else 0.0
    return pa.array(np.floor(t + offset).astype("datetime64[s]"), pa.timestamp("s"))


def _when(pa: Any, t: np.ndarray, tl: clock.Timeline, sid: str) -> dict[str, Any]:
    n = len(t)
    start = datetime.fromtimestamp(tl.start, tl.tz).replace(tzinfo=None)
    recording_time = (
        pa.array([clock.position(x) for x in (t - tl.start).tolist()], pa.string())
        if tl.recording
        else pa.nulls(n, pa.string())
    )
    return {
        "session_id": pa.repeat(sid, n),
        "session_start_local": pa.repeat(pa.scalar(start, pa.timestamp("s")), n),
        "seconds_from_start": pa.array(t - tl.start, pa.float64()),
        "recording_time": recording_time,
        "time_local": _local(pa, t, tl),
    }


def _float(pa: Any, values: np.ndarray) -> Any:
    return pa.array(values.astype(np.float64), pa.float64(), from_pandas=True)  # NaN -> null


def _int(pa: Any, values: np.ndarray) -> Any:
    known = ~np.isnan(values)
    return pa.array(np.where(known, values, 0).astype(np.int32), pa.int32(), mask=~known)


def _signals(pa: Any, signals: Signals, rows: np.ndarray | slice = slice(None)) -> dict[str, Any]:
    """Every column of `signals` as an Arrow array of its SQL type's Arrow type."""
    out = {}
    for i, c in enumerate(signals.columns):
        values = signals.values[rows, i]
        if c.sql_type == "TEXT":
            out[c.name] = pa.array(signals.text(c.name)[rows], pa.string())
        else:
            out[c.name] = _int(pa, values) if c.sql_type == "INTEGER" else _float(pa, values)
    return out


def _seconds(pa: Any, d: ReportData, tl: clock.Timeline) -> Any:
    room, f = d.room, d.facts
    rows = room.has_row
    n = int(rows.sum())
    when = _when(pa, room.t[rows], tl, f.session_id)
    columns: dict[str, Any] = {
        "session_id": when.pop("session_id"),
        "kind": pa.repeat(f.kind, n),
        "source": pa.repeat(f.source, n),
        **when,
        **_signals(pa, room.signals, rows),
    }
    return pa.table(columns)


def _samples(pa: Any, d: ReportData, tl: clock.Timeline) -> Any:
    s, people = d.samples, d.people
    assert s is not None and people is not None
    row = np.searchsorted(people.ids, s.participant_id).astype(np.int32)
    columns: dict[str, Any] = {
        **_when(pa, s.t, tl, d.facts.session_id),
        "participant_id": pa.array(s.participant_id.astype(np.int32), pa.int32()),
        "label": pa.array(np.array(people.labels, dtype=object)[row], pa.string()),
        **_signals(pa, s.signals),
    }
    return pa.table(columns)


def _session_schema(pa: Any) -> Any:
    ints = ("participants_seen", "seconds_with_data", "seconds_with_faces")
    return pa.schema(
        [
            ("schema_version", pa.int32()),
            ("session_id", pa.string()),
            ("kind", pa.string()),
            ("source", pa.string()),
            ("privacy_mode", pa.string()),
            ("session_start_local", pa.timestamp("s")),
            ("started_at", pa.float64()),
            ("duration_s", pa.float64()),
            ("partial", pa.bool_()),
            ("attention_only", pa.bool_()),
            *((name, pa.int32()) for name in ints),
            ("low_attention_seconds", pa.int32()),
            ("alerts_raised", pa.int32()),
            ("mean_engagement", pa.float64()),
            ("mean_attention_share", pa.float64()),
        ]
    )


def _session_row(d: ReportData, s: ReportSummary, tz: Any) -> dict[str, Any]:
    x = s.session
    return {
        "schema_version": PARQUET_SCHEMA_VERSION,
        "session_id": x.session_id,
        "kind": x.kind,
        "source": x.source,
        "privacy_mode": x.privacy_mode,
        "session_start_local": datetime.fromtimestamp(x.started_at, tz).replace(tzinfo=None),
        "started_at": x.started_at,
        "duration_s": x.duration_s,
        "partial": x.partial,
        "attention_only": d.facts.attention_only,
        "participants_seen": x.participants_seen,
        "seconds_with_data": x.seconds_with_data,
        "seconds_with_faces": s.overall.seconds_with_faces,
        "low_attention_seconds": s.overall.low_attention_seconds,
        "alerts_raised": sum(a.state == "raised" for a in s.alerts),
        "mean_engagement": s.overall.mean_engagement,
        "mean_attention_share": s.overall.mean_attention_share,
    }
