"""`meetwatch demo` end to end: the real command, the real pipeline, a session in the store.

Without a display the demo replays its gallery straight into the pipeline; with one (Xvfb)
it opens the gallery in a window and captures that window from the screen, as `run --window`
would capture a meeting. The live feed gets a free port so parallel runs never clash on 8765.
"""

from __future__ import annotations

import socket
from collections import Counter
from pathlib import Path

import pytest

from meetwatch.demo.scenario import DEMO_TITLE, DemoScript
from tests.factories.cli import cli_env, config_file, meetwatch, store_rows

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def home(tmp_path: Path) -> Path:
    config_file(tmp_path, f"[server]\nport = {_free_port()}\n")
    return tmp_path


def _attention_by_slot(home: Path) -> dict[int, Counter[str]]:
    states: dict[int, Counter[str]] = {}
    for slot, attention in store_rows(
        home,
        "SELECT p.slot, s.attention FROM samples s JOIN participants p "
        "USING (session_id, participant_id)",
    ):
        states.setdefault(slot, Counter())[attention] += 1
    return states


def _check_session(home: Path, source: str) -> dict[int, Counter[str]]:
    ((recorded, ended),) = store_rows(home, "SELECT source, ended_at FROM sessions")
    assert recorded == source and ended is not None
    slots = [slot for (slot,) in store_rows(home, "SELECT slot FROM participants ORDER BY slot")]
    assert slots == list(range(DemoScript().n_tiles))
    states = _attention_by_slot(home)
    assert set(states) == set(slots), "every participant has samples"
    assert set(states[DemoScript().camera_off]) == {"camera_off"}
    return states


def test_demo_without_a_display_replays_the_gallery(home: Path) -> None:
    done = meetwatch(
        home, "demo", "--no-display", "--frames", "5", "--quiet", env=cli_env(home, DISPLAY=None)
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "replaying the demo gallery" in done.stdout
    assert "live feed: ws://127.0.0.1:" in done.stdout
    states = _check_session(home, "demo:replayed gallery")
    # the first seconds of the script: everyone but the camera-off tile looks at the screen
    for slot, counts in states.items():
        if slot != DemoScript().camera_off:
            assert counts["on_screen"] >= 1, (slot, counts)


@pytest.mark.xvfb
def test_demo_on_a_display_captures_its_window_from_the_screen(
    xvfb_display: str, home: Path
) -> None:
    done = meetwatch(home, "demo", "--frames", "6", "--quiet", timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"in the window {DEMO_TITLE!r} and capturing it from the screen" in done.stdout
    states = _check_session(home, f"window:{DEMO_TITLE}")
    faces = [s for s, c in states.items() if c["on_screen"]]
    assert len(faces) >= 4, states  # the face tiles were seen on the screen
