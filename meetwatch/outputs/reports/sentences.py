"""The few plain sentences at the top of a report: what a presenter would tell a colleague.

Deliberately room-level only: a summary that singles out a person by emotion is what the
EU AI Act and our own privacy promise rule out, in every privacy mode.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from meetwatch.outputs.reports import clock
from meetwatch.outputs.text import percent as pct

if TYPE_CHECKING:
    from meetwatch.outputs.reports.summary import ReportSummary

MAX_LISTED = 5


def describe(s: ReportSummary, tz: tzinfo) -> list[str]:
    session, overall = s.session, s.overall
    people = f"{session.participants_seen} participant" + (
        "s" if session.participants_seen != 1 else ""
    )
    end = (
        session.ended_at
        if session.ended_at is not None
        else session.started_at + session.duration_s
    )
    first = (
        f"The session ran {clock.duration(session.duration_s)}, from "
        f"{clock.hhmm(session.started_at, tz)} to {clock.hhmm(end, tz)}, with {people}."
    )
    if session.partial:
        first += (
            " It has no recorded end (still running or interrupted): this report covers it so far."
        )
    out = [first]
    if overall.mean_engagement is not None:
        line = f"Room engagement averaged {pct(overall.mean_engagement)}"
        if s.low_moments and s.high_moments:
            lo, hi = s.low_moments[0], s.high_moments[0]
            line += (
                f"; it was lowest from {clock.hhmm(lo.start, tz)} to {clock.hhmm(lo.end, tz)} "
                f"({pct(lo.mean_engagement)}) and highest from {clock.hhmm(hi.start, tz)} to "
                f"{clock.hhmm(hi.end, tz)} ({pct(hi.mean_engagement)})"
            )
        out.append(line + ".")
    threshold = pct(s.parameters.low_attention_threshold)
    for iv in s.low_attention[:MAX_LISTED]:
        out.append(
            f"Attention fell below {threshold} from {clock.hhmmss(iv.start, tz)} to "
            f"{clock.hhmmss(iv.end, tz)} ({clock.duration(iv.duration_s)})."
        )
    if len(s.low_attention) > MAX_LISTED:
        out.append(f"…and {len(s.low_attention) - MAX_LISTED} more times (listed below).")
    if not s.low_attention and overall.mean_attention_share is not None:
        out.append(
            f"Attention never stayed below {threshold} for "
            f"{s.parameters.low_attention_min_seconds} s or longer."
        )
    scored = [x for x in s.sections if x.mean_engagement is not None]
    if len(scored) >= 2:
        lo_sec = min(scored, key=lambda x: x.mean_engagement or 0.0)
        hi_sec = max(scored, key=lambda x: x.mean_engagement or 0.0)
        out.append(
            f"Of the {len(s.sections)} sections, “{hi_sec.title}” held the room best "
            f"({pct(hi_sec.mean_engagement)}) and “{lo_sec.title}” least "
            f"({pct(lo_sec.mean_engagement)})."
        )
    raised = [a for a in s.alerts if a.state == "raised"]
    if raised:
        out.append(f"{len(raised)} alert{'s were' if len(raised) != 1 else ' was'} raised.")
    return out
