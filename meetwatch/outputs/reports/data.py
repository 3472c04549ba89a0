"""Everything a report shows, loaded once from the session store into numpy arrays.

Every renderer (HTML, PDF, CSV, JSON, the comparison) reads one ReportData, so they cannot
disagree about what happened. The data are laid on a regular grid of whole seconds from the
first to the last sample: a second without a row stays NaN (a gap is missing data, not a
dip), and per-participant values become (participants x seconds) matrices that the
statistics and the heatmap index directly instead of looping over 350k rows.

In aggregate-only mode the per-participant tables are never read, so no renderer can leak
them by mistake. The store is read through its methods, opened read-only when given as a
path; the per-second columns are those of meetwatch.session.columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any, Literal

import numpy as np

from meetwatch.errors import DataError, StoreError
from meetwatch.outputs.reports import clock
from meetwatch.session.columns import ROOM
from meetwatch.session.rows import (
    EventRow,
    ParticipantRow,
    RoomTable,
    SampleArrays,
    SessionRecord,
    Signals,
)
from meetwatch.session.store import SessionStore
from meetwatch.shared import ATTENTION_STATES

StoreLike = SessionStore | Path | str
SessionKind = Literal["live", "recording", "image"]

ABSENT = -1  # state code of a second without a row for that participant
STATE_CODE = {s: i for i, s in enumerate(ATTENTION_STATES)}
FACE_STATES = ("on_screen", "away", "eyes_closed")  # a face was seen; attention is judged
MAX_SPAN_S = 48 * 3600


@dataclass(frozen=True)
class SessionFacts:
    session_id: str
    started_at: float
    ended_at: float | None  # None: still running, or it stopped without ending cleanly
    source: str
    analysis_rate: float
    privacy_mode: str
    app_version: str
    first_t: float  # first second with data
    last_t: float  # last second with data
    participants_seen: int
    attention_only: bool = False  # emotion was not analysed

    @property
    def partial(self) -> bool:
        return self.ended_at is None

    @property
    def end(self) -> float:
        """When the report's timeline ends: the recorded end, or just after the last data."""
        return self.ended_at if self.ended_at is not None else self.last_t + 1

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end - self.started_at)

    @property
    def aggregate_only(self) -> bool:
        return self.privacy_mode == "aggregate_only"

    @property
    def kind(self) -> SessionKind:
        """An image is one frame: its report shows faces, not time charts."""
        if self.source.startswith("image:"):
            return "image"
        return "recording" if clock.is_recording(self.source) else "live"

    def timeline(self, tz: tzinfo) -> clock.Timeline:
        return clock.timeline(self.source, self.started_at, tz)


@dataclass(frozen=True)
class RoomSeries:
    """The room at each second of the grid t[0], t[0] + 1, ... (NaN where no row);
    `signals` has every column of columns.ROOM."""

    t: np.ndarray  # (S,) float64 unix seconds
    signals: Signals  # (S, len(ROOM))
    has_row: np.ndarray  # (S,) bool

    def __len__(self) -> int:
        return len(self.t)

    @property
    def engagement(self) -> np.ndarray:
        return self.signals.column("engagement")

    @property
    def attention_share(self) -> np.ndarray:
        return self.signals.column("attention_share")

    @property
    def participants_total(self) -> np.ndarray:
        return self.signals.column("participants_total")

    @property
    def emotion(self) -> np.ndarray:
        """(S, 7) FER-2013 order."""
        return self.signals.field("emotion_mix")

    @property
    def attention_counts(self) -> np.ndarray:
        """(S, 5) ATTENTION_STATES order; NaN in schema-1 rows."""
        return self.signals.field("attention_counts")


@dataclass(frozen=True)
class ParticipantSeries:
    """Per participant on the room grid; row i is ids[i]."""

    ids: np.ndarray  # (P,) int64, ascending
    labels: list[str]
    state: np.ndarray  # (P, S) int8 index into ATTENTION_STATES, ABSENT where no row
    engagement: np.ndarray  # (P, S) float32
    first_seen: np.ndarray  # (P,) unix seconds
    last_seen: np.ndarray  # (P,)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Section:
    title: str
    start: float
    end: float


@dataclass(frozen=True)
class AlertRecord:
    t: float
    kind: str
    message: str
    state: str  # 'raised' | 'cleared'
    since: float | None
    value: float | None
    participant: str | None  # label; None for room alerts


@dataclass(frozen=True)
class ReportData:
    facts: SessionFacts
    room: RoomSeries
    people: ParticipantSeries | None  # None in aggregate-only mode
    samples: SampleArrays | None  # raw rows for the CSV; None in aggregate-only mode
    sections: list[Section]
    alerts: list[AlertRecord]
    events: list[EventRow]


@contextmanager
def opened_store(store_or_path: StoreLike) -> Iterator[SessionStore]:
    """Use an open store as-is, or open (and upgrade) the file and close it afterwards.

    A file is opened read-only: a report never writes or upgrades the store."""
    if isinstance(store_or_path, SessionStore):
        yield store_or_path
        return
    store = SessionStore.open_readonly(store_or_path)
    try:
        yield store
    finally:
        store.close()


def load_report_data(store_or_path: StoreLike, session: str = "latest") -> ReportData:
    """Read one session (an id or "latest") for reporting; a running one is read so far."""
    with opened_store(store_or_path) as store:
        record = latest_session(store) if session == "latest" else store.get_session(session)
        sid = record.session_id
        aggregate = record.info.privacy_mode == "aggregate_only"
        room_rows = store.room_table(sid)
        samples = None if aggregate else store.sample_arrays(sid)
        participants = [] if aggregate else store.participants(sid)
        events = store.events(sid)
    if not len(room_rows) and (samples is None or len(samples) == 0):
        raise StoreError(
            f"session {sid} has no samples yet, so there is nothing to report; "
            "let it run for a few seconds or choose another session"
        )
    t0, span = _grid(room_rows, samples)
    room = _room_series(room_rows, t0, span)
    people = None if samples is None else _participant_series(samples, participants, t0, span)
    info = record.info
    seen = len(people) if people is not None else int(np.nanmax(room.participants_total, initial=0))
    facts = SessionFacts(
        session_id=sid,
        started_at=info.started_at,
        ended_at=info.ended_at,
        source=info.source,
        analysis_rate=info.analysis_rate,
        privacy_mode=info.privacy_mode,
        app_version=record.app_version,
        first_t=float(t0),
        last_t=float(t0 + span - 1),
        participants_seen=seen,
        attention_only=info.attention_only,
    )
    labels = {} if people is None else dict(zip(people.ids.tolist(), people.labels, strict=True))
    return ReportData(
        facts=facts,
        room=room,
        people=people,
        samples=samples,
        sections=_sections(events, facts),
        alerts=_alerts(events, labels, aggregate),
        events=events,
    )


def latest_session(store: SessionStore) -> SessionRecord:
    """The newest meeting with data: a single image analysed with --store, or a session that
    stopped before its first sample, is not what "report latest" means (the newest of
    those is still taken when there is nothing else)."""
    sessions = store.list_sessions()
    if not sessions:
        raise StoreError(f"no sessions recorded yet in {store.path}")
    with_data = store.session_ids_with_samples()
    for record in sessions:
        if record.session_id in with_data and not record.info.source.startswith("image:"):
            return record
    return sessions[0]


def _grid(rows: RoomTable, samples: SampleArrays | None) -> tuple[int, int]:
    times = [np.floor(rows.t)]
    if samples is not None and len(samples):
        times.append(np.floor(samples.t))
    all_t = np.concatenate(times)
    t0, t1 = int(all_t.min()), int(all_t.max())
    if t1 - t0 > MAX_SPAN_S:
        raise DataError(
            f"the samples span {(t1 - t0) / 3600:.0f} hours, more than a meeting can; "
            "the session store looks damaged"
        )
    return t0, t1 - t0 + 1


def _room_series(rows: RoomTable, t0: int, span: int) -> RoomSeries:
    idx = np.floor(rows.t).astype(np.int64) - t0
    values = np.full((span, len(ROOM)), np.nan)
    values[idx] = rows.signals.values
    has_row = np.zeros(span, bool)
    has_row[idx] = True
    return RoomSeries(
        t=np.arange(t0, t0 + span, dtype=np.float64),
        signals=Signals(ROOM, values),
        has_row=has_row,
    )


def _participant_series(
    s: SampleArrays, rows: list[ParticipantRow], t0: int, span: int
) -> ParticipantSeries:
    known = {r.participant_id: r for r in rows}
    ids = np.union1d(np.array(list(known), np.int64), np.unique(s.participant_id))
    row = np.searchsorted(ids, s.participant_id)
    col = np.floor(s.t).astype(np.int64) - t0
    state = np.full((len(ids), span), ABSENT, np.int8)
    state[row, col] = s.signals.column("attention")  # coded in ATTENTION_STATES order
    engagement = np.full((len(ids), span), np.nan, np.float32)
    engagement[row, col] = s.signals.column("engagement")
    first = np.full(len(ids), np.inf)
    last = np.full(len(ids), -np.inf)
    np.minimum.at(first, row, s.t)
    np.maximum.at(last, row, s.t)
    for i, pid in enumerate(ids.tolist()):
        if pid in known:
            first[i] = min(first[i], known[pid].first_seen)
            last[i] = max(last[i], known[pid].last_seen)
    return ParticipantSeries(
        ids=ids,
        labels=[known[p].label if p in known else f"Participant {p}" for p in ids.tolist()],
        state=state,
        engagement=engagement,
        first_seen=first,
        last_seen=last,
    )


def _sections(events: list[EventRow], facts: SessionFacts) -> list[Section]:
    """Section markers split the timeline; time before the first marker is its own part."""
    marks = [e for e in events if e.kind == "section"]
    if not marks:
        return []
    start, end = facts.first_t, max(facts.end, facts.last_t + 1)
    starts = [min(max(e.t, start), end) for e in marks]
    titles = [str(e.payload.get("title") or f"Section {i + 1}") for i, e in enumerate(marks)]
    if starts[0] - start >= 1:
        starts.insert(0, start)
        titles.insert(0, "Before first section")
    ends = [*starts[1:], end]
    return [Section(title, a, b) for title, a, b in zip(titles, starts, ends, strict=True)]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _alerts(events: list[EventRow], labels: dict[int, str], aggregate: bool) -> list[AlertRecord]:
    out = []
    for e in events:
        if e.kind != "alert":
            continue
        p = e.payload
        pid = p.get("participant_id")
        if pid is not None and aggregate:
            continue  # a per-participant alert names a person; aggregate-only shows none
        out.append(
            AlertRecord(
                t=e.t,
                kind=str(p.get("kind", "alert")),
                message=str(p.get("message") or p.get("kind") or "alert"),
                state=str(p.get("state", "raised")),
                since=_number(p.get("since")),
                value=_number(p.get("value")),
                participant=None if pid is None else labels.get(pid, f"Participant {pid}"),
            )
        )
    return out
