"""The whole configuration as pydantic models: one TOML file, every key titled and described.

Stage-specific thresholds live next to their stage (tracking, aggregation) and are assembled
here, so the settings dialog and `validate-config` see one tree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from meetwatch.aggregation.config import AggregationConfig
from meetwatch.analysis.emotion import DEFAULT_MIN_CONFIDENCE, DEFAULT_MIN_FACE_PX
from meetwatch.tracking.config import TrackingConfig


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaptureConfig(_Section):
    rate_hz: float = Field(
        1.0,
        gt=0,
        le=60,
        title="Analysis rate",
        description="Frames captured and analysed per second. 1 Hz is plenty for a meeting and "
        "keeps the CPU cost low; frames that arrive while analysis is busy are dropped.",
    )
    window: str | None = Field(
        None,
        title="Meeting window",
        description="Title pattern of the window to watch (case-insensitive substring or regex).",
    )


class AnalysisConfig(_Section):
    threads: int = Field(
        2,
        ge=1,
        le=16,
        title="Inference threads",
        description="onnxruntime threads for the emotion model.",
    )
    emotion_min_confidence: float = Field(
        DEFAULT_MIN_CONFIDENCE,
        ge=0,
        le=1,
        title="Emotion confidence threshold",
        description="Calibrated probability a face's top emotion needs before it is shown; "
        "below it the face shows as neutral instead of a forced label. The emotion mix and "
        "the reports' averages use the calibrated probabilities themselves.",
    )
    emotion_min_face_px: float = Field(
        DEFAULT_MIN_FACE_PX,
        ge=0,
        title="Smallest face for emotion",
        description="Faces narrower than this many screen pixels (the region the 48x48 "
        "emotion crop is cut from) get no emotion reading at all: below it the model is "
        "unreliable (see the model card's face-size table). 0 reads every face.",
    )


class ServerConfig(_Section):
    enabled: bool = Field(True, title="Live feed", description="Serve the local websocket feed.")
    port: int = Field(
        8765, ge=1024, le=65535, title="Port", description="Websocket and overlay port."
    )
    lan: bool = Field(
        False,
        title="Allow LAN clients",
        description="Bind all interfaces instead of 127.0.0.1 so an overlay on another machine "
        "can connect (the token is still required).",
    )
    max_clients: int = Field(
        32, ge=1, le=1000, title="Client limit", description="Most clients at once."
    )


class PrivacyConfig(_Section):
    mode: Literal["individual", "aggregate_only"] = Field(
        "individual",
        title="Privacy mode",
        description="aggregate_only removes every per-participant figure from the overlay, "
        "the feed and the reports: only room figures remain, and none at all while fewer "
        "faces than the minimum below are visible.",
    )
    attention_only: bool = Field(
        False,
        title="Attention only",
        description="Never analyse emotion: the emotion model is not even loaded, and "
        "engagement comes from attention and presence alone. The EU AI Act (Art. 5(1)(f)) "
        "forbids inferring emotions in education and workplaces, so this is the default there.",
    )
    used_in: Literal["education", "workplace", "other"] | None = Field(
        None,
        title="Where meetwatch is used",
        description="Answered on first run; with in_eu it chooses the default mode "
        "(attention only for education and workplaces in the EU).",
    )
    in_eu: bool | None = Field(
        None,
        title="Used in the EU",
        description="Whether the people analysed are in the European Union (answered on "
        "first run).",
    )
    min_faces: int = Field(
        5,
        ge=1,
        le=100,
        title="Fewest faces for room figures",
        description="In aggregate-only mode no room figures are shown, sent or stored while "
        "fewer faces than this are visible, so an average never singles out one or two people.",
    )


class StoreConfig(_Section):
    data_dir: Path | None = Field(
        None,
        title="Data folder",
        description="Where sessions and reports are kept (default: the user data folder).",
    )
    retention_days: int = Field(
        90,
        ge=0,
        title="Retention",
        description="Sessions older than this many days are deleted at start-up (0 keeps all).",
    )


class VirtualCameraConfig(_Section):
    width: int = Field(1280, ge=160, le=3840, title="Width", description="Virtual camera width.")
    height: int = Field(720, ge=120, le=2160, title="Height", description="Virtual camera height.")
    fps: float = Field(
        15.0, gt=0, le=60, title="Frame rate", description="Virtual camera frames per second."
    )


class OverlayConfig(_Section):
    compact: bool = Field(
        False, title="Compact overlay", description="Show only the room gauge, no tiles."
    )
    opacity: float = Field(
        0.92,
        ge=0.2,
        le=1.0,
        title="Overlay opacity",
        description="1 is opaque; lower lets the slides show through.",
    )
    click_through: bool = Field(
        False,
        title="Click-through",
        description="Clicks pass through the overlay to the window below; hide it from the "
        "tray menu.",
    )
    corner: Literal["top-left", "top-right", "bottom-left", "bottom-right"] = Field(
        "top-right", title="Corner", description="Screen corner the overlay sits in."
    )


class ReportConfig(_Section):
    low_attention_threshold: float = Field(
        0.5,
        gt=0,
        le=1,
        title="Low-attention threshold",
        description="Reports list the intervals where the share of faces looking at the screen "
        "stayed below this (0-1).",
    )
    low_attention_min_seconds: int = Field(
        30,
        ge=1,
        title="Low-attention duration",
        description="Seconds attention must stay below the threshold for an interval to be listed.",
    )
    moment_window_s: int = Field(
        60,
        ge=1,
        title="Moment length",
        description="Length in seconds of the lowest and highest engagement moments.",
    )
    moment_count: int = Field(
        3,
        ge=0,
        le=20,
        title="Moments listed",
        description="How many lowest and how many highest moments a report names.",
    )


class Config(_Section):
    capture: CaptureConfig = Field(
        default_factory=CaptureConfig, title="Capture", description="What is watched and how often."
    )
    analysis: AnalysisConfig = Field(
        default_factory=AnalysisConfig, title="Analysis", description="Per-face models."
    )
    tracking: TrackingConfig = Field(
        default_factory=TrackingConfig,
        title="Attention",
        description="Calibration and attention thresholds.",
    )
    aggregation: AggregationConfig = Field(
        default_factory=AggregationConfig,
        title="Engagement",
        description="Engagement weights and alert rules.",
    )
    server: ServerConfig = Field(
        default_factory=ServerConfig,
        title="Live feed",
        description="Websocket feed and overlay page.",
    )
    privacy: PrivacyConfig = Field(
        default_factory=PrivacyConfig, title="Privacy", description="What is shown and stored."
    )
    store: StoreConfig = Field(
        default_factory=StoreConfig, title="Sessions", description="Session storage."
    )
    overlay: OverlayConfig = Field(
        default_factory=OverlayConfig,
        title="Overlay",
        description="The presenter overlay window shown by the tray app.",
    )
    report: ReportConfig = Field(
        default_factory=ReportConfig,
        title="Reports",
        description="How session reports judge attention and pick moments.",
    )
    vcam: VirtualCameraConfig = Field(
        default_factory=VirtualCameraConfig,
        title="Virtual camera",
        description="Virtual camera output.",
    )
