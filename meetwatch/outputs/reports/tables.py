"""The report's tables as plain text cells, shared by the HTML and PDF renderers.

Both formats must show the same rows with the same wording; building the cells once means
they only differ in layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from meetwatch.outputs.live.palette import ATTENTION_LABELS
from meetwatch.outputs.reports import clock
from meetwatch.outputs.reports.sentences import no_low_attention
from meetwatch.outputs.reports.summary import Moment, ReportSummary
from meetwatch.outputs.text import percent as pct

PRIVACY_TEXT = {
    "individual": "Individual (per-participant figures)",
    "aggregate_only": "Aggregate only (room figures, no individuals)",
}


NOT_ANALYSED = (
    "Emotion was not analysed in this session (attention-only mode): engagement comes from "
    "attention and presence alone."
)


def mode_text(privacy_mode: str, attention_only: bool) -> str:
    """The session's mode as the report states it."""
    text = PRIVACY_TEXT.get(privacy_mode, privacy_mode)
    return text + ("; attention only, emotion not analysed" if attention_only else "")


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = field(default_factory=frozenset)  # right-aligned columns
    empty: str = "None."  # shown instead of an empty table


def facts(s: ReportSummary, tl: clock.Timeline) -> list[tuple[str, str]]:
    x = s.session
    tz = tl.tz
    privacy = ("Privacy mode", mode_text(x.privacy_mode, x.attention_only))
    figures = [
        ("Mean engagement", pct(s.overall.mean_engagement)),
        ("Mean attentive share", pct(s.overall.mean_attention_share)),
    ]
    analysed = ("Analysed", f"{clock.day(x.started_at, tz)} {clock.hhmm(x.started_at, tz)}")
    if x.kind == "image":
        return [
            ("Image", source_name(x.source)),
            analysed,
            ("Participants seen", str(x.participants_seen)),
            privacy,
            *figures,
            ("Session", x.session_id),
        ]
    length = clock.duration(x.duration_s) + (" so far (partial)" if x.partial else "")
    when = (
        [("Recording", source_name(x.source)), analysed]
        if tl.recording
        else [("Date", clock.day(x.started_at, tz)), ("Started", tl.long(x.started_at))]
    )
    return [
        *when,
        ("Length", length),
        ("Participants seen", str(x.participants_seen)),
        ("Analysis rate", f"{x.analysis_rate:g} frames/s"),
        privacy,
        *figures,
        ("Source", x.source),
        ("Session", x.session_id),
    ]


def source_name(source: str) -> str:
    """'lecture 3.mp4' from 'video:lecture 3.mp4'."""
    return source.split(":", 1)[-1]


def sections(s: ReportSummary, tl: clock.Timeline) -> Table:
    return Table(
        ["Section", "From", "To", "Length", "Engagement", "Attentive", "Low attention"],
        [
            [
                x.title,
                tl.long(x.start),
                tl.long(x.end),
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


def moments(marks: list[Moment], prefix: str, tl: clock.Timeline) -> Table:
    return Table(
        ["", "From", "To", "Mean engagement"],
        [
            [
                f"{prefix}{i}",
                tl.long(m.start),
                tl.long(m.end),
                pct(m.mean_engagement),
            ]
            for i, m in enumerate(marks, start=1)
        ],
        frozenset({3}),
        "None: the session is shorter than two moment windows, or no engagement was measured.",
    )


def low_attention(s: ReportSummary, tl: clock.Timeline) -> Table:
    return Table(
        ["From", "To", "Length", "Mean attentive share"],
        [
            [
                tl.long(x.start),
                tl.long(x.end),
                clock.duration(x.duration_s),
                pct(x.mean_attention_share),
            ]
            for x in s.low_attention
        ],
        frozenset({2, 3}),
        no_low_attention(s),
    )


def participants(s: ReportSummary, tl: clock.Timeline) -> Table | None:
    """None in aggregate-only mode. Rows stay in participant order, never ranked, and carry
    no emotion: nobody is named by their emotion (the room's mix is reported instead)."""
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
            "Away (camera on)",
        ],
        [
            [
                p.label,
                clock.duration(p.seconds_present),
                clock.duration(p.seconds_with_face),
                clock.duration(p.seconds_camera_off) if p.seconds_camera_off else "–",
                pct(p.attentive_share),
                pct(p.mean_engagement),
                ", ".join(f"{tl.long(a.start)}–{tl.long(a.end)}" for a in p.away) or "–",
            ]
            for p in s.participants
        ],
        frozenset({1, 2, 3, 4, 5}),
        "No participant was seen.",
    )


def image_faces(s: ReportSummary) -> Table | None:
    """The participants of a single image: the attention state each face was in."""
    if s.participants is None:
        return None
    return Table(
        ["Participant", "Attention", "Engagement"],
        [
            [
                p.label,
                ", ".join(ATTENTION_LABELS[a] for a in p.attention_seconds) or "–",
                pct(p.mean_engagement),
            ]
            for p in s.participants
        ],
        frozenset({2}),
        "No participant was found in the image.",
    )


def alerts(s: ReportSummary, tl: clock.Timeline) -> Table:
    show_who = s.participants is not None
    headers = ["Time", "Alert", "State"] + (["Participant"] if show_who else [])
    rows = []
    for a in s.alerts:
        row = [tl.long(a.t), a.message, a.state]
        rows.append(row + ([a.participant or "room"] if show_who else []))
    return Table(headers, rows, frozenset(), "No alerts were raised.")
