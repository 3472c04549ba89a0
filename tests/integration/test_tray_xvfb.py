"""The tray app on a real desktop: Xvfb with a window manager (openbox), a compositor
(xcompmgr) and a system tray host (trayer).

The tray app runs as its own process with HOME and the XDG folders in a temporary folder.
The test opens its menu with a real right click on the tray icon, picks the demo gallery
window in the picker with the keyboard, confirms the session notice, lets it record, stops
it through the app's single-instance channel and reads the session back from the store.
Screenshots of the menu and the picker are saved as test artefacts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from meetwatch.capture import list_windows
from meetwatch.demo.scenario import DEMO_TITLE
from meetwatch.desktop.notice import acknowledge
from meetwatch.geometry import Rect
from meetwatch.session.store import SessionStore
from tests.integration.tray_channel import Home, ask, free_port
from tests.integration.x11 import SCREEN, grab, running_xvfb, using_display, wait_for

pytestmark = pytest.mark.xvfb

PICKER_TITLE = "meetwatch - pick the meeting window"
CONSENT_TITLE = "Start watching?"
TRAYER = ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request"]
TOOLS = {"openbox": "openbox", "xcompmgr": "xcompmgr", "trayer": "trayer", "xdotool": "xdotool"}


@dataclass
class Desktop:
    display: str
    processes: list[subprocess.Popen[bytes]]


@pytest.fixture
def desktop() -> Iterator[Desktop]:
    missing = [pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (see packaging/apt-packages.txt)")
    with running_xvfb() as name, using_display(name):
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        started = [
            subprocess.Popen(["openbox", "--sm-disable"], **quiet),  # type: ignore[call-overload]
            subprocess.Popen(["xcompmgr"], **quiet),  # type: ignore[call-overload]
            subprocess.Popen(  # type: ignore[call-overload]
                [*TRAYER, "--height", "32", "--SetDockType", "true"],
                **quiet,
            ),
        ]
        try:
            wait_for(lambda: _xdotool_ok("search", "--class", "trayer"), "trayer to start")
            yield Desktop(name, started)
        finally:
            for proc in reversed(started):
                proc.terminate()
                proc.wait(10)


def _xdotool_ok(*args: str) -> bool:
    return subprocess.run(["xdotool", *args], capture_output=True, timeout=30).returncode == 0


def xdotool(*args: object) -> str:
    done = subprocess.run(
        ["xdotool", *map(str, args)], capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout


def _window(title: str) -> Rect | None:
    for w in list_windows():
        if w.title == title and w.visible:
            return w.rect
    return None


def _save(artifacts: Path, name: str, image: np.ndarray | None) -> np.ndarray:
    assert image is not None, f"nothing on screen for {name}"
    assert cv2.imwrite(str(artifacts / name), image)
    return image


def _tray_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meetwatch.qt.tray", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _red_pixels(image: np.ndarray | None) -> int:
    assert image is not None
    b, g, r = (image[:, :, i].astype(int) for i in range(3))
    return int(((r > 180) & (g < 90) & (b < 90)).sum())


def _changed(shot: np.ndarray | None, before: np.ndarray) -> bool:
    return shot is not None and float(np.abs(shot.astype(int) - before).mean()) > 5


def _open_menu(home: Home, area: Rect, before: np.ndarray) -> list[int]:
    """Right-click the icon until its menu shows. trayer moves the icon while it lays itself
    out after the embedding, so the first click may land beside it."""
    for _ in range(10):
        status = ask(home, "status")
        assert status is not None
        x, y, w, h = status["tray"]
        if not (0 <= x < SCREEN[0] and 0 <= y < 64 and w > 0 and h > 0):
            time.sleep(0.5)  # not yet embedded in trayer's strip (a loaded machine is slow)
            continue
        xdotool("mousemove", x + w // 2, y + h // 2, "click", "3")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if _changed(grab(area), before):
                return [x, y, w, h]
            time.sleep(0.1)
        xdotool("key", "Escape")
    pytest.fail("the tray menu did not open on a right click")


def _activate(title: str) -> None:
    """Give a dialog the keyboard focus, as a click on it would."""
    wid = xdotool("search", "--name", f"^{re.escape(title)}$").split()[0]
    xdotool("windowactivate", "--sync", wid)


@pytest.fixture
def tray_process(
    desktop: Desktop, tmp_path: Path
) -> Iterator[tuple[Home, subprocess.Popen[bytes]]]:
    home = Home(tmp_path / "home")
    home.config_dir.mkdir(parents=True)
    (home.config_dir / "config.toml").write_text(f"[server]\nport = {free_port()}\n")
    acknowledge(home.config_dir)  # first run is covered offscreen; here: the session notice
    env = home.env(DISPLAY=desktop.display, QT_QPA_PLATFORM="xcb")
    gallery = subprocess.Popen(
        [sys.executable, "-m", "meetwatch.qt.demo_window", "--title", DEMO_TITLE],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log = tmp_path / "tray.stderr"
    with log.open("wb") as err:
        tray = subprocess.Popen(
            [sys.executable, "-m", "meetwatch.qt.tray"], env=env, stdout=err, stderr=err
        )
    try:
        wait_for(lambda: _window(DEMO_TITLE), "the demo gallery window")

        def ready() -> dict[str, Any] | None:
            if tray.poll() is not None:
                pytest.fail(f"tray app exited: {log.read_text(errors='replace')[-3000:]}")
            status = ask(home, "status")
            return status if status and status.get("tray") else None

        wait_for(ready, "the tray icon to be embedded in trayer", timeout=60)
        yield home, tray
    finally:
        for proc in (tray, gallery):
            if proc.poll() is None:
                proc.terminate()
            proc.wait(20)


def test_tray_drives_a_session_on_the_demo_gallery(
    tray_process: tuple[Home, subprocess.Popen[bytes]], artifacts_dir: Path
) -> None:
    home, tray = tray_process
    status = ask(home, "status")
    assert status is not None and status["state"] == "idle"

    # the tray menu, opened by a real right click on the icon
    area = Rect(SCREEN[0] - 560, 0, 560, 520)
    before = grab(area)
    assert before is not None
    x, y, w, h = _open_menu(home, area, before)
    assert 0 <= x < SCREEN[0] and 0 <= y < 64 and w > 0 and h > 0  # in trayer, top right
    icon = Rect(x, y, w, h)
    assert _red_pixels(grab(icon)) == 0  # idle: no recording dot
    _save(artifacts_dir, "tray_menu.png", grab(area))
    xdotool("key", "Escape")
    wait_for(lambda: not _changed(grab(area), before), "the tray menu to close")

    # the picker: the demo gallery (a Zoom title) is listed first and preselected
    assert ask(home, "pick-window") == {"ok": True}
    picker = wait_for(lambda: _window(PICKER_TITLE), "the window picker")
    time.sleep(2.5)  # two thumbnail refreshes
    shot = _save(artifacts_dir, "tray_picker.png", grab(picker))
    assert shot.std() > 10  # thumbnails and text, not an empty window
    _activate(PICKER_TITLE)
    xdotool("key", "Return")
    wait_for(lambda: not _window(PICKER_TITLE), "the picker to close")
    status = ask(home, "status")
    assert status is not None and DEMO_TITLE in status["target"]

    # start: the session notice appears; Enter is "Start watching"
    assert ask(home, "start-session") == {"ok": True}
    notice = wait_for(lambda: _window(CONSENT_TITLE), "the session notice")
    time.sleep(0.5)
    _save(artifacts_dir, "tray_session_notice.png", grab(notice))
    _activate(CONSENT_TITLE)
    xdotool("key", "Return")
    running = wait_for(
        lambda: (s := ask(home, "status")) is not None and s["running"] and s, "recording"
    )
    assert running["state"] in ("watching", "paused")
    _save(artifacts_dir, "tray_recording.png", grab(Rect(x - 40, y, w + 80, h)))
    assert _red_pixels(grab(icon)) > 10  # the recording dot on the tray icon
    session_id = running["session_id"]

    def recorded() -> bool:
        if not home.store.exists():
            return False
        with SessionStore.open(home.store) as store:
            return len(store.room_table(session_id)) >= 3

    wait_for(recorded, "three seconds of engagement in the store", timeout=120)
    assert ask(home, "stop-session") == {"ok": True}
    status = ask(home, "status")
    assert status is not None and status["state"] == "idle"
    assert status["last_session_id"] == session_id
    # a second launch hands over to the running one instead of starting another
    env = home.env(DISPLAY=os.environ["DISPLAY"], QT_QPA_PLATFORM="xcb")
    second = _tray_cli(env)
    assert (second.returncode, second.stdout.strip()) == (
        0,
        "meetwatch is already running (see its tray icon)",
    )
    status = ask(home, "status")
    assert (
        status is not None
        and ["Already running", "meetwatch is in the tray"] in status["notifications"]
    )
    quit_reply = _tray_cli(env, "--send", "quit")
    assert (quit_reply.returncode, json.loads(quit_reply.stdout)) == (0, {"ok": True})
    assert tray.wait(30) == 0

    with SessionStore.open(home.store) as store:
        record = store.get_session(session_id)
        assert record.info.ended_at is not None
        assert record.info.source == f"window:{DEMO_TITLE}"
        assert len(store.participants(session_id)) >= 4
        assert len(store.room_table(session_id)) >= 3
    assert "session " + session_id in home.log.read_text()
