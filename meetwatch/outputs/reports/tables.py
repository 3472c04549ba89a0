"""The report's tables as plain text cells, shared by the HTML and PDF renderers.

Both formats must show the same rows with the same wording; building the cells once means
they only differ in layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo

from meetwatch.outputs.reports import clock
from meetwatch.outputs.reports.summary import Moment, ReportSummary
from meetwatch.outputs.text import percent as pct

PRIVACY_TEXT = {
    "individual": "Individual (per-participant figures)",
    "aggregate_only": "Aggregate only (room figures, no individuals)",
}


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = field(default_factory=frozenset)  # right-aligned columns
    empty: str = "None."  # shown instead of an empty table


def facts(s: ReportSummary, tz: tzinfo) -> list[tuple[str, str]]:
    x = s.session
    length = clock.duration(x.duration_s) + (" so far (partial)" if x.partial else "")
    return [
        ("Date", clock.day(x.started_at, tz)),
        ("Started", clock.hhmmss(x.started_at, tz)),
        ("Length", length),
        ("Participants seen", str(x.participants_seen)),
        ("Analysis rate", f"{x.analysis_rate:g} frames/s"),
        ("Privacy mode", PRIVACY_TEXT.get(x.privacy_mode, x.privacy_mode)),
        ("Mean engagement", pct(s.overall.mean_engagement)),
        ("Mean attentive share", pct(s.overall.mean_attention_share)),
        ("Source", x.source),
        ("Session", x.session_id),
    ]


def sections(s: ReportSummary, tz: tzinfo) -> Table:
    return Table(
        ["Section", "From", "To", "Length", "Engagement", "Attentive", "Low attention"],
        [
            [
                x.title,
                clock.hhmmss(x.start, tz),
                clock.hhmmss(x.end, tz),
                clock.duration(x.duration_s),
                pct(x.mean_engagement),
                pct(x.mean_attention_share),
                clock.duration(x.low_attention_seconds) if x.low_attention_seconds else "–",
            ]
            for x in s.sections
        ],
        frozenset({3, 4, 5, 6}),
        "No sections were marked.",
    )


def moments(marks: list[Moment], prefix: str, tz: tzinfo) -> Table:
    return Table(
        ["", "From", "To", "Mean engagement"],
        [
            [
                f"{prefix}{i}",
                clock.hhmmss(m.start, tz),
                clock.hhmmss(m.end, tz),
                pct(m.mean_engagement),
            ]
            for i, m in enumerate(marks, start=1)
        ],
        frozenset({3}),
        "None: the session is shorter than two moment windows, or no engagement was measured.",
    )


def low_attention(s: ReportSummary, tz: tzinfo) -> Table:
    p = s.parameters
    return Table(
        ["From", "To", "Length", "Mean attentive share"],
        [
            [
                clock.hhmmss(x.start, tz),
                clock.hhmmss(x.end, tz),
                clock.duration(x.duration_s),
                pct(x.mean_attention_share),
            ]
            for x in s.low_attention
        ],
        frozenset({2, 3}),
        f"Attention never stayed below {pct(p.low_attention_threshold)} for "
        f"{p.low_attention_min_seconds} s or longer.",
    )


def participants(s: ReportSummary) -> Table | None:
    """None in aggregate-only mode. Rows stay in participant order: never ranked."""
    if s.participants is None:
        return None
    return Table(
        [
            "Participant",
            "Present",
            "Face seen",
            "Camera off",
            "Attentive",
            "Engagement",
            "Emotions",
        ],
        [
            [
                p.label,
                clock.duration(p.seconds_present),
                clock.duration(p.seconds_with_face),
                clock.duration(p.seconds_camera_off) if p.seconds_camera_off else "–",
                pct(p.attentive_share),
                pct(p.mean_engagement),
                ", ".join(f"{e.emotion} {e.share:.0%}" for e in p.dominant_emotions) or "–",
            ]
            for p in s.participants
        ],
        frozenset({1, 2, 3, 4, 5}),
        "No participant was seen.",
    )


def alerts(s: ReportSummary, tz: tzinfo) -> Table:
    show_who = s.participants is not None
    headers = ["Time", "Alert", "State"] + (["Participant"] if show_who else [])
    rows = []
    for a in s.alerts:
        row = [clock.hhmmss(a.t, tz), a.message, a.state]
        rows.append(row + ([a.participant or "room"] if show_who else []))
    return Table(headers, rows, frozenset(), "No alerts were raised.")
