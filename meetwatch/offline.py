"""`meetwatch analyze`: the live core run over a recorded meeting video or a single image.

Frames are analysed one after another (nothing is dropped: there is no live deadline) with
the same Perception and RoomState as a live session, and the result is recorded as a
session unless the user opts out, so `meetwatch report` works on recordings too.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from meetwatch.aggregation.models import SCHEMA_VERSION, AttentionState, RoomEngagement, SessionInfo
from meetwatch.capture.files import ImageSource, VideoSource
from meetwatch.capture.source import FrameSource
from meetwatch.config import Config
from meetwatch.pipeline import Perception, RoomState
from meetwatch.runtime.events import Event, EventBus

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


class ParticipantResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: int
    label: str
    slot: int
    seconds_seen: int = Field(description="Seconds with a sample (face or not)")
    attention: dict[AttentionState, float] = Field(description="Share of seconds in each state")
    mean_engagement: float | None
    last: dict[str, object] = Field(description="The last measurement (ParticipantEngagement)")


class AnalysisResult(BaseModel):
    """What `meetwatch analyze --json` prints."""

    model_config = ConfigDict(extra="forbid")
    schema_version: int = SCHEMA_VERSION
    source: str
    session_id: str | None = Field(description="Recorded session id; None with --no-store")
    frames_analysed: int
    duration_seconds: float
    tiles: int = Field(description="Tiles found in the last frame")
    layout: str
    faces: int = Field(description="Faces found in the last frame")
    room: RoomEngagement | None = Field(description="Room figures at the last frame")
    participants: list[ParticipantResult]


def source_for(path: Path, rate: float) -> FrameSource:
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path)
    return VideoSource(path, rate=rate)


def analyse(
    path: Path,
    config: Config,
    bus: EventBus | None = None,
    rate: float = 1.0,
    progress: Callable[[int, int], None] | None = None,
) -> AnalysisResult:
    """Analyse every sampled frame; `bus` receives the session's events (recorder, etc.)."""
    bus = bus or EventBus()
    source = source_for(path, rate)
    seconds: list[RoomEngagement] = []
    unsubscribe = bus.subscribe(
        lambda e: seconds.append(e.payload) if e.kind == "EngagementUpdated" else None
    )
    with source:
        perception = Perception(config)
        started = time.time()
        info = SessionInfo(
            session_id=uuid.uuid4().hex,
            started_at=started,
            source=source.describe(),
            analysis_rate=rate,
            privacy_mode=config.privacy.mode,
            attention_only=config.privacy.attention_only,
        )
        room = RoomState(info, config, bus)
        bus.publish(Event("SessionStarted", info, started))
        total = (
            int(getattr(source, "frame_count", 0) / max(1.0, getattr(source, "fps", 1.0) / rate))
            or 1
        )
        last = None
        last_t = started
        try:
            while (frame := source.read()) is not None:
                # Recorded time becomes wall-clock time from the start of the analysis, so
                # reports of recordings read like reports of live sessions.
                frame = replace(frame, timestamp=started + frame.timestamp)
                last = perception(frame)
                room(last)
                last_t = frame.timestamp
                if progress:
                    progress(room.frames, total)
        finally:
            perception.close()
            ended = info.model_copy(update={"ended_at": last_t})
            bus.publish(Event("SessionEnded", ended, last_t))
            unsubscribe()
    if room.frames == 0 and last is None:
        from meetwatch.errors import CaptureError

        raise CaptureError(f"{path}: no frame could be read")
    latest = room.latest
    return AnalysisResult(
        source=info.source,
        session_id=info.session_id,
        frames_analysed=room.frames,
        duration_seconds=round(last_t - started, 3),
        tiles=0 if last is None or last.tiles is None else len(last.tiles.tiles),
        layout="none" if last is None or last.tiles is None else last.tiles.layout,
        faces=0 if last is None else len(last.faces),
        room=latest,
        participants=_participants(seconds or ([latest] if latest else [])),
    )


def _participants(seconds: list[RoomEngagement]) -> list[ParticipantResult]:
    by_id: dict[int, list] = {}
    for s in seconds:
        for p in s.participants:
            by_id.setdefault(p.participant_id, []).append(p)
    out = []
    for pid, samples in sorted(by_id.items()):
        states = Counter(p.attention for p in samples)
        eng = [p.engagement for p in samples if p.engagement is not None]
        out.append(
            ParticipantResult(
                participant_id=pid,
                label=samples[-1].label,
                slot=samples[-1].slot,
                seconds_seen=len(samples),
                attention={k: round(v / len(samples), 4) for k, v in states.items()},
                mean_engagement=round(sum(eng) / len(eng), 4) if eng else None,
                last=samples[-1].model_dump(),
            )
        )
    return out
