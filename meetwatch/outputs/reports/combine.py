"""combine_reports: several sessions side by side (HTML, PDF, CSV, JSON and Parquet).

For a presenter who gives the same talk more than once, or a weekly meeting: which run held
the room, and which section lost it each time. Only room-level figures are compared, so
aggregate-only sessions can take part and no individual is compared with anyone.
Sections are matched by title across sessions; time is shown as minutes since each session's
start, because the runs happened at different times of day (and recordings have no time of
day at all). The CSV has one row per session; the Parquet files hold every session's seconds
and figures (see parquet_export).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from pydantic import BaseModel, ConfigDict, Field

from meetwatch.errors import ConfigError
from meetwatch.outputs.reports import clock, figures, tables
from meetwatch.outputs.reports.build import write_files
from meetwatch.outputs.reports.data import ReportData, StoreLike, load_report_data, opened_store
from meetwatch.outputs.reports.files import (
    ALL_FORMATS,
    FORMATS,
    check_formats,
    output_dir,
    write_text,
)
from meetwatch.outputs.reports.html import (
    PHONE_EXTRA_H,
    PHONE_WIDTH_IN,
    figure_pair,
    page,
    section_html,
    table_html,
)
from meetwatch.outputs.reports.parquet_export import write_parquet
from meetwatch.outputs.reports.summary import (
    SUMMARY_SCHEMA_VERSION,
    Parameters,
    ReportOptions,
    ReportSummary,
    Share,
    summarize,
)
from meetwatch.outputs.text import percent as pct

COMBINE_FORMATS = ALL_FORMATS


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
    formats: Iterable[str] = FORMATS,
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
    writers: dict[str, Callable[[Path], None]] = {
        "html": lambda p: write_text(p, _html(loaded, comparison, options)),
        "pdf": lambda p: write_comparison_pdf(comparison, _timeline(loaded, comparison), p),
        "csv": lambda p: write_text(p, comparison_csv(comparison)),
        "json": lambda p: write_text(p, comparison.model_dump_json(indent=2) + "\n"),
    }
    pairs = list(zip(loaded, summaries, strict=True))
    return write_files(stem, wanted, writers, lambda: write_parquet(stem, pairs, options.zone))


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
    """A recording is named by its file, a live session by when it started."""
    tz = options.zone
    names = [
        tables.source_name(d.facts.source)
        if d.facts.kind != "live"
        else f"{clock.day(d.facts.started_at, tz)} {clock.hhmm(d.facts.started_at, tz)}"
        for d in data
    ]
    if len(set(names)) < len(names):  # same minute or file: tell them apart by id
        names = [f"{n} ({d.facts.session_id[:6]})" for n, d in zip(names, data, strict=True)]
    return names


def overview(c: ComparisonSummary) -> tables.Table:
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
    return tables.Table(["", *names], [[k, *v] for k, v in rows])


def per_section(c: ComparisonSummary) -> tables.Table | None:
    if not c.section_titles:
        return None
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
    return tables.Table(["Section", *[s.name for s in c.sessions]], cells)


SECTION_NOTE = "Mean room engagement · mean attentive share."


def _html(data: list[ReportData], c: ComparisonSummary, options: ReportOptions) -> str:
    timeline = _timeline(data, c)
    parts = [
        f"<header><h1>Session comparison</h1><p>{len(c.sessions)} sessions</p></header>",
        section_html("Sessions side by side", table_html(overview(c)), "overview"),
        section_html(
            "Room engagement over time",
            figure_pair(
                timeline.figure(10, 3.2, narrow=False),
                timeline.figure(PHONE_WIDTH_IN, 3.2 + PHONE_EXTRA_H, narrow=True),
                "comparison",
                "Room engagement per session",
            ),
            "timeline",
        ),
    ]
    sections = per_section(c)
    if sections is not None:
        parts.append(
            section_html(
                "Engagement per section",
                f"<p>{SECTION_NOTE}</p>" + table_html(sections),
                "sections",
            )
        )
    return page("Session comparison", parts)


@dataclass(frozen=True)
class Timeline:
    """Each session's room engagement against minutes since its start, one colour each."""

    minutes: list[np.ndarray]
    values: list[np.ndarray]
    names: list[str]

    def draw(self, ax: Axes, narrow: bool) -> None:
        for minutes, values, name in zip(self.minutes, self.values, self.names, strict=True):
            ax.plot(minutes, values, linewidth=1.3, label=name)
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter("{x:.0%}")
        ax.set_xlabel("Minutes since start")
        ax.set_ylabel("Room engagement")
        ax.grid(axis="y", color="#e3e5e8", linewidth=0.6)
        if narrow:
            ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2))
        else:
            ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))

    def figure(self, width: float, height: float, narrow: bool) -> Figure:
        fig = Figure(figsize=(width, height), layout="constrained")
        self.draw(fig.add_subplot(), narrow)
        return fig


def _timeline(data: list[ReportData], c: ComparisonSummary) -> Timeline:
    size = figures.bin_seconds(max(len(d.room) for d in data))
    values = [figures.bin_mean(d.room.engagement, size) for d in data]
    minutes = [(np.arange(len(v)) + 0.5) * size / 60 for v in values]
    return Timeline(minutes, values, [s.name for s in c.sessions])


CSV_COLUMNS = (
    "session_id",
    "name",
    "started_local",
    "duration_s",
    "partial",
    "privacy_mode",
    "attention_only",
    "participants_seen",
    "mean_engagement",
    "mean_attention_share",
    "low_attention_seconds",
    "alerts_raised",
)


def comparison_csv(c: ComparisonSummary) -> str:
    """One row per session, the figures of the JSON file (sections are in the JSON)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in c.sessions:
        row = s.model_dump(mode="json")
        writer.writerow(["" if row[k] is None else row[k] for k in CSV_COLUMNS])
    return buf.getvalue()


def write_comparison_pdf(c: ComparisonSummary, timeline: Timeline, path: Path) -> None:
    from matplotlib import rc_context
    from matplotlib.backends.backend_pdf import PdfPages

    from meetwatch.outputs.reports.pdf import PageFlow

    metadata = {"Title": "Session comparison", "Creator": "meetwatch", "CreationDate": None}
    with rc_context({"pdf.fonttype": 42}), PdfPages(path, metadata=metadata) as pdf:
        flow = PageFlow(pdf)
        flow.heading(f"Session comparison: {len(c.sessions)} sessions", 16)
        flow.table(overview(c))
        flow.heading("Room engagement over time", keep=2.8)
        timeline.draw(flow.axes(2.3, legend_w=1.6), narrow=False)
        sections = per_section(c)
        if sections is not None:
            flow.heading("Engagement per section")
            flow.paragraph(SECTION_NOTE, 9)
            flow.table(sections)
        flow.finish_page()
