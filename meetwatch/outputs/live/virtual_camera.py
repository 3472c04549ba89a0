"""Publish a virtual camera (pyvirtualcam) that a meeting app can pick as its webcam.

Modes:
  annotated  the analysed meeting frame with tiles, faces, attention and emoji drawn on it
  dashboard  the room at a glance (gauge, attention, emotion mix, trend, tile grid)
  emoji      the presenter's own webcam with an emoji of their current expression

Every frame carries the "engagement analysis on" mark (annotate.draw_disclosure): the
people who see the camera are the people analysed, and they must be told.

The privacy mode is the PrivacyGate's: events arrive through it, and the analysed frame's
tiles and faces pass its `observed` when a picture is drawn (not when they arrive), so a
switch to aggregate-only mode is in the next picture.

The sink owns a sender thread that emits frames at a steady rate from the newest inputs:
meeting apps expect a camera that never stalls, while analysis runs at its own, slower pace.
Inputs arrive through `submit` (analysis worker) and `on_event` (event bus); both only store
the newest value, so the pipeline never waits on the camera.
"""

from __future__ import annotations

import logging
import platform
import threading
import time
from collections.abc import Callable
from typing import Literal, get_args

import cv2
import numpy as np
import pyvirtualcam

from meetwatch.aggregation.models import RoomEngagement
from meetwatch.analysis.signals import FaceSignals
from meetwatch.capture.frame import Frame
from meetwatch.errors import CaptureError, ConfigError, OutputError
from meetwatch.layout.tiles import Tiles
from meetwatch.outputs.feed.protocol import ParticipantsData, event_data
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.annotate import (
    annotate_frame,
    draw_disclosure,
    render_dashboard,
    strongest_emotion,
)
from meetwatch.outputs.live.emoji import draw_emoji
from meetwatch.outputs.live.overlay_state import OverlayState
from meetwatch.runtime.events import Event

VcamMode = Literal["annotated", "dashboard", "emoji"]
VCAM_MODES: tuple[str, ...] = get_args(VcamMode)

# The app turns a webcam image into face signals (face detection + emotion); emoji mode only
# needs `boxes` and `emotion` from it.
ExpressionReader = Callable[[np.ndarray], FaceSignals]

EXPRESSION_SMOOTHING = 0.3  # weight of the newest frame: the emoji must not flicker
ROOM_EVENTS = ("EngagementUpdated", "ParticipantsChanged", "SessionStarted", "SessionEnded")
# What a picture may show of an analysed frame's tiles and faces (PrivacyGate.observed).
ObservedView = Callable[[Tiles | None, FaceSignals | None], tuple[Tiles | None, FaceSignals | None]]

log = logging.getLogger(__name__)


def backend_help() -> str:
    """How to get a virtual camera device on this OS."""
    if platform.system() == "Linux":
        return (
            "install v4l2loopback (Debian/Ubuntu: 'sudo apt install v4l2loopback-dkms "
            "v4l2loopback-utils') and load it with 'sudo modprobe v4l2loopback exclusive_caps=1 "
            "card_label=meetwatch' (exclusive_caps=1 lets browsers and meeting apps list it)"
        )
    return "install OBS Studio (28 or newer) and start its Virtual Camera once"


class VirtualCameraSink:
    """A virtual webcam fed from the pipeline. See the module docstring for the modes."""

    def __init__(
        self,
        mode: VcamMode = "annotated",
        width: int = 1280,
        height: int = 720,
        fps: float = 15.0,
        backend: str | None = None,
        *,
        device: str | None = None,
        webcam: int | str = 0,
        expression_reader: ExpressionReader | None = None,
        view: ObservedView | None = None,
        attention_only: bool = False,
    ) -> None:
        if mode not in VCAM_MODES:
            raise ConfigError(f"virtual camera mode {mode!r} unknown; use one of {VCAM_MODES}")
        if width < 160 or height < 90 or width % 2 or height % 2:
            raise ConfigError(f"virtual camera size {width}x{height}: need even sizes >= 160x90")
        if not 0 < fps <= 60:
            raise ConfigError(f"virtual camera fps {fps} outside (0, 60]")
        if mode == "emoji" and attention_only:
            raise ConfigError(
                "the 'emoji' camera shows an emotion, which attention-only mode never "
                "analyses; use 'annotated' or 'dashboard'"
            )
        if mode == "emoji" and expression_reader is None:
            raise ConfigError("virtual camera 'emoji' mode needs an expression reader")
        self.mode = mode
        self.size = (width, height)
        self.fps = fps
        self.backend = backend
        self.device = device
        self.webcam = webcam
        self._view = view
        self.attention_only = attention_only
        self._reader = expression_reader
        self._lock = threading.Lock()
        self._frame: tuple[Frame, Tiles | None, FaceSignals | None] | None = None
        self._room: RoomEngagement | None = None
        self._state = OverlayState()
        self._expression: np.ndarray | None = None
        self._version = 0  # bumped by every input: the cached image is stale
        self._composed: tuple[int, np.ndarray] | None = None
        self._camera: pyvirtualcam.Camera | None = None
        self._capture: cv2.VideoCapture | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.error: str | None = None  # why the sender thread stopped, if it did

    # -- inputs (never block) -------------------------------------------------------------

    def submit(
        self, frame: Frame, tiles: Tiles | None = None, signals: FaceSignals | None = None
    ) -> None:
        """The newest analysed frame with its tiles and face signals (all of one frame)."""
        with self._lock:
            self._frame = (frame, tiles, signals)
            self._version += 1

    def on_event(self, event: Event) -> None:
        """Event-bus subscriber: keeps the newest room engagement and its ten-minute trend;
        a new participant list replaces the room's (an empty one, as on entering
        aggregate-only mode, takes every person off the picture at once)."""
        if event.kind not in ROOM_EVENTS:
            return
        data = event_data(event)
        with self._lock:
            if isinstance(data, ParticipantsData):
                if self._room is not None:
                    people = list(data.participants)
                    self._room = self._room.model_copy(update={"participants": people})
            else:
                self._state.apply_event(event.kind, data, time.time())
                self._room = data if isinstance(data, RoomEngagement) else None
            if event.kind == "SessionEnded":  # the last meeting frame is no longer news
                self._frame = None
            self._version += 1

    # -- composition ------------------------------------------------------------------------

    def compose(self) -> np.ndarray:
        """The BGR image (height x width) the camera shows now, for the sink's mode.

        Analysis and engagement change a few times a second while the camera runs at `fps`,
        so the annotated and dashboard images are drawn once per change and then resent.
        """
        if self.mode == "emoji":
            image = self._compose_emoji()
            draw_disclosure(image, self.attention_only)
            return image
        with self._lock:
            version, latest, room = self._version, self._frame, self._room
            history = list(self._state.history)
        cached = self._composed
        if cached is not None and cached[0] == version:
            return cached[1]
        if self.mode == "annotated" and latest is not None:
            frame, tiles, signals = latest
            if self._view is not None:
                tiles, signals = self._view(tiles, signals)
            annotated = annotate_frame(frame, tiles, signals, room)
            image = fit(annotated, self.size)
        else:
            image = render_dashboard(room, self.size, history=history)
        draw_disclosure(image, self.attention_only)
        self._composed = (version, image)
        return image

    def _compose_emoji(self) -> np.ndarray:
        if self._capture is None:
            self._capture = open_webcam(self.webcam)
        ok, image = self._capture.read()
        if not ok or image is None:
            raise CaptureError(f"webcam {self.webcam!r} stopped delivering frames")
        assert self._reader is not None
        image = fit(image, self.size)
        signals = self._reader(image)
        return compose_emoji(image, self._smoothed_expression(signals), signals)

    def _smoothed_expression(self, signals: FaceSignals) -> np.ndarray | None:
        if not len(signals):
            self._expression = None
            return None
        probs = signals.emotion[_largest(signals)].astype(np.float64)
        if not np.all(np.isfinite(probs)):  # emotion analysis off
            self._expression = None
            return None
        if self._expression is not None:
            probs = EXPRESSION_SMOOTHING * probs + (1 - EXPRESSION_SMOOTHING) * self._expression
        self._expression = probs
        return probs

    # -- device -----------------------------------------------------------------------------

    def open(self) -> None:
        """Open the virtual camera device (and the webcam in emoji mode).

        Raises OutputError with the fix when no virtual camera backend exists, and
        CaptureError when the webcam cannot be opened; the caller keeps the rest running.
        """
        if self._camera is not None:
            return
        if self.backend is not None and self.backend not in pyvirtualcam.camera.BACKENDS:
            known = ", ".join(sorted(pyvirtualcam.camera.BACKENDS)) or "none"
            raise OutputError(f"virtual camera backend {self.backend!r} unknown (known: {known})")
        width, height = self.size
        try:
            self._camera = pyvirtualcam.Camera(
                width,
                height,
                self.fps,
                fmt=pyvirtualcam.PixelFormat.BGR,
                device=self.device,
                backend=self.backend,
            )
        except RuntimeError as exc:
            detail = " ".join(str(exc).split())
            raise OutputError(
                f"No virtual camera available ({detail}). To fix: {backend_help()}."
            ) from exc
        if self.mode == "emoji" and self._capture is None:
            try:
                self._capture = open_webcam(self.webcam)
            except CaptureError:
                self.close()
                raise
        log.info("virtual camera %s (%s) open, %dx%d", self.device_name, self.mode, width, height)

    @property
    def device_name(self) -> str | None:
        return self._camera.device if self._camera is not None else None

    def send(self, frame_bgr: np.ndarray) -> None:
        """Send one BGR image (any size: letterboxed to the camera's) to the open camera."""
        if self._camera is None:
            raise OutputError("virtual camera is not open; call open() or start() first")
        self._camera.send(fit(frame_bgr, self.size))

    def start(self) -> None:
        """Open the devices and start sending frames at `fps` from a background thread."""
        self.open()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="vcam", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        camera = self._camera
        assert camera is not None
        while not self._stop.is_set():
            try:
                self.send(self.compose())
            except Exception as exc:  # the camera dies alone; the pipeline keeps running
                self.error = str(exc)
                log.exception("virtual camera stopped")
                return
            camera.sleep_until_next_frame()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.close()

    def close(self) -> None:
        if self._camera is not None:
            self._camera.close()
            self._camera = None
        if self._capture is not None:
            self._capture.release()
            self._capture = None


def open_webcam(source: int | str) -> cv2.VideoCapture:
    """cv2.VideoCapture that is known to deliver frames, or a CaptureError saying why not."""
    capture = cv2.VideoCapture(source)
    if capture.isOpened():
        ok, _ = capture.read()
        if ok:
            return capture
    capture.release()
    raise CaptureError(
        f"Could not open webcam {source!r}: no camera there, or another app is using it. "
        "Close other camera apps or choose another camera index."
    )


def compose_emoji(
    image: np.ndarray, expression: np.ndarray | None, signals: FaceSignals
) -> np.ndarray:
    """The webcam image with a large emoji of the expression in the bottom-right corner and a
    box around the face it was read from (the largest). Without a face, or without emotion
    analysis, it says so instead of showing an invented expression."""
    out = image.copy()
    height, width = out.shape[:2]
    radius = round(height * 0.16)
    center = (width - radius - radius // 3, height - radius - radius // 3)
    if len(signals):
        x, y, w, h = (round(float(v)) for v in signals.boxes[_largest(signals)])
        cv2.rectangle(out, (x, y), (x + w, y + h), palette.bgr(palette.TEXT), 2)
    emotion = None if expression is None else strongest_emotion(expression)
    if emotion is None:
        note = "no expression" if len(signals) else "no face"
        org = (center[0] - radius, center[1])
        scale = height / 720
        color = palette.bgr(palette.MUTED_TEXT)
        cv2.putText(out, note, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, 2, cv2.LINE_AA)
        return out
    draw_emoji(out, center, radius, emotion)
    return out


def _largest(signals: FaceSignals) -> int:
    """The presenter is the biggest face in their own webcam."""
    return int(np.argmax(signals.boxes[:, 2] * signals.boxes[:, 3]))


def fit(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Letterbox an image into size (width, height), keeping its aspect ratio."""
    width, height = size
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return image
    scale = min(width / w, height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    out = np.zeros((height, width, 3), np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    out[top : top + new_h, left : left + new_w] = resized
    return out
