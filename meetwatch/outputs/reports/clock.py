"""How a report names an instant: wall-clock time of a live meeting, position in a recording.

A reader of a live meeting's report thinks in the local time of the meeting ("it dipped at
14:32"); a teacher reading the report of a recorded lecture needs the position in the file
("00:12:30") to find the moment in the video. Every time shown anywhere in a report goes
through one Timeline, so the HTML, PDF, CSV, JSON and Parquet files cannot disagree about
which of the two they speak. Live reports use one time zone: the machine's unless the caller
gives one (tests do, so their expectations do not depend on where they run).

Recordings are stored with sample times `started_at + position in the file` (started_at a
whole second; see meetwatch.session_runner), so the position is simply `t - started_at`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

RECORDING_PREFIXES = ("video:", "image:")


def local_zone(tz: tzinfo | None) -> tzinfo:
    zone = datetime.now().astimezone().tzinfo if tz is None else tz
    assert zone is not None  # astimezone() always attaches one
    return zone


def at(t: float, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(t, tz)


def day(t: float, tz: tzinfo) -> str:
    return at(t, tz).strftime("%Y-%m-%d")


def hhmm(t: float, tz: tzinfo) -> str:
    return at(t, tz).strftime("%H:%M")


def hhmmss(t: float, tz: tzinfo) -> str:
    return at(t, tz).strftime("%H:%M:%S")


def iso(t: float, tz: tzinfo) -> str:
    return at(t, tz).isoformat(timespec="seconds")


def position(seconds: float) -> str:
    """'00:12:30': a position in a recording, as video players show it (the second it is
    in, not the nearest one: a player shows 00:12:30 until 00:12:31 begins)."""
    s = max(0, int(seconds + 1e-6))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def is_recording(source: str) -> bool:
    return source.startswith(RECORDING_PREFIXES)


@dataclass(frozen=True)
class Timeline:
    """`start`: when the session started (unix seconds); in a recording, the file's 00:00:00."""

    tz: tzinfo
    start: float
    recording: bool = False

    def seconds(self, t: float) -> float:
        """Seconds from the start (in a recording: the position in the file)."""
        return t - self.start

    def short(self, t: float) -> str:
        """'14:32' live, '00:12:30' in a recording (minutes alone cannot find a moment)."""
        return position(t - self.start) if self.recording else hhmm(t, self.tz)

    def long(self, t: float) -> str:
        """'14:32:05' live, '00:12:30' in a recording."""
        return position(t - self.start) if self.recording else hhmmss(t, self.tz)

    def stamp(self, t: float) -> str:
        """Machine-readable: local ISO 8601 live, 'HH:MM:SS' position in a recording."""
        return position(t - self.start) if self.recording else iso(t, self.tz)

    @property
    def stamp_name(self) -> str:
        """The name of the `stamp` column in tables (CSV, Parquet)."""
        return "recording_time" if self.recording else "time_local"

    def utc_offset_s(self, t: float) -> float:
        """Added to unix seconds for plotting: the local offset at t (a daylight-saving
        switch mid-meeting would shift the axis by an hour after it), or minus the start so
        a recording's axis starts at 00:00:00."""
        if self.recording:
            return -self.start
        offset = at(t, self.tz).utcoffset()
        return 0.0 if offset is None else offset.total_seconds()


def timeline(source: str, started_at: float, tz: tzinfo) -> Timeline:
    """A recording's 00:00:00 is its session start's whole second: the aggregator bins
    samples by whole seconds of the session clock, and files are mapped onto it from there."""
    if is_recording(source):
        return Timeline(tz, float(int(started_at)), True)
    return Timeline(tz, started_at)


def duration(seconds: float) -> str:
    """'45 s', '4 min 05 s', '1 h 02 min': the precision a person reads a span at."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"
