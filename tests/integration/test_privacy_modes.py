"""The real `meetwatch` command's privacy behaviour: aggregate-only mode withholds room figures
below the minimum number of faces, and the first-run question never blocks a script but is
asked (and remembered) on a terminal.

Galleries are the shipped demo portraits (real faces, no dataset needed).
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from meetwatch.config import load_config
from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from meetwatch.first_run import UNANSWERED
from tests.factories.cli import cli_env, config_file, meetwatch, store_rows

OUTSIDE_EU = ("--used-in", "other", "--in-eu", "no")


def _gallery(path: Path, faces: int) -> Path:
    portraits = demo_faces(faces, np.random.default_rng(4))
    image = render_gallery(portraits, faces, "zoom", (1280, 720), rng=np.random.default_rng(0))
    assert cv2.imwrite(str(path), image.image)
    return path


def _room(home: Path, image: Path, *args: str) -> dict:
    done = meetwatch(
        home, "analyze", str(image), "--json", "--store", *args, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["faces"] == result["room"]["participants_with_face"]
    return dict(result["room"], session_id=result["session_id"])


def test_aggregate_only_shows_no_room_figures_below_five_faces(tmp_path: Path) -> None:
    three = _gallery(tmp_path / "three.png", 3)
    room = _room(tmp_path, three, "--aggregate-only", *OUTSIDE_EU)
    assert room["participants_with_face"] == 3 and room["min_faces"] == 5
    assert room["engagement"] is None and room["attention_share"] is None
    assert room["emotion_mix"] == {} and room["attention_counts"] == {}
    assert room["participants"] == []
    # nothing stored for that session either
    stored = store_rows(
        tmp_path,
        "SELECT engagement, attention_share, happy, on_screen FROM room_samples "
        "WHERE session_id = ?",
        room["session_id"],
    )
    assert stored and all(value is None for row in stored for value in row)

    # six faces: the room is an average of enough people to be shown
    six = _gallery(tmp_path / "six.png", 6)
    room = _room(tmp_path, six, "--aggregate-only", *OUTSIDE_EU)
    assert room["participants_with_face"] == 6
    assert room["engagement"] is not None and room["attention_share"] is not None
    assert room["emotion_mix"] and room["participants"] == []


def test_the_minimum_is_configurable(tmp_path: Path) -> None:
    config_file(tmp_path, '[privacy]\nmode = "aggregate_only"\nmin_faces = 3\n')
    room = _room(tmp_path, _gallery(tmp_path / "three.png", 3), *OUTSIDE_EU)
    assert room["min_faces"] == 3 and room["engagement"] is not None


# -- first run --------------------------------------------------------------------------------


def _black(tmp_path: Path) -> Path:
    path = tmp_path / "black.png"
    assert cv2.imwrite(str(path), np.zeros((90, 160, 3), np.uint8))
    return path


def test_without_a_terminal_the_first_run_does_not_wait_and_picks_the_lawful_default(
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    black = str(_black(tmp_path))
    done = meetwatch(tmp_path, "analyze", black, "--store", stdin=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if "where meetwatch is used" in line]
    assert notes == [UNANSWERED]
    ((config_json,),) = store_rows(tmp_path, "SELECT config_json FROM sessions")
    assert json.loads(config_json)["privacy"]["attention_only"] is True
    assert not (tmp_path / "config" / "meetwatch" / "config.toml").exists()  # nothing saved
    assert time.monotonic() - started < 120
    # an answer in the config file is used silently, and emotion is on outside the EU
    config_file(tmp_path, '[privacy]\nused_in = "workplace"\nin_eu = false\n')
    done = meetwatch(tmp_path, "analyze", black, "--store", stdin=subprocess.DEVNULL)
    assert done.returncode == 0 and "where meetwatch is used" not in done.stderr
    rows = store_rows(tmp_path, "SELECT config_json FROM sessions ORDER BY started_at")
    assert json.loads(rows[-1][0])["privacy"]["attention_only"] is False


def test_half_an_answer_is_refused(tmp_path: Path) -> None:
    done = meetwatch(tmp_path, "analyze", str(_black(tmp_path)), "--used-in", "education")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("error:")] == [
        "error: --used-in and --in-eu answer one question together: give both"
    ]


def _read_until(fd: int, text: str, seen: bytearray, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while text.encode() not in seen:
        assert time.monotonic() < deadline, f"never saw {text!r} in {seen.decode(errors='replace')}"
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                return


def test_on_a_terminal_the_first_run_asks_and_remembers(tmp_path: Path) -> None:
    """A real pseudo-terminal: the questions appear, the answer is saved and applied."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "meetwatch", "analyze", str(_black(tmp_path)), "--no-store"],
        env=cli_env(tmp_path),
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    seen = bytearray()
    try:
        _read_until(master, "Choose 1-3: ", seen)
        os.write(master, b"7\n")  # not an option: asked again
        _read_until(master, "please answer one of: 1, 2, 3", seen)
        os.write(master, b"1\n")  # education
        _read_until(master, "[y/n]: ", seen)
        os.write(master, b"y\n")
        _read_until(master, "frame(s)", seen)
        assert proc.wait(60) == 0, seen.decode(errors="replace")
    finally:
        proc.kill()
        os.close(master)
    text = seen.decode(errors="replace")
    assert "mode: attention-only, individual" in text
    privacy = load_config(tmp_path / "config" / "meetwatch" / "config.toml").privacy
    assert (privacy.used_in, privacy.in_eu, privacy.attention_only) == ("education", True, True)
