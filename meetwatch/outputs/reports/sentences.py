"""The few plain sentences at the top of a report: what a presenter would tell a colleague.

Deliberately room-level only: a summary that singles out a person by emotion is what the
EU AI Act and our own privacy promise rule out, in every privacy mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meetwatch.outputs.reports import clock
from meetwatch.outputs.text import percent as pct

if TYPE_CHECKING:
    from meetwatch.outputs.reports.summary import ReportSummary

MAX_LISTED = 5
NO_FACES = (
    "No face was measured, so there is nothing to say about attention, engagement or emotion."
)


def people_count(n: int) -> str:
    return f"{n} participant" + ("s" if n != 1 else "")


def describe(s: ReportSummary, tl: clock.Timeline) -> list[str]:
    session, overall = s.session, s.overall
    people = people_count(session.participants_seen)
    if session.kind == "image":
        return [_image_sentence(s, people)]
    end = (
        session.ended_at
        if session.ended_at is not None
        else session.started_at + session.duration_s
    )
    what = "recording" if tl.recording else "session"
    first = (
        f"The {what} ran {clock.duration(session.duration_s)}, from "
        f"{tl.short(session.started_at)} to {tl.short(end)}, with {people}."
    )
    if session.partial:
        first += (
            " It has no recorded end (still running or interrupted): this report covers it so far."
        )
    out = [first]
    if overall.seconds_with_faces == 0:
        return [*out, NO_FACES]
    if overall.mean_engagement is not None:
        line = f"Room engagement averaged {pct(overall.mean_engagement)}"
        if s.low_moments and s.high_moments:
            lo, hi = s.low_moments[0], s.high_moments[0]
            line += (
                f"; it was lowest from {tl.short(lo.start)} to {tl.short(lo.end)} "
                f"({pct(lo.mean_engagement)}) and highest from {tl.short(hi.start)} to "
                f"{tl.short(hi.end)} ({pct(hi.mean_engagement)})"
            )
        out.append(line + ".")
    threshold = pct(s.parameters.low_attention_threshold)
    for iv in s.low_attention[:MAX_LISTED]:
        out.append(
            f"Attention fell below {threshold} from {tl.long(iv.start)} to "
            f"{tl.long(iv.end)} ({clock.duration(iv.duration_s)})."
        )
    if len(s.low_attention) > MAX_LISTED:
        out.append(f"…and {len(s.low_attention) - MAX_LISTED} more times (listed below).")
    if not s.low_attention:
        out.append(no_low_attention(s))
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


def no_low_attention(s: ReportSummary) -> str:
    """Why no low-attention interval is listed: it never happened, or the data are too few to
    tell (a session killed after a few seconds must not read as an attentive one)."""
    p, measured = s.parameters, s.overall.seconds_with_faces
    if measured == 0:
        return "No attention was measured (no face was seen)."
    if measured < p.low_attention_min_seconds:
        return (
            f"Attention was measured for only {clock.duration(measured)}, too short to tell "
            f"whether it stayed below {pct(p.low_attention_threshold)} for "
            f"{p.low_attention_min_seconds} s."
        )
    return (
        f"Attention never stayed below {pct(p.low_attention_threshold)} for "
        f"{p.low_attention_min_seconds} s or longer."
    )


def _image_sentence(s: ReportSummary, people: str) -> str:
    if s.overall.mean_attention_share is None:
        return f"One image with {people}; no face could be measured."
    return (
        f"One image with {people}: {pct(s.overall.mean_attention_share)} of the faces look at "
        f"the screen, room engagement {pct(s.overall.mean_engagement)}."
    )
