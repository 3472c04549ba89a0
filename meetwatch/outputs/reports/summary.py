"""The report's findings as one versioned pydantic model: the JSON file, and what every
other format shows.

JSON summary, schema_version 2 (every field is described below; `ReportSummary.
model_json_schema()` gives the machine-readable schema). Every instant is given three ways:
unix seconds (`start`), seconds from the start of the session (`start_s`; in a recording, the
position in the file) and as text (`start_time`): local ISO 8601 time for a live session,
`HH:MM:SS` position in the file for a recording (`session.kind`). Shares and engagement are
fractions in [0, 1]; null means "not known" (no face seen), never zero. `participants` is
absent in aggregate-only mode.

Version 2 (from 1): `*_local` of spans and alerts became `*_time` (recording time for
recordings) plus `*_s`; `session.kind` and `overall.seconds_with_faces` were added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from meetwatch.errors import ConfigError
from meetwatch.outputs.reports import clock
from meetwatch.outputs.reports.analysis import (
    Span,
    extreme_windows,
    low_intervals,
    nanmean,
    runs,
)
from meetwatch.outputs.reports.data import ABSENT, STATE_CODE, ReportData, Section, SessionKind
from meetwatch.outputs.reports.sentences import describe
from meetwatch.shared import ATTENTION_STATES, NOT_ATTENDING, AttentionState

SUMMARY_SCHEMA_VERSION = 2
TIME_TEXT = "local ISO 8601 time (live) or HH:MM:SS position in the file (recording)"
OFFSET_TEXT = "seconds from the session start (recording: position in the file)"
ON_SCREEN = STATE_CODE["on_screen"]
FACE_CODES = [STATE_CODE[s] for s in ("on_screen", "away", "eyes_closed")]
CAMERA_OFF = STATE_CODE["camera_off"]


@dataclass(frozen=True)
class ReportOptions:
    """How the report judges the session (shown in the report so a reader knows the rules)."""

    low_attention_threshold: float = 0.5  # room attention share below this is "low"
    low_attention_min_seconds: int = 30  # ...for at least this long to be listed
    moment_window_s: int = 60  # length of a low/high engagement moment
    moment_count: int = 3  # how many low and how many high moments
    away_min_seconds: int = 10  # a participant away this long (camera on) is listed
    tz: tzinfo | None = None  # local time zone of the report (None: this machine's)

    def __post_init__(self) -> None:
        if not 0 < self.low_attention_threshold <= 1:
            raise ConfigError("low-attention threshold must be a share in (0, 1]")
        if self.low_attention_min_seconds < 1 or self.moment_window_s < 1:
            raise ConfigError("low-attention duration and moment window must be >= 1 s")
        if self.moment_count < 0:
            raise ConfigError("the number of moments cannot be negative")

    @property
    def zone(self) -> tzinfo:
        return clock.local_zone(self.tz)


# Fractions are kept exact in memory and written with 4 decimals: 0.7, not 0.7000000000000003.
Share = Annotated[float, PlainSerializer(lambda v: round(v, 4), when_used="json")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeSpan(_Model):
    start: float = Field(description="Unix seconds")
    end: float = Field(description="Unix seconds, exclusive")
    start_s: float = Field(description=f"start in {OFFSET_TEXT}")
    end_s: float = Field(description=f"end in {OFFSET_TEXT}")
    start_time: str = Field(description=f"start as {TIME_TEXT}")
    end_time: str = Field(description=f"end as {TIME_TEXT}")
    duration_s: float


class SessionSummary(_Model):
    session_id: str
    kind: SessionKind = Field(
        description="'live' (a meeting watched live), 'recording' (a video file: times are "
        "positions in the file) or 'image' (one frame: no timeline)"
    )
    source: str = Field(description="What was analysed, e.g. 'window:Zoom Meeting'")
    started_at: float = Field(description="Unix seconds (recording: when it was analysed)")
    started_local: str = Field(description="started_at as local ISO 8601 time")
    ended_at: float | None = Field(description="null: still running or interrupted")
    ended_local: str | None
    partial: bool = Field(description="true when no end was recorded: the report is so far")
    duration_s: float
    analysis_rate: float = Field(description="Frames analysed per second (target)")
    privacy_mode: str = Field(description="'individual' or 'aggregate_only'")
    attention_only: bool = Field(
        description="true: emotion was not analysed (attention-only mode); engagement comes "
        "from attention and presence alone"
    )
    app_version: str
    participants_seen: int
    seconds_with_data: int = Field(description="Seconds with a room sample")


class Parameters(_Model):
    low_attention_threshold: float
    low_attention_min_seconds: int
    moment_window_s: int
    moment_count: int


class Overall(_Model):
    mean_engagement: Share | None = Field(description="Mean room engagement")
    mean_attention_share: Share | None = Field(description="Mean share of faces on screen")
    low_attention_seconds: int = Field(description="Total length of low_attention intervals")
    seconds_with_faces: int = Field(description="Seconds in which attention was measured")


class SectionStats(TimeSpan):
    title: str
    mean_engagement: Share | None
    mean_attention_share: Share | None
    low_attention_seconds: int


class Moment(TimeSpan):
    """A window of moment_window_s seconds with a low or high mean room engagement."""

    mean_engagement: Share


class LowAttentionInterval(TimeSpan):
    """A run of seconds with room attention share below the threshold."""

    mean_attention_share: Share


class ParticipantStats(_Model):
    participant_id: int
    label: str = Field(description='"Participant N"')
    first_seen: float = Field(description="Unix seconds")
    last_seen: float = Field(description="Unix seconds")
    first_seen_time: str = Field(description=TIME_TEXT)
    last_seen_time: str = Field(description=TIME_TEXT)
    seconds_present: int = Field(description="Seconds with a tile for this participant")
    seconds_with_face: int = Field(description="...of which a face was seen")
    seconds_camera_off: int
    attention_seconds: dict[AttentionState, int] = Field(
        description="Seconds in each attention state (states never seen are left out)"
    )
    attentive_share: Share | None = Field(
        description="Share of the seconds with the camera on spent looking at the screen "
        "(seconds gone from the picture count as not looking)"
    )
    mean_engagement: Share | None
    away: list[TimeSpan] = Field(
        default_factory=list,
        description="Stretches of at least away_min_seconds with the camera on and the "
        "participant looking away or gone from the picture",
    )


class AlertSummary(_Model):
    t: float = Field(description="Unix seconds")
    t_s: float = Field(description=OFFSET_TEXT)
    time: str = Field(description=TIME_TEXT)
    kind: str
    state: str = Field(description="'raised' or 'cleared'")
    message: str
    since: float | None = Field(description="When the condition started (unix seconds)")
    participant: str | None = Field(description="Label for per-participant alerts")


class ReportSummary(_Model):
    schema_version: int = SUMMARY_SCHEMA_VERSION
    generated_at: str = Field(description="Local ISO 8601 time the report was made")
    session: SessionSummary
    parameters: Parameters
    overall: Overall
    sections: list[SectionStats] = Field(description="Empty when no section was marked")
    low_moments: list[Moment] = Field(description="Lowest engagement windows, lowest first")
    high_moments: list[Moment] = Field(description="Highest engagement windows, highest first")
    low_attention: list[LowAttentionInterval]
    participants: list[ParticipantStats] | None = Field(
        None, description="Per participant; absent in aggregate-only mode"
    )
    alerts: list[AlertSummary]
    summary: list[str] = Field(description="Plain-language sentences")


def summarize(data: ReportData, options: ReportOptions) -> ReportSummary:
    tz = options.zone
    f, room = data.facts, data.room
    tl = f.timeline(tz)
    t0 = float(room.t[0])

    def grid_span(s: Span) -> dict[str, Any]:
        return _span(t0 + s.start, t0 + s.end, tl)

    low = low_intervals(
        room.attention_share, options.low_attention_threshold, options.low_attention_min_seconds
    )
    moments = {
        highest: extreme_windows(
            room.engagement, options.moment_window_s, options.moment_count, highest
        )
        for highest in (False, True)
    }
    low_mask = np.zeros(len(room), bool)
    for s in low:
        low_mask[s.start : s.end] = True
    summary = ReportSummary(
        generated_at=datetime.now(tz).isoformat(timespec="seconds"),
        session=SessionSummary(
            session_id=f.session_id,
            kind=f.kind,
            source=f.source,
            started_at=f.started_at,
            started_local=clock.iso(f.started_at, tz),
            ended_at=f.ended_at,
            ended_local=None if f.ended_at is None else clock.iso(f.ended_at, tz),
            partial=f.partial,
            duration_s=f.duration_s,
            analysis_rate=f.analysis_rate,
            privacy_mode=f.privacy_mode,
            attention_only=f.attention_only,
            app_version=f.app_version,
            participants_seen=f.participants_seen,
            seconds_with_data=int(room.has_row.sum()),
        ),
        parameters=Parameters(
            low_attention_threshold=options.low_attention_threshold,
            low_attention_min_seconds=options.low_attention_min_seconds,
            moment_window_s=options.moment_window_s,
            moment_count=options.moment_count,
        ),
        overall=Overall(
            mean_engagement=nanmean(room.engagement),
            mean_attention_share=nanmean(room.attention_share),
            low_attention_seconds=int(low_mask.sum()),
            seconds_with_faces=int((~np.isnan(room.attention_share)).sum()),
        ),
        sections=[_section(s, data, low_mask, tl) for s in data.sections],
        low_moments=[Moment(**grid_span(s), mean_engagement=s.mean) for s in moments[False]],
        high_moments=[Moment(**grid_span(s), mean_engagement=s.mean) for s in moments[True]],
        low_attention=[
            LowAttentionInterval(**grid_span(s), mean_attention_share=s.mean) for s in low
        ],
        participants=None
        if data.people is None
        else _participants(data, tl, options.away_min_seconds),
        alerts=[
            AlertSummary(
                t=a.t,
                t_s=tl.seconds(a.t),
                time=tl.stamp(a.t),
                kind=a.kind,
                state=a.state,
                message=a.message,
                since=a.since,
                participant=a.participant,
            )
            for a in data.alerts
        ],
        summary=[],
    )
    return summary.model_copy(update={"summary": describe(summary, tl)})


def _span(a: float, b: float, tl: clock.Timeline) -> dict[str, Any]:
    return {
        "start": a,
        "end": b,
        "start_s": tl.seconds(a),
        "end_s": tl.seconds(b),
        "start_time": tl.stamp(a),
        "end_time": tl.stamp(b),
        "duration_s": b - a,
    }


def _section(
    s: Section, data: ReportData, low_mask: np.ndarray, tl: clock.Timeline
) -> SectionStats:
    room = data.room
    a, b = np.searchsorted(room.t, [s.start, s.end], side="left").tolist()
    return SectionStats(
        **_span(s.start, s.end, tl),
        title=s.title,
        mean_engagement=nanmean(room.engagement[a:b]),
        mean_attention_share=nanmean(room.attention_share[a:b]),
        low_attention_seconds=int(low_mask[a:b].sum()),
    )


def _participants(
    data: ReportData, tl: clock.Timeline, away_min_seconds: int
) -> list[ParticipantStats]:
    people = data.people
    assert people is not None
    state = people.state
    present = (state != ABSENT).sum(axis=1)
    face = np.isin(state, FACE_CODES).sum(axis=1)
    on_screen = (state == ON_SCREEN).sum(axis=1)
    camera_off = (state == CAMERA_OFF).sum(axis=1)
    camera_on = present - camera_off
    per_state = np.stack([(state == STATE_CODE[a]).sum(axis=1) for a in ATTENTION_STATES], 1)
    not_attending = np.isin(state, [STATE_CODE[a] for a in NOT_ATTENDING])
    t0 = float(data.room.t[0])
    out = []
    for i, pid in enumerate(people.ids.tolist()):
        out.append(
            ParticipantStats(
                participant_id=pid,
                label=people.labels[i],
                first_seen=float(people.first_seen[i]),
                last_seen=float(people.last_seen[i]),
                first_seen_time=tl.stamp(float(people.first_seen[i])),
                last_seen_time=tl.stamp(float(people.last_seen[i])),
                seconds_present=int(present[i]),
                seconds_with_face=int(face[i]),
                seconds_camera_off=int(camera_off[i]),
                attention_seconds={
                    a: int(n)
                    for a, n in zip(ATTENTION_STATES, per_state[i].tolist(), strict=True)
                    if n
                },
                attentive_share=float(on_screen[i] / camera_on[i]) if face[i] else None,
                mean_engagement=nanmean(people.engagement[i].astype(np.float64)),
                away=[
                    TimeSpan(**_span(t0 + a, t0 + b, tl))
                    for a, b in runs(not_attending[i])
                    if b - a >= away_min_seconds
                ],
            )
        )
    return out
