"""`meetwatch analyze`: the core run over recorded meeting videos and single images.

Each file is one session of the session runner in batch mode: frames are analysed one after
another (nothing is dropped: there is no live deadline) by the same stages as a live
session; the caller records it like `run` does (see meetwatch.analyze_cli), so
`meetwatch report` works on recordings too.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from meetwatch.aggregation.models import RoomEngagement
from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.capture.files import ImageSource, VideoSource
from meetwatch.capture.source import FrameSource
from meetwatch.config import Config
from meetwatch.errors import CaptureError
from meetwatch.pipeline import Perception
from meetwatch.session_runner import SessionRunner
from meetwatch.shared import SCHEMA_VERSION, AttentionState

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".mpg", ".mpeg"}
MEDIA_SUFFIXES = IMAGE_SUFFIXES | VIDEO_SUFFIXES

log = logging.getLogger(__name__)


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
    if is_image(path):
        return ImageSource(path)
    return VideoSource(path, rate=rate)


def is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def media_files(paths: Sequence[Path]) -> list[Path]:
    """The inputs of a batch: files as given, folders searched recursively for images and
    videos (by name, sorted; hidden files and folders skipped). A path that does not exist
    stays in the list, so that its error is reported in its turn like any other."""
    out: list[Path] = []
    for path in paths:
        if not path.is_dir():
            out.append(path)
            continue
        found = [
            p
            for p in path.rglob("*")
            if p.suffix.lower() in MEDIA_SUFFIXES
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        ]
        out += sorted(found)
    return list(dict.fromkeys(out))  # a file named twice (or inside a named folder) once


class Analyser:
    """Analyses any number of files with one load of the face and emotion models: loading
    them takes longer than analysing a short clip, so a folder of recordings must not pay
    for it per file."""

    def __init__(self, config: Config) -> None:
        log.info("loading the face and emotion models")
        self.config = config
        self._perception = Perception(config)

    def close(self) -> None:
        self._perception.close()

    def __enter__(self) -> Analyser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def analyse(
        self,
        path: Path,
        bus: PrivacyGate | None = None,
        rate: float = 1.0,
        progress: Callable[[int, int], None] | None = None,
    ) -> AnalysisResult:
        """Analyse every sampled frame as one session; `bus` receives its events (the App's
        bus, with the recorder on it, when the session is stored).

        The runner puts sample times at the session start plus the position in the file, so
        the session's timeline is the recording's and reports can show positions (`00:12:30`).
        """
        config = self.config
        p = config.privacy
        bus = bus or PrivacyGate(p.mode, p.min_faces, p.attention_only)
        if not path.exists():
            raise CaptureError(f"{path} does not exist")
        source = source_for(path, rate)
        if isinstance(source, ImageSource):  # one frame: judged on its own, with no waiting
            config = config.model_copy(update={"tracking": config.tracking.for_still_image()})
        seconds: list[RoomEngagement] = []
        unsubscribe = bus.subscribe(
            lambda e: seconds.append(e.payload) if e.kind == "EngagementUpdated" else None
        )
        self._perception.reset()
        runner = SessionRunner(
            source, self._perception, config, bus, rate=rate, owns_perception=False
        )

        def advanced(done: int) -> None:
            if progress is not None:
                progress(done, _expected_frames(source, rate))

        try:
            ended, last = runner.run_batch(advanced)
        finally:
            unsubscribe()
        room = runner.room
        if room is None or (room.frames == 0 and last is None):
            raise CaptureError(f"{source.describe()}: no frame could be read")
        latest = room.latest
        return AnalysisResult(
            source=ended.source,
            session_id=ended.session_id,
            frames_analysed=room.frames,
            duration_seconds=round((ended.ended_at or ended.started_at) - ended.started_at, 3),
            tiles=0 if last is None or last.tiles is None else len(last.tiles.tiles),
            layout="none" if last is None or last.tiles is None else last.tiles.layout,
            faces=0 if last is None else len(last.faces),
            room=latest,
            participants=_participants(seconds or ([latest] if latest else [])),
        )


def _expected_frames(source: FrameSource, rate: float) -> int:
    """Frames a progress bar expects: the container's count at the sampling rate."""
    if isinstance(source, VideoSource):
        return int(source.frame_count / max(1.0, source.fps / rate)) or 1
    return 1


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
