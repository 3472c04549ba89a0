"""Attention-only mode end to end: the real `meetwatch run --video` on a recorded gallery of
real faces (the shipped demo portraits, so no dataset is needed), watched by a real websocket
client on loopback, then its store and its reports; and the virtual camera's frames.

The emotion model is never loaded: the runs use a models folder whose emotion.onnx is
missing, where a run with emotion on fails with "missing" (checked alongside).
"""

from __future__ import annotations

import csv
import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from websockets.sync.client import connect

from meetwatch.app import App, AppOptions
from meetwatch.assets import models_dir
from meetwatch.capture.files import VideoSource
from meetwatch.config import Config
from meetwatch.config.models import PrivacyConfig, StoreConfig
from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from meetwatch.outputs.feed.protocol import ALL_EVENTS, RPC_VERSION
from meetwatch.outputs.live.emoji import emoji_fill
from meetwatch.outputs.reports.tables import NOT_ANALYSED
from tests.factories.cli import cli_env, meetwatch, meetwatch_process, store_rows
from tests.factories.meeting_clip import write_video
from tests.factories.recording_camera import RecordingCamera, recording_camera
from tests.integration.test_cli_errors import assert_one_error

BACKEND = "meetwatch-attention-recorder"
EMOTION_COLUMNS = "angry, disgust, fear, happy, sad, surprise, neutral"


def _clip(path: Path, frames: int = 12) -> Path:
    faces = demo_faces(6, np.random.default_rng(2))
    image = render_gallery(faces, 6, "zoom", (960, 540), rng=np.random.default_rng(0)).image
    return write_video(path, [image] * frames, fps=2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def no_emotion_model(tmp_path: Path) -> Path:
    """The shipped models without emotion.onnx: any attempt to load it fails loudly."""
    folder = tmp_path / "models"
    shutil.copytree(models_dir(), folder, ignore=shutil.ignore_patterns("*.png", "*.txt"))
    (folder / "emotion.onnx").unlink()
    return folder


def _watch(url: str, token: str, proc: subprocess.Popen[str]) -> list[dict[str, Any]]:
    """Every event a subscriber to everything (FaceSignals included) receives until the
    session ends or the server goes away."""
    events: list[dict[str, Any]] = []
    with connect(url, open_timeout=30) as ws:
        assert json.loads(ws.recv(timeout=10))["op"] == 0
        identify = {"rpcVersion": RPC_VERSION, "token": token, "eventSubscriptions": ALL_EVENTS}
        ws.send(json.dumps({"op": 1, "d": identify}))
        assert json.loads(ws.recv(timeout=10))["op"] == 2
        while proc.poll() is None:
            try:
                message = json.loads(ws.recv(timeout=120))
            except Exception:  # closed by the server at the end, or a stalled run
                break
            if message["op"] == 5:
                events.append(message["d"])
                if message["d"]["eventType"] == "SessionEnded":
                    break
    return events


@pytest.mark.slow
def test_run_in_attention_only_mode_shows_no_emotion_anywhere(
    tmp_path: Path, no_emotion_model: Path
) -> None:
    clip = _clip(tmp_path / "meeting.mp4")
    env = cli_env(tmp_path, MEETWATCH_MODELS=str(no_emotion_model))
    token = meetwatch(tmp_path, "token", env=env).stdout.strip()
    # answered "outside the EU", where emotion would be on: the flag alone switches it off
    answer = ("--used-in", "other", "--in-eu", "no")
    run = ("run", "--video", str(clip), "--rate", "2", "--port", str(_free_port()), "--quiet")
    proc = meetwatch_process(env, *run, "--attention-only", *answer)
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("live feed: "):
                break
        else:
            pytest.fail("no live feed line:\n" + "".join(lines))
        events = _watch(line.split()[2], token, proc)
        out = "".join(lines) + proc.stdout.read()
        assert proc.wait(120) == 0, out
    finally:
        proc.kill()
    assert "Attention-only mode is ON" in out

    # the feed: faces were seen and measured, and no emotion left the machine
    kinds = [e["eventType"] for e in events]
    faces = [f for e in events if e["eventType"] == "FaceSignals" for f in e["eventData"]["faces"]]
    rooms = [e["eventData"] for e in events if e["eventType"] == "EngagementUpdated"]
    assert faces and rooms, kinds
    assert all(f["emotion"] is None and f["valence"] is None for f in faces)
    assert all(f["eye_openness"] > 0 for f in faces)
    # the attention network's reading travels, as three probabilities that sum to one
    assert all(set(f["looks"]) == {"at_camera", "away", "eyes_closed"} for f in faces)
    assert all(abs(sum(f["looks"].values()) - 1) < 1e-3 for f in faces)
    assert any(r["engagement"] is not None for r in rooms)
    for room in rooms:
        assert room["attention_only"] is True and room["emotion_mix"] == {}
        for p in room["participants"]:
            assert p["emotion"] is p["top_emotion"] is p["valence"] is None
    sessions = [e["eventData"] for e in events if e["eventType"].startswith("Session")]
    assert sessions and all(s["attention_only"] is True for s in sessions)

    # the store: samples recorded, not one emotion value among them
    assert store_rows(tmp_path, "SELECT count(*) FROM samples")[0][0] > 0
    emotion_sql = f"SELECT count(*) FROM samples WHERE coalesce({EMOTION_COLUMNS}) IS NOT NULL"
    assert store_rows(tmp_path, emotion_sql)[0][0] == 0
    room_sql = f"SELECT count(*) FROM room_samples WHERE coalesce({EMOTION_COLUMNS}) IS NOT NULL"
    assert store_rows(tmp_path, room_sql)[0][0] == 0

    # the reports say which mode the session used and carry no emotion
    reports = tmp_path / "reports"
    done = meetwatch(tmp_path, "report", "latest", "--out", str(reports), env=env)
    assert done.returncode == 0, done.stderr
    (summary_path,) = reports.glob("*.json")
    summary = json.loads(summary_path.read_text())
    assert summary["session"]["attention_only"] is True
    html = next(reports.glob("*.html")).read_text()
    assert NOT_ANALYSED in html and "attention only, emotion not analysed" in html
    for table in reports.glob("*.csv"):
        with table.open() as f:
            for row in csv.DictReader(f):
                assert not any(row.get(e) for e in EMOTION_COLUMNS.split(", ")), table


def test_the_setting_is_what_keeps_the_model_unloaded(
    tmp_path: Path, no_emotion_model: Path
) -> None:
    """Control: the same folder makes a run with emotion on fail, so the attention-only run
    above succeeded only because it never opened the model."""
    clip = _clip(tmp_path / "meeting.mp4", frames=2)
    env = cli_env(tmp_path, MEETWATCH_MODELS=str(no_emotion_model))
    emotion_on = ("--used-in", "other", "--in-eu", "no", "--no-store")
    failed = meetwatch(tmp_path, "analyze", str(clip), *emotion_on, env=env)
    assert_one_error(failed, "emotion.onnx", "missing")
    done = meetwatch(tmp_path, "analyze", str(clip), *emotion_on, "--attention-only", env=env)
    assert done.returncode == 0, done.stderr
    assert "attention-only: emotion not analysed" in done.stdout


# -- the virtual camera -----------------------------------------------------------------------


@pytest.fixture
def camera() -> Iterator[type[RecordingCamera]]:
    with recording_camera(BACKEND) as recorder:
        yield recorder


def _camera_frames(clip: Path, tmp_path: Path, attention_only: bool) -> list[np.ndarray]:
    config = Config(
        privacy=PrivacyConfig(attention_only=attention_only),
        store=StoreConfig(data_dir=tmp_path / f"data-{attention_only}"),
    )
    RecordingCamera.frames = []
    app = App(config, AppOptions(server=False, vcam="annotated"))
    app.start()
    try:
        app.start_session(VideoSource(clip, rate=2))
        app.wait(60)
        frames = list(RecordingCamera.frames)  # before the session ends: the meeting frames
    finally:
        app.stop()
    return frames


def _emoji_pixels(image: np.ndarray) -> int:
    fills = {emoji_fill(e) for e in ("happy", "sad", "neutral", "angry", "surprise")}
    return sum(int(np.all(image == (b, g, r), axis=2).sum()) for r, g, b in fills)


@pytest.mark.slow
def test_virtual_camera_in_attention_only_mode_shows_no_emotion(
    tmp_path: Path,
    camera: type[RecordingCamera],
    no_emotion_model: Path,
    monkeypatch: pytest.MonkeyPatch,
    artifacts_dir: Path,
) -> None:
    import cv2

    clip = _clip(tmp_path / "meeting.mp4", frames=6)
    with_emotion = _camera_frames(clip, tmp_path, attention_only=False)
    monkeypatch.setenv("MEETWATCH_MODELS", str(no_emotion_model))
    without = _camera_frames(clip, tmp_path, attention_only=True)
    assert with_emotion and without
    cv2.imwrite(str(artifacts_dir / "vcam_attention_only.png"), without[-1])
    # the same faces: emoji over them with emotion on, none at all in attention-only mode
    assert _emoji_pixels(with_emotion[-1]) > 500
    assert max(_emoji_pixels(f) for f in without) == 0
    # and every frame is marked (the disclosure's red dot sits in the top-right corner)
    red = np.array((53, 57, 229), np.uint8)  # palette.REC_COLOR in BGR
    for frame in without:
        corner = frame[: frame.shape[0] // 10, frame.shape[1] // 2 :]
        assert np.all(corner == red, axis=2).sum() > 20
