"""Wall-clock formatting for reports.

A reader of a meeting report thinks in the local time of the meeting ("it dipped at 14:32"),
not in unix seconds or minutes since start, so every time shown anywhere in a report goes
through here with one time zone: the machine's unless the caller gives one (tests do, so their
expectations do not depend on where they run).
"""

from __future__ import annotations

from datetime import datetime, tzinfo


def local_zone(tz: tzinfo | None) -> tzinfo:
    zone = datetime.now().astimezone().tzinfo if tz is None else tz
    assert zone is not None  # astimezone() always attaches one
    return zone


def at(t: float, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(t, tz)


def hhmm(t: float, tz: tzinfo) -> str:
    return at(t, tz).strftime("%H:%M")


def hhmmss(t: float, tz: tzinfo) -> str:
    return at(t, tz).strftime("%H:%M:%S")


def iso(t: float, tz: tzinfo) -> str:
    return at(t, tz).isoformat(timespec="seconds")


def day(t: float, tz: tzinfo) -> str:
    return at(t, tz).strftime("%Y-%m-%d")


def utc_offset_s(t: float, tz: tzinfo) -> float:
    """Offset at t; plots use the offset at the session start for the whole session (a
    daylight-saving switch mid-meeting would shift the axis by an hour after it)."""
    offset = at(t, tz).utcoffset()
    return 0.0 if offset is None else offset.total_seconds()


def duration(seconds: float) -> str:
    """'45 s', '4 min 05 s', '1 h 02 min': the precision a person reads a span at."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"
