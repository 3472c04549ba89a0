"""The aggregate-only invariant: every event kind, published into a real core's privacy gate,
reaches every real sink (the websocket feed with a real client on loopback, the virtual
camera through pyvirtualcam, the terminal view, the recorder and its store, and the reports
built from that store), and none of them shows a participant id, label, face box or
per-person figure. The tray's sink is checked the same way in tests/qt.

The same session in individual mode is the control: there every check finds the people, so
a check that could never fail would show up here.
"""

from __future__ import annotations

import io
import json
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from websockets.sync.client import ClientConnection, connect

from meetwatch.app import AppOptions
from meetwatch.config import Config, config_dir
from meetwatch.config.models import PrivacyConfig, ServerConfig, StoreConfig
from meetwatch.controller import CoreController, WatchTarget
from meetwatch.demo.scenario import DemoScenario, ScenarioSource
from meetwatch.outputs.feed.protocol import ALL_EVENTS, RPC_VERSION
from meetwatch.outputs.feed.token import load_or_create_token
from meetwatch.outputs.live import palette
from meetwatch.outputs.live.emoji import emoji_fill
from meetwatch.outputs.reports import build_report
from meetwatch.runtime.events import Event
from meetwatch.session.store import STORE_FILENAME, SessionStore
from meetwatch.shared import EMOTIONS, PrivacyMode
from meetwatch.terminal_view import TerminalView
from tests.factories.recording_camera import RecordingCamera, recording_camera
from tests.integration.privacy_session import (
    LABELS,
    SECONDS,
    json_people,
    per_person_percents,
    session_events,
    text_people,
)

BACKEND = "meetwatch-privacy-recorder"
SESSION = "privacy-test-session"


@pytest.fixture
def camera() -> Iterator[type[RecordingCamera]]:
    with recording_camera(BACKEND) as recorder:
        yield recorder


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The feed's token and the data folder inside the test's folder."""
    for name, sub in [("HOME", ""), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data")]:
        (tmp_path / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(tmp_path / sub))
    return tmp_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Shown:
    """What each sink let a person see (or keep) of the session."""

    feed: list[dict[str, Any]]
    vcam: np.ndarray
    terminal: str
    store: dict[str, Any]
    reports: dict[str, str]


def identify_all(ws: ClientConnection) -> None:
    hello = json.loads(ws.recv(timeout=5))
    assert hello["op"] == 0
    token = load_or_create_token(config_dir())
    identify = {"rpcVersion": RPC_VERSION, "token": token, "eventSubscriptions": ALL_EVENTS}
    ws.send(json.dumps({"op": 1, "d": identify}))
    assert json.loads(ws.recv(timeout=5))["op"] == 2


def feed_messages(ws: ClientConnection) -> list[dict[str, Any]]:
    """Every message up to the session's end."""
    messages = []
    while True:
        message = json.loads(ws.recv(timeout=10))
        messages.append(message)
        if message["op"] == 5 and message["d"]["eventType"] == "SessionEnded":
            return messages


def newest_picture(frames: list[np.ndarray]) -> np.ndarray:
    """A frame the camera sent after everything so far was handed to it."""
    seen = len(frames)
    deadline = time.monotonic() + 10
    while len(frames) < seen + 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(frames) >= seen + 3, "the virtual camera stopped sending"
    return frames[-1]


def text_of(view: TerminalView) -> str:
    console = Console(file=io.StringIO(), record=True, width=160)
    console.print(view.render())
    return console.export_text()


def stored(path: Path) -> dict[str, Any]:
    with SessionStore.open_readonly(path) as store:
        found = {
            "participants": store.participants(SESSION),
            "samples": len(store.sample_arrays(SESSION)),
            "room_samples": len(store.room_table(SESSION)),
            "events": [(e.kind, e.payload) for e in store.events(SESSION)],
        }
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        found["dump"] = "\n".join(conn.iterdump())
    return found


def reports(store_path: Path, folder: Path) -> dict[str, str]:
    files = build_report(store_path, SESSION, ["html", "pdf", "csv", "json"], folder)
    texts = {}
    for f in files:
        if f.suffix == ".pdf":
            texts["pdf"] = subprocess.run(
                ["pdftotext", "-layout", str(f), "-"], capture_output=True, text=True, check=True
            ).stdout
        else:
            texts[f.suffix[1:]] = f.read_text(encoding="utf-8")
    return texts


def run_session(mode: PrivacyMode, home: Path, camera: type[RecordingCamera]) -> Shown:
    """The session through a real core (the same App and controller `meetwatch run` and the
    tray use), with every sink attached the way the app attaches them."""
    config = Config(
        privacy=PrivacyConfig(mode=mode),
        store=StoreConfig(data_dir=home / f"data-{mode}"),
        server=ServerConfig(port=free_port()),
    )
    controller = CoreController(config, AppOptions(vcam="annotated"))
    app = controller.app
    app.start()  # the store, the recorder, the feed and the virtual camera
    try:
        assert app.feed is not None and app.vcam is not None and app.store is not None
        store_path = app.store.path
        terminal = TerminalView(app.bus, "privacy check")
        with connect(app.feed.url()) as ws:
            identify_all(ws)
            for step in session_events(SESSION, mode):
                if step.event.kind == "SessionEnded":  # what the live views show at the end
                    picture, terminal_text = newest_picture(camera.frames), text_of(terminal)
                app.bus.publish(step.event)
                if step.picture is not None:
                    app.vcam.submit(*step.picture)
            messages = feed_messages(ws)
    finally:
        controller.shutdown()
    return Shown(
        messages, picture, terminal_text, stored(store_path), reports(store_path, home / mode)
    )


# -- where a person shows -----------------------------------------------------------------------


def in_feed(shown: Shown) -> list[str]:
    kinds = [m["d"]["eventType"] for m in shown.feed if m["op"] == 5]
    found = ["FaceSignals sent"] if "FaceSignals" in kinds else []
    return found + [where for m in shown.feed for where in json_people(m["d"], m["d"]["eventType"])]


def in_picture(image: np.ndarray) -> list[str]:
    """Colours only per-person drawing uses: attention of one tile, emoji over one face."""
    colors = {f"attention {s}": c for s, c in palette.ATTENTION_COLORS.items()}
    colors |= {f"emoji {e}": emoji_fill(e) for e in EMOTIONS}
    found = []
    for name, rgb in colors.items():
        n = int(np.all(image == np.array(palette.bgr(rgb), np.uint8), axis=2).sum())
        if n:
            found.append(f"{name}: {n} px")
    return found


def in_terminal(text: str) -> list[str]:
    return text_people(text) + per_person_percents(text)


def in_store(found: dict[str, Any]) -> list[str]:
    people = [p.label for p in found["participants"]]
    samples = [f"{found['samples']} participant samples"] if found["samples"] else []
    events = [f"{k}: {where}" for k, payload in found["events"] for where in json_people(payload)]
    return people + samples + events + text_people(found["dump"])


def in_reports(texts: dict[str, str]) -> list[str]:
    found = [f"{fmt}: {m}" for fmt in ("html", "pdf", "csv") for m in text_people(texts[fmt])]
    header = texts["csv"].splitlines()[0].split(",")
    found += [f"csv column {c}" for c in header if c in ("participant_id", "label", "participant")]
    return found + [f"json{where}" for where in json_people(json.loads(texts["json"]))]


# -- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["aggregate_only", "individual"])
def test_no_sink_shows_a_person_in_aggregate_only_mode(
    mode: PrivacyMode, home: Path, camera: type[RecordingCamera], artifacts_dir: Path
) -> None:
    import cv2

    shown = run_session(mode, home, camera)
    cv2.imwrite(str(artifacts_dir / f"privacy_vcam_{mode}.png"), shown.vcam)
    found = {
        "feed": in_feed(shown),
        "virtual camera": in_picture(shown.vcam),
        "terminal": in_terminal(shown.terminal),
        "store": in_store(shown.store),
        "reports": in_reports(shown.reports),
    }
    if mode == "individual":  # the control: every check finds the people it looks for
        assert all(found.values()), {sink: bool(where) for sink, where in found.items()}
        assert set(LABELS) <= set(text_people(shown.reports["html"]))
        return
    assert found == {sink: [] for sink in found}
    # the room is still measured and shown everywhere
    events = [m["d"] for m in shown.feed if m["op"] == 5]
    rooms = [e["eventData"] for e in events if e["eventType"] == "EngagementUpdated"]
    assert len(rooms) == SECONDS
    assert all(r["engagement"] == pytest.approx(0.532, abs=1e-3) for r in rooms)
    assert "53" in shown.terminal
    assert shown.store["room_samples"] == SECONDS
    assert "Aggregate only" in shown.reports["html"]
    assert shown.vcam[200:300, 100:300].any(), "the meeting itself is still in the picture"


def test_switching_to_aggregate_only_mid_session_applies_at_once_to_the_same_session(
    home: Path,
) -> None:
    """The presenter switches while the demo gallery is being watched by the real pipeline:
    from the switch on nothing per person leaves (the views are told to drop the people at
    once), the session goes on under its id, and the store keeps no one after the switch."""
    config = Config(store=StoreConfig(data_dir=home / "data"), server=ServerConfig(enabled=False))
    demo = WatchTarget("the demo gallery", lambda: ScenarioSource(DemoScenario()))
    controller = CoreController(config, target=demo)
    events: list[Event] = []
    got = threading.Condition()

    def keep(event: Event) -> None:
        with got:
            events.append(event)
            got.notify_all()

    def wait_for(test: Callable[[list[Event]], bool]) -> None:
        with got:
            assert got.wait_for(lambda: test(events), timeout=120), [e.kind for e in events]

    controller.subscribe(keep)
    controller.app.start()
    try:
        info = controller.start_session()
        wait_for(
            lambda es: any(e.kind == "EngagementUpdated" and e.payload.participants for e in es)
        )
        with got:
            before = len(events)
        switched_at = time.time()
        controller.set_aggregate_only(True)
        # the views are told at once: nobody is to be shown any more
        with got:
            cleared = [
                i
                for i, e in enumerate(events[before:], before)
                if e.kind == "ParticipantsChanged" and e.payload == []
            ]
        assert cleared, "no empty participant list after the switch"
        mark = cleared[0] + 1
        wait_for(
            lambda es: any(
                e.kind == "EngagementUpdated" and e.timestamp > switched_at + 1 for e in es[mark:]
            )
        )
        assert controller.session is not None and controller.session.session_id == info.session_id
    finally:
        ended = controller.shutdown()
    assert ended is not None and ended.session_id == info.session_id
    after = events[mark:]
    assert "FaceSignals" not in [e.kind for e in after]
    assert all(not e.payload.participants for e in after if e.kind == "EngagementUpdated")
    assert [e.payload.privacy_mode for e in after if e.kind == "SessionEnded"] == ["aggregate_only"]
    with SessionStore.open_readonly(home / "data" / STORE_FILENAME) as store:
        samples = store.sample_arrays(info.session_id)
        assert len(samples) > 0, "the people were recorded before the switch"
        assert samples.t.max() < switched_at + 1
        assert store.room_table(info.session_id).t.max() > switched_at + 1
