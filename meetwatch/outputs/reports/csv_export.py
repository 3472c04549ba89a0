"""The per-second samples as CSV, for a spreadsheet or a notebook.

One row per participant per second (individual mode) or one row per second of room figures
(aggregate-only mode: the file holds no individual). The first two columns say when:
`time_local` (ISO 8601) and `t` (unix seconds) for a live session, `recording_time`
(HH:MM:SS position in the file) for a recording; `seconds_from_start` follows in both.
The figures' columns are those of the store (meetwatch.session.columns), under the same
names. Columns are formatted as whole arrays and written in chunks: a 2-hour, 49-person session is
350k rows, and per-row formatting in Python would dominate the report's run time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import numpy as np

from meetwatch.outputs.reports import clock
from meetwatch.outputs.reports.data import ReportData
from meetwatch.session.columns import PARTICIPANT, ROOM
from meetwatch.session.rows import Signals

PARTICIPANT_COLUMNS = ("participant_id", "label", *(c.name for c in PARTICIPANT))
ROOM_COLUMNS = tuple(c.name for c in ROOM)
DECIMALS = 4
CHUNK_ROWS = 50_000


def _by_value(values: np.ndarray, text: Callable[[Any], str]) -> np.ndarray:
    """Cells as strings, formatting each distinct value once: a session has few distinct
    (rounded) values and many rows, so this is what makes 350k rows quick to write."""
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.array([text(v) for v in distinct.tolist()], dtype=object)[inverse.reshape(-1)]


def _floats(values: np.ndarray, decimals: int = DECIMALS) -> np.ndarray:
    return _by_value(
        np.round(values.astype(np.float64), decimals), lambda v: "" if v != v else repr(v)
    )


def _counts(values: np.ndarray) -> np.ndarray:
    return _by_value(values.astype(np.float64), lambda v: "" if v != v else str(int(v)))


def _quoted(values: np.ndarray) -> np.ndarray:
    """Text columns (labels may be names with commas or quotes) quoted the csv module's way."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="")

    def quote(v: Any) -> str:
        buf.seek(0)
        buf.truncate()
        writer.writerow([v])
        return buf.getvalue()

    return _by_value(values, quote)


def _write(out: TextIO, header: Sequence[str], columns: list[np.ndarray]) -> None:
    out.write(",".join(header) + "\n")
    for a in range(0, len(columns[0]), CHUNK_ROWS):
        rows = zip(*(c[a : a + CHUNK_ROWS].tolist() for c in columns), strict=True)
        out.write("".join(",".join(r) + "\n" for r in rows))


def time_columns(t: np.ndarray, tl: clock.Timeline) -> tuple[list[str], list[np.ndarray]]:
    """The columns that say when a row is, as header names and formatted cells."""
    stamp = _by_value(t, tl.stamp)
    offset = _floats(t - tl.start, 3)
    if tl.recording:
        return [tl.stamp_name, "seconds_from_start"], [stamp, offset]
    return [tl.stamp_name, "t", "seconds_from_start"], [stamp, _floats(t, 3), offset]


def _signal_cells(signals: Signals, rows: np.ndarray | slice = slice(None)) -> list[np.ndarray]:
    """Every column of `signals` formatted by its SQL type (a TEXT column holds the index of
    its value among the column's categories)."""
    out = []
    for i, c in enumerate(signals.columns):
        values = signals.values[rows, i]
        if c.sql_type == "TEXT":
            out.append(_quoted(np.array(c.categories, object))[values.astype(np.int64)])
        else:
            out.append(_counts(values) if c.sql_type == "INTEGER" else _floats(values))
    return out


def write_csv(data: ReportData, out: TextIO, tl: clock.Timeline) -> None:
    if data.samples is None or data.people is None:
        room = data.room
        rows = room.has_row
        names, when = time_columns(room.t[rows], tl)
        _write(
            out,
            [*names, *ROOM_COLUMNS],
            [*when, *_signal_cells(room.signals, rows)],
        )
        return
    s, people = data.samples, data.people
    labels = np.array(people.labels, dtype=object)[np.searchsorted(people.ids, s.participant_id)]
    names, when = time_columns(s.t, tl)
    _write(
        out,
        [*names, *PARTICIPANT_COLUMNS],
        [*when, _counts(s.participant_id), _quoted(labels), *_signal_cells(s.signals)],
    )
