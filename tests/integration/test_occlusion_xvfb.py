"""A real window raised over the captured meeting for 10 s makes no participant.

`meetwatch run --window` captures a Zoom-like gallery of real faces (the demo portraits) on
a real X display; a second window (a dialog) is mapped over the middle of it for ten
seconds and closed again, as a notification or another app would be. mss copies whatever is
on top, so meetwatch sees the dialog in the frames it analyses.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from tests.factories.cli import cli_env, rows_so_far, store_rows
from tests.integration.x11 import GalleryLauncher, wait_for

TITLE = "Zoom Meeting"
SIZE = (1280, 720)
DIALOG = (470, 200, 700, 320)  # x, y, w, h: over the middle of the gallery, clear of column 1
COVER_SECONDS = 10


def _dialog_image() -> np.ndarray:
    _, _, w, h = DIALOG
    image = np.full((h, w, 3), 238, np.uint8)
    image[:32] = (180, 110, 40)
    cv2.putText(image, "Recording in progress", (24, 90), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    return image


@pytest.mark.slow
def test_a_window_over_the_gallery_keeps_participants_and_marks_the_covered_seconds(
    galleries: GalleryLauncher, tmp_path: Path
) -> None:
    faces = demo_faces(6, np.random.default_rng(3))
    gallery = render_gallery(faces, 6, "zoom", SIZE, camera_off={5}, rng=np.random.default_rng(0))
    galleries.show(TITLE, gallery.image)
    cmd = [sys.executable, "-m", "meetwatch", "run", "--window", TITLE, "--quiet"]
    cmd += ["--no-server", "--rate", "2", "--duration", "40"]
    proc = subprocess.Popen(
        cmd, env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        seconds = "SELECT DISTINCT t FROM room_samples"
        wait_for(lambda: rows_so_far(tmp_path, seconds) >= 6, "six seconds of samples", timeout=120)
        x, y, _, _ = DIALOG
        dialog = galleries.show("Recording", _dialog_image(), position=(x, y))
        shown = time.time()
        time.sleep(COVER_SECONDS)
        dialog.process.terminate()
        dialog.process.wait(10)
        hidden = time.time()
        out, _ = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out

    participants = store_rows(tmp_path, "SELECT participant_id, slot FROM participants")
    assert sorted(slot for _, slot in participants) == list(range(6)), participants

    events = [
        json.loads(p)
        for (p,) in store_rows(
            tmp_path, "SELECT payload_json FROM events WHERE kind = 'frames_missing'"
        )
    ]
    covered = {pid for e in events for pid in e.get("participants", [])}
    assert covered, f"no covered participants recorded: {events}"
    for e in events:
        # the cover is reported inside the time the dialog was up (give a frame either side)
        assert shown - 2 <= e["start"] and e["end"] <= hidden + 3, (e, shown, hidden)
        assert e["end"] - e["start"] >= COVER_SECONDS - 4, e
    for pid in covered:
        seconds = {
            t
            for (t,) in store_rows(tmp_path, "SELECT t FROM samples WHERE participant_id = ?", pid)
        }
        gap = [t for t in range(int(shown) + 2, int(hidden) - 2) if float(t) in seconds]
        assert gap == [], f"participant {pid} has samples while covered"
    slot_of = dict(participants)
    assert {slot_of[pid] for pid in covered} == {1, 2, 4, 5}  # column 1 stays in sight
