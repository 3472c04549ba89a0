"""The virtual camera through pyvirtualcam's real Camera, with a recording backend registered."""

from __future__ import annotations

import platform
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import pyvirtualcam

from meetwatch.analysis.signals import FaceSignals
from meetwatch.errors import CaptureError, ConfigError, OutputError
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.annotate import emoji_center
from meetwatch.outputs.live.emoji import emoji_fill
from meetwatch.outputs.live.virtual_camera import VirtualCameraSink, open_webcam
from meetwatch.runtime.events import Event
from meetwatch.shared import EMOTIONS, SessionInfo
from tests.unit.outputs import scene

BACKEND = "meetwatch-test-recorder"


class RecordingBackend:
    """A pyvirtualcam backend that keeps every frame it is sent, as a device would show it."""

    instances: list[RecordingBackend] = []  # noqa: RUF012 - the test reads what pyvirtualcam built

    def __init__(self, *, width: int, height: int, fps: float, fourcc: int, device, **kw) -> None:
        self.width, self.height = width, height
        self.fourcc = fourcc
        self.frames: list[np.ndarray] = []
        self.closed = False
        RecordingBackend.instances.append(self)

    def send(self, frame: np.ndarray) -> None:
        self.frames.append(frame.reshape(self.height, self.width, 3).copy())

    def close(self) -> None:
        self.closed = True

    def device(self) -> str:
        return "recorder0"

    def native_fourcc(self) -> int:
        return self.fourcc


@pytest.fixture
def recorder() -> Iterator[type[RecordingBackend]]:
    RecordingBackend.instances.clear()
    pyvirtualcam.register_backend(BACKEND, RecordingBackend)
    yield RecordingBackend
    pyvirtualcam.camera.BACKENDS.pop(BACKEND, None)


def rgb_at(image: np.ndarray, x: float, y: float) -> tuple[int, int, int]:
    b, g, r = image[round(y), round(x)]
    return (int(r), int(g), int(b))


def engagement_event() -> Event:
    return Event("EngagementUpdated", scene.room(), 100.0)


def session_ended() -> Event:
    info = SessionInfo(
        session_id="s-test", started_at=90.0, ended_at=130.0, source="test", analysis_rate=2.0
    )
    return Event("SessionEnded", info, 130.0)


def has_color(image: np.ndarray, rgb: palette.RGB) -> bool:
    return bool(np.all(image == np.array(palette.bgr(rgb), np.uint8), axis=2).any())


def test_annotated_frames_reach_the_device_with_tiles_and_emoji(recorder, artifacts_dir) -> None:
    sink = VirtualCameraSink("annotated", 1280, 720, 15, backend=BACKEND)
    sink.open()
    sink.on_event(engagement_event())
    sink.submit(scene.frame(), scene.tiles(), scene.signals())
    sink.send(sink.compose())
    sink.stop()
    (backend,) = recorder.instances
    assert backend.closed and sink.device_name is None
    (got,) = backend.frames
    cv2.imwrite(str(artifacts_dir / "vcam_annotated.png"), got)
    for slot, state in enumerate(scene.ATTENTION):
        r = scene.tile_rect(slot)
        assert rgb_at(got, r.x + 1, r.y + r.h // 2) == palette.ATTENTION_COLORS[state]
    x, y, w, h = scene.face_box(0)
    cx, cy = emoji_center((x, y, w, h), 0.3 * max(w, h), *scene.SIZE)
    assert rgb_at(got, cx, cy) == emoji_fill("happy")
    # after the session the camera stops showing the last meeting frame
    sink.on_event(session_ended())
    assert not has_color(sink.compose(), palette.ATTENTION_COLORS["on_screen"])


def test_sender_thread_keeps_the_camera_fed_and_letterboxes(recorder) -> None:
    sink = VirtualCameraSink("annotated", 640, 480, 30, backend=BACKEND)
    sink.submit(scene.frame(), scene.tiles(), scene.signals())
    sink.start()
    deadline = time.monotonic() + 20
    while len(recorder.instances[0].frames) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    sink.stop()
    frames = recorder.instances[0].frames
    assert len(frames) >= 3 and sink.error is None
    # 16:9 into 4:3: black bars above and below, the tile border right under the top bar
    top_bar = (480 - 360) // 2
    assert not frames[-1][: top_bar - 1, :320].any()  # the right half holds the disclosure
    assert rgb_at(frames[-1], 320, top_bar + 180) != (0, 0, 0)


def test_dashboard_mode_shows_the_room_and_waits_without_it(recorder) -> None:
    sink = VirtualCameraSink("dashboard", 1280, 720, 15, backend=BACKEND)
    waiting = sink.compose()
    sink.on_event(engagement_event())
    sink.on_event(Event("AlertRaised", None, 100.0))  # not a dashboard event: ignored
    shown = sink.compose()
    assert sink.compose() is shown, "unchanged inputs: the drawn image is resent"
    green = np.array(palette.bgr(palette.ATTENTION_COLORS["on_screen"]), np.uint8)
    assert not np.all(waiting == green, axis=2).any()
    assert np.all(shown == green, axis=2).sum() > 5000
    sink.on_event(session_ended())
    assert not np.all(sink.compose() == green, axis=2).any()


def write_clip(path: Path, frames: int = 8) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 360))
    for i in range(frames):
        image = np.full((360, 640, 3), 60 + i, np.uint8)
        cv2.circle(image, (200, 170), 80, (150, 170, 200), -1)  # a stand-in face
        writer.write(image)
    writer.release()
    return path


class FixedExpression:
    """Stands in for the app's face + emotion stages: one face, a scripted emotion."""

    def __init__(self, emotions: list[str]) -> None:
        self.emotions = emotions
        self.calls = 0

    def __call__(self, image: np.ndarray) -> FaceSignals:
        emotion = self.emotions[min(self.calls, len(self.emotions) - 1)]
        self.calls += 1
        probs = np.full((1, len(EMOTIONS)), 0.01, np.float32)
        if emotion == "unmeasured":  # emotion analysis switched off
            probs[:] = np.nan
        else:
            probs[0, EMOTIONS.index(emotion)] = 0.94
        zeros = np.zeros(1, np.float32)
        return FaceSignals(
            0, 0.0, probs, zeros, zeros, np.zeros((1, 3), np.float32),
            np.zeros((1, 2), np.float32), zeros, np.eye(3, dtype=np.float32)[:1],
            np.zeros(1, np.int32),
            np.array([[120, 90, 160, 160]], np.float32),
        )  # fmt: skip


def test_emoji_mode_puts_the_presenters_expression_on_their_webcam(recorder, tmp_path) -> None:
    clip = write_clip(tmp_path / "webcam.avi")
    reader = FixedExpression(["happy", "sad", "sad", "sad", "sad"])
    sink = VirtualCameraSink(
        "emoji", 640, 360, 15, backend=BACKEND, webcam=str(clip), expression_reader=reader
    )
    sink.open()
    for _ in range(5):
        sink.send(sink.compose())
    sink.stop()
    frames = recorder.instances[0].frames
    radius = round(360 * 0.16)
    center = (640 - radius - radius // 3, 360 - radius - radius // 3)
    # one "sad" frame after "happy" does not flip the emoji (smoothing), a run of them does
    assert [rgb_at(f, *center) for f in frames[:2]] == [emoji_fill("happy")] * 2
    sad_tear = (center[0] + 0.38 * radius, center[1] + 0.1 * radius)
    assert rgb_at(frames[-1], *sad_tear) != rgb_at(frames[0], *sad_tear)
    assert rgb_at(frames[0], 120, 150) == palette.TEXT  # box around the face it read


def test_emoji_mode_without_emotion_analysis_shows_no_emoji(recorder, tmp_path) -> None:
    clip = write_clip(tmp_path / "webcam.avi", frames=2)
    reader = FixedExpression(["unmeasured"])
    sink = VirtualCameraSink(
        "emoji", 640, 360, 15, backend=BACKEND, webcam=str(clip), expression_reader=reader
    )
    sink.open()
    sink.send(sink.compose())
    sink.stop()
    (got,) = recorder.instances[0].frames
    fill = np.array(palette.bgr(emoji_fill("neutral")), np.uint8)
    assert not np.all(got == fill, axis=2).any()
    assert rgb_at(got, 120, 150) == palette.TEXT  # the face is still boxed


def test_a_missing_webcam_is_one_clear_error(tmp_path) -> None:
    with pytest.raises(CaptureError, match="Could not open webcam"):
        open_webcam(str(tmp_path / "no-such-camera.avi"))
    sink = VirtualCameraSink(
        "emoji", webcam=str(tmp_path / "none.avi"), expression_reader=FixedExpression(["happy"])
    )
    with pytest.raises(CaptureError, match="Could not open webcam"):
        sink.compose()


@pytest.mark.skipif(platform.system() != "Linux", reason="v4l2loopback is the Linux backend")
def test_without_v4l2loopback_the_real_backend_says_how_to_fix_it() -> None:
    sink = VirtualCameraSink("dashboard", 640, 360, 15, backend="v4l2loopback")
    try:
        sink.open()
    except OutputError as exc:
        message = str(exc)
    else:
        sink.close()
        pytest.skip("this machine has a v4l2loopback device")
    assert "No virtual camera available" in message
    assert "sudo apt install v4l2loopback-dkms v4l2loopback-utils" in message
    assert "sudo modprobe v4l2loopback exclusive_caps=1 card_label=meetwatch" in message
    assert "\n" not in message
    # the sink stays usable for everything that needs no device
    assert sink.compose().shape == (360, 640, 3)
    with pytest.raises(OutputError, match="not open"):
        sink.send(sink.compose())


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="mode 'hologram' unknown"):
        VirtualCameraSink("hologram")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="even sizes"):
        VirtualCameraSink("dashboard", 641, 360)
    with pytest.raises(ConfigError, match="fps"):
        VirtualCameraSink("dashboard", fps=0)
    with pytest.raises(ConfigError, match="fps"):
        VirtualCameraSink("dashboard", fps=120)
    with pytest.raises(ConfigError, match="expression reader"):
        VirtualCameraSink("emoji")
    with pytest.raises(OutputError, match="backend 'nope' unknown"):
        VirtualCameraSink("dashboard", backend="nope").open()
