"""The report's findings as one versioned pydantic model: the JSON file, and what every
other format shows.

JSON summary, schema_version 1 (every field is described below; `ReportSummary.
model_json_schema()` gives the machine-readable schema). Times are unix seconds plus the same
instant as local ISO 8601 text (`*_local`); shares and engagement are fractions in [0, 1];
null means "not known" (no face seen), never zero. `participants` is absent in aggregate-only
mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from meetwatch.analysis.signals import EMOTIONS
from meetwatch.errors import ConfigError
from meetwatch.outputs.reports import clock
from meetwatch.outputs.reports.analysis import Span, extreme_windows, low_intervals, nanmean
from meetwatch.outputs.reports.data import ABSENT, STATE_CODE, ReportData, Section
from meetwatch.outputs.reports.sentences import describe

SUMMARY_SCHEMA_VERSION = 1
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
    start_local: str = Field(description="start as local ISO 8601 time")
    end_local: str = Field(description="end as local ISO 8601 time")
    duration_s: float


class SessionSummary(_Model):
    session_id: str
    source: str = Field(description="What was analysed, e.g. 'window:Zoom Meeting'")
    started_at: float
    started_local: str
    ended_at: float | None = Field(description="null: still running or interrupted")
    ended_local: str | None
    partial: bool = Field(description="true when no end was recorded: the report is so far")
    duration_s: float
    analysis_rate: float = Field(description="Frames analysed per second (target)")
    privacy_mode: str = Field(description="'individual' or 'aggregate_only'")
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


class EmotionShare(_Model):
    emotion: str
    share: Share = Field(description="Mean probability over the seconds with a face")


class ParticipantStats(_Model):
    participant_id: int
    label: str = Field(description='"Participant N" unless names were enabled')
    first_seen: float
    last_seen: float
    seconds_present: int = Field(description="Seconds with a tile for this participant")
    seconds_with_face: int = Field(description="...of which a face was seen")
    seconds_camera_off: int
    attentive_share: Share | None = Field(description="Share of face seconds on screen")
    mean_engagement: Share | None
    dominant_emotions: list[EmotionShare] = Field(description="Two largest, largest first")


class AlertSummary(_Model):
    t: float
    time_local: str
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
    t0 = float(room.t[0])

    def grid_span(s: Span) -> dict[str, Any]:
        return _span(t0 + s.start, t0 + s.end, tz)

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
            source=f.source,
            started_at=f.started_at,
            started_local=clock.iso(f.started_at, tz),
            ended_at=f.ended_at,
            ended_local=None if f.ended_at is None else clock.iso(f.ended_at, tz),
            partial=f.partial,
            duration_s=f.duration_s,
            analysis_rate=f.analysis_rate,
            privacy_mode=f.privacy_mode,
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
        ),
        sections=[_section(s, data, low_mask, tz) for s in data.sections],
        low_moments=[Moment(**grid_span(s), mean_engagement=s.mean) for s in moments[False]],
        high_moments=[Moment(**grid_span(s), mean_engagement=s.mean) for s in moments[True]],
        low_attention=[
            LowAttentionInterval(**grid_span(s), mean_attention_share=s.mean) for s in low
        ],
        participants=None if data.people is None else _participants(data),
        alerts=[
            AlertSummary(
                t=a.t,
                time_local=clock.iso(a.t, tz),
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
    return summary.model_copy(update={"summary": describe(summary, tz)})


def _span(a: float, b: float, tz: tzinfo) -> dict[str, Any]:
    return {
        "start": a,
        "end": b,
        "start_local": clock.iso(a, tz),
        "end_local": clock.iso(b, tz),
        "duration_s": b - a,
    }


def _section(s: Section, data: ReportData, low_mask: np.ndarray, tz: tzinfo) -> SectionStats:
    room = data.room
    a, b = np.searchsorted(room.t, [s.start, s.end], side="left").tolist()
    return SectionStats(
        **_span(s.start, s.end, tz),
        title=s.title,
        mean_engagement=nanmean(room.engagement[a:b]),
        mean_attention_share=nanmean(room.attention_share[a:b]),
        low_attention_seconds=int(low_mask[a:b].sum()),
    )


def _participants(data: ReportData) -> list[ParticipantStats]:
    people = data.people
    assert people is not None
    state = people.state
    present = (state != ABSENT).sum(axis=1)
    face = np.isin(state, FACE_CODES).sum(axis=1)
    on_screen = (state == ON_SCREEN).sum(axis=1)
    camera_off = (state == CAMERA_OFF).sum(axis=1)
    out = []
    for i, pid in enumerate(people.ids.tolist()):
        mix = people.emotion_mean[i]
        top = [
            int(k) for k in np.argsort(-np.nan_to_num(mix, nan=-1.0))[:2] if not np.isnan(mix[k])
        ]
        out.append(
            ParticipantStats(
                participant_id=pid,
                label=people.labels[i],
                first_seen=float(people.first_seen[i]),
                last_seen=float(people.last_seen[i]),
                seconds_present=int(present[i]),
                seconds_with_face=int(face[i]),
                seconds_camera_off=int(camera_off[i]),
                attentive_share=float(on_screen[i] / face[i]) if face[i] else None,
                mean_engagement=nanmean(people.engagement[i].astype(np.float64)),
                dominant_emotions=[
                    EmotionShare(emotion=EMOTIONS[k], share=float(mix[k])) for k in top
                ],
            )
        )
    return out
