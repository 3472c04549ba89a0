"""combine_reports: several sessions side by side (HTML and JSON).

For a presenter who gives the same talk more than once, or a weekly meeting: which run held
the room, and which section lost it each time. Only room-level figures are compared, so
aggregate-only sessions can take part and no individual is compared with anyone.
Sections are matched by title across sessions; time is shown as minutes since each session's
start, because the runs happened at different times of day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial
from html import escape
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from pydantic import BaseModel, ConfigDict, Field

from meetwatch.errors import ConfigError
from meetwatch.outputs.reports import clock, figures, tables
from meetwatch.outputs.reports.data import ReportData, StoreLike, load_report_data, opened_store
from meetwatch.outputs.reports.files import check_formats, output_dir, write_atomic, write_text
from meetwatch.outputs.reports.html import page, section_html, table_html
from meetwatch.outputs.reports.summary import (
    SUMMARY_SCHEMA_VERSION,
    Parameters,
    ReportOptions,
    ReportSummary,
    Share,
    summarize,
)
from meetwatch.outputs.reports.svg import to_svg
from meetwatch.outputs.text import percent as pct

COMBINE_FORMATS = ("html", "json")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SectionFigures(_Model):
    title: str
    duration_s: float
    mean_engagement: Share | None
    mean_attention_share: Share | None


class SessionFigures(_Model):
    session_id: str
    name: str = Field(description="How the comparison labels it: local start date and time")
    started_at: float
    started_local: str
    duration_s: float
    partial: bool
    privacy_mode: str
    attention_only: bool
    participants_seen: int
    mean_engagement: Share | None
    mean_attention_share: Share | None
    low_attention_seconds: int
    alerts_raised: int
    sections: list[SectionFigures]


class ComparisonSummary(_Model):
    schema_version: int = SUMMARY_SCHEMA_VERSION
    generated_at: str
    parameters: Parameters
    sessions: list[SessionFigures] = Field(description="In the order given")
    section_titles: list[str] = Field(description="Every section title, in order of appearance")


def combine_reports(
    store: StoreLike | None,
    sessions: Sequence[str | ReportData],
    out_dir: Path | str = ".",
    *,
    formats: Iterable[str] = COMBINE_FORMATS,
    options: ReportOptions | None = None,
) -> list[Path]:
    """Compare sessions, in the order given: ids (or "latest") read from `store`, or
    ReportData already loaded (from any store; `store` may then be None). Returns the files.
    """
    if not sessions:
        raise ConfigError("give at least one session to compare")
    wanted = check_formats(formats, COMBINE_FORMATS)
    options = options or ReportOptions()
    folder = output_dir(out_dir)
    loaded = _load(sessions, store)
    summaries = [summarize(d, options) for d in loaded]
    comparison = compare(loaded, summaries, options)
    stem = folder / f"meetwatch-comparison-{datetime.now(options.zone):%Y%m%d-%H%M%S}"
    render = {
        "json": lambda: comparison.model_dump_json(indent=2) + "\n",
        "html": lambda: _html(loaded, comparison, options),
    }
    return [
        write_atomic(stem.with_suffix(f".{fmt}"), partial(write_text, text=render[fmt]()))
        for fmt in wanted
    ]


def _load(sessions: Sequence[str | ReportData], store: StoreLike | None) -> list[ReportData]:
    ids = [s for s in sessions if isinstance(s, str)]
    if ids and store is None:
        raise ConfigError("session ids need the store they are in (store=...)")
    if not ids:
        return [s for s in sessions if isinstance(s, ReportData)]
    assert store is not None
    with opened_store(store) as opened:
        return [s if isinstance(s, ReportData) else load_report_data(opened, s) for s in sessions]


def compare(
    data: list[ReportData], summaries: list[ReportSummary], options: ReportOptions
) -> ComparisonSummary:
    tz = options.zone
    names = _names(data, options)
    titles = list(dict.fromkeys(x.title for s in summaries for x in s.sections))
    return ComparisonSummary(
        generated_at=datetime.now(tz).isoformat(timespec="seconds"),
        parameters=summaries[0].parameters,
        sessions=[
            SessionFigures(
                session_id=s.session.session_id,
                name=name,
                started_at=s.session.started_at,
                started_local=s.session.started_local,
                duration_s=s.session.duration_s,
                partial=s.session.partial,
                privacy_mode=s.session.privacy_mode,
                attention_only=s.session.attention_only,
                participants_seen=s.session.participants_seen,
                mean_engagement=s.overall.mean_engagement,
                mean_attention_share=s.overall.mean_attention_share,
                low_attention_seconds=s.overall.low_attention_seconds,
                alerts_raised=sum(a.state == "raised" for a in s.alerts),
                sections=[
                    SectionFigures(
                        title=x.title,
                        duration_s=x.duration_s,
                        mean_engagement=x.mean_engagement,
                        mean_attention_share=x.mean_attention_share,
                    )
                    for x in s.sections
                ],
            )
            for s, name in zip(summaries, names, strict=True)
        ],
        section_titles=titles,
    )


def _names(data: list[ReportData], options: ReportOptions) -> list[str]:
    tz = options.zone
    names = [
        f"{clock.day(d.facts.started_at, tz)} {clock.hhmm(d.facts.started_at, tz)}" for d in data
    ]
    if len(set(names)) < len(names):  # same minute: tell them apart by id
        names = [f"{n} ({d.facts.session_id[:6]})" for n, d in zip(names, data, strict=True)]
    return names


def _html(data: list[ReportData], c: ComparisonSummary, options: ReportOptions) -> str:
    names = [s.name for s in c.sessions]
    rows = [
        (
            "Length",
            [
                clock.duration(s.duration_s) + (" (partial)" if s.partial else "")
                for s in c.sessions
            ],
        ),
        ("Participants seen", [str(s.participants_seen) for s in c.sessions]),
        (
            "Privacy mode",
            [tables.mode_text(s.privacy_mode, s.attention_only) for s in c.sessions],
        ),
        ("Mean engagement", [pct(s.mean_engagement) for s in c.sessions]),
        ("Mean attentive share", [pct(s.mean_attention_share) for s in c.sessions]),
        ("Low attention", [clock.duration(s.low_attention_seconds) for s in c.sessions]),
        ("Alerts raised", [str(s.alerts_raised) for s in c.sessions]),
    ]
    overview = tables.Table(["", *names], [[k, *v] for k, v in rows])
    parts = [
        f"<header><h1>Session comparison</h1><p>{len(names)} sessions</p></header>",
        section_html("Sessions side by side", table_html(overview), "overview"),
        section_html("Room engagement over time", _timeline_svg(data, names), "timeline"),
    ]
    if c.section_titles:
        by_title = [{x.title: x for x in s.sections} for s in c.sessions]
        cells = [
            [title]
            + [
                f"{pct(m[title].mean_engagement)} · attentive {pct(m[title].mean_attention_share)}"
                if title in m
                else "–"
                for m in by_title
            ]
            for title in c.section_titles
        ]
        parts.append(
            section_html(
                "Engagement per section",
                "<p>Mean room engagement · mean attentive share.</p>"
                + table_html(tables.Table(["Section", *names], cells)),
                "sections",
            )
        )
    return page("Session comparison", parts)


def _timeline_svg(data: list[ReportData], names: list[str]) -> str:
    """Each session's room engagement against minutes since its start, one colour each."""
    size = figures.bin_seconds(max(len(d.room) for d in data))
    fig = Figure(figsize=(10, 3.2), layout="constrained")
    ax = fig.add_subplot()
    for d, name in zip(data, names, strict=True):
        values = figures.bin_mean(d.room.engagement, size)
        minutes = (np.arange(len(values)) + 0.5) * size / 60
        ax.plot(minutes, values, linewidth=1.3, label=name)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter("{x:.0%}")
    ax.set_xlabel("Minutes since start")
    ax.set_ylabel("Room engagement")
    ax.grid(axis="y", color="#e3e5e8", linewidth=0.6)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return (
        "<figure>" + to_svg(fig, "comparison", escape("Room engagement per session")) + "</figure>"
    )
