"""Wayland capture for real: a headless GNOME desktop (mutter, PipeWire, WirePlumber,
xdg-desktop-portal with its GNOME backend) on a private D-Bus, started by the test; a real
Qt window on it showing a meeting gallery of faces; meetwatch's portal source reading the
screen through the portal's PipeWire stream.

The first share is answered in the portal's own dialog, by pointer clicks as a person would;
the next session shares again through the kept restore token, with nobody clicking (a
dialog nobody answers would fail it). Skipped, saying what to install, where the desktop's
programs are missing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch.capture import portal
from meetwatch.capture.frame import Frame
from meetwatch.capture.portal_source import PortalSource
from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from tests.factories.cli import cli_env, meetwatch_process, store_rows
from tests.factories.wayland import (
    MONITOR,
    PACKAGES,
    Person,
    WaylandDesktop,
    missing,
    qt_client_env,
    wayland_desktop,
)
from tests.integration.x11 import same_pixels, wait_for

TITLE = "Zoom Meeting"
N_FACES = 6
GALLERY_SIZE = (960, 540)  # a window on the 1280x720 monitor, the desktop around it


def skip_without_a_desktop() -> None:
    absent = missing()
    if absent:
        pytest.skip(
            f"a headless Wayland desktop needs {', '.join(absent)} "
            f"(apt install {PACKAGES} dbus-daemon gstreamer1.0-tools gstreamer1.0-pipewire)"
        )
    pytest.importorskip("jeepney")


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WaylandDesktop]:
    skip_without_a_desktop()
    with wayland_desktop(tmp_path_factory.mktemp("wayland")) as started:
        yield started


@pytest.fixture(scope="module")
def person(desktop: WaylandDesktop) -> Iterator[Person]:
    someone = Person(desktop)
    yield someone
    someone.close()


@pytest.fixture(scope="module")
def gallery(
    desktop: WaylandDesktop, person: Person, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[np.ndarray]:
    """A meeting window on the desktop: demo portraits (shipped with scikit-image and
    matplotlib) in a Zoom-like gallery, drawn by meetwatch's Qt gallery window."""
    image = render_gallery(
        demo_faces(N_FACES, np.random.default_rng(3)),
        N_FACES,
        "zoom",
        GALLERY_SIZE,
        rng=np.random.default_rng(0),
    ).image
    folder = tmp_path_factory.mktemp("gallery")
    cv2.imwrite(str(folder / "frame000.png"), image)
    command = [sys.executable, "-m", "meetwatch.qt.gallery_window", "--title", TITLE]
    with (folder / "stderr.txt").open("wb") as err:
        window = subprocess.Popen(
            [*command, "--image-dir", str(folder)], env=qt_client_env(desktop), stderr=err
        )
    try:  # on screen before the portal's dialog opens (a later window would cover it)
        person.sees(lambda screen: on_screen(screen, image), "the meeting window")
        yield image
    finally:
        window.terminate()
    window.wait(10)


def join(desktop: WaylandDesktop, monkeypatch: pytest.MonkeyPatch) -> None:
    """This test process as one of the desktop's applications."""
    for name in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "WAYLAND_DISPLAY"):
        monkeypatch.setenv(name, desktop.env[name])
    monkeypatch.delenv("DISPLAY", raising=False)
    # a dialog nobody answers fails the test in 90 s rather than the user's 5 minutes
    monkeypatch.setattr(portal, "RESPONSE_TIMEOUT_S", 90.0)


@pytest.fixture
def on_desktop(desktop: WaylandDesktop, monkeypatch: pytest.MonkeyPatch) -> WaylandDesktop:
    join(desktop, monkeypatch)
    return desktop


def on_screen(screen: np.ndarray, image: np.ndarray) -> bool:
    """Whether `image` is on the screen, pixel for pixel, wherever it was placed."""
    scores = cv2.matchTemplate(screen, image, cv2.TM_SQDIFF)
    _, _, (x, y), _ = cv2.minMaxLoc(scores)
    h, w = image.shape[:2]
    return same_pixels(screen[y : y + h, x : x + w], image)


def read_showing(source: PortalSource, image: np.ndarray) -> Frame:
    def attempt() -> Frame | None:
        frame = source.read()
        return frame if frame and not frame.missing and on_screen(frame.image, image) else None

    return wait_for(attempt, "the gallery in the shared screen's frames", timeout=60)


def kept_token(path: Path, desktop: WaylandDesktop) -> str:
    """The token meetwatch kept: the portal's, owner-only, and remembered by the portal as
    allowed for applications outside a sandbox (app id "")."""
    token = path.read_text().strip()
    assert str(uuid.UUID(token)) == token
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert desktop.remembered(token) == {"": ["yes"]}
    return token


def opened_through_the_dialog(person: Person, token_file: Path) -> PortalSource:
    """A portal source whose share the person answers in the dialog."""
    source = PortalSource(token_file=token_file)
    failed: list[BaseException] = []

    def share() -> None:
        try:
            source.open()  # blocks while the dialog is up
        except BaseException as e:
            failed.append(e)

    opening = threading.Thread(target=share)
    opening.start()
    person.answer_share_dialog(lambda: token_file.exists() or not opening.is_alive())
    opening.join(60)
    if failed:
        raise failed[0]
    return source


def test_the_first_share_is_answered_in_the_dialog_the_next_one_is_not(
    on_desktop: WaylandDesktop, person: Person, gallery: np.ndarray, tmp_path: Path
) -> None:
    token_file = tmp_path / "state" / "meetwatch" / "screencast-restore-token"
    first = opened_through_the_dialog(person, token_file)
    try:
        frame = read_showing(first, gallery)
    finally:
        first.close()
    assert (frame.size, frame.source) == (MONITOR, "portal:shared window or screen")
    kept_token(token_file, on_desktop)

    with PortalSource(token_file=token_file) as second:  # nobody clicks this time
        read_showing(second, gallery)
    kept_token(token_file, on_desktop)


@pytest.mark.slow
def test_meetwatch_run_on_wayland_finds_everyone_in_the_shared_screen(
    on_desktop: WaylandDesktop, person: Person, gallery: np.ndarray, tmp_path: Path
) -> None:
    """The real command, answered in the dialog like a user does; everyone in the gallery
    becomes a participant with a face seen."""
    env = cli_env(
        tmp_path,
        **{k: on_desktop.env[k] for k in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")},
        WAYLAND_DISPLAY=on_desktop.env["WAYLAND_DISPLAY"],
        XDG_SESSION_TYPE="wayland",
        XDG_STATE_HOME=str(tmp_path / "state"),
        DISPLAY=None,
    )
    token_file = tmp_path / "state" / "meetwatch" / "screencast-restore-token"
    proc = meetwatch_process(
        env,
        *("run", "--screen", "1", "--duration", "10", "--rate", "2"),
        *("--quiet", "--no-server", "--attention-only", "--used-in", "other", "--in-eu", "no"),
    )
    try:
        person.answer_share_dialog(lambda: token_file.exists() or proc.poll() is not None)
        out, _ = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "sharing dialog" in out
    kept_token(token_file, on_desktop)
    seen = store_rows(
        tmp_path,
        "SELECT p.slot, count(*) FROM samples s JOIN participants p "
        "USING (session_id, participant_id) "
        "WHERE s.attention NOT IN ('no_face', 'camera_off') GROUP BY p.slot",
    )
    assert len(seen) == N_FACES, out
    assert all(count >= 5 for _, count in seen), seen


@pytest.mark.slow
def test_a_stream_the_desktop_takes_away_ends_the_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desktop drops the screencast (here its portal backend goes away and mutter ends
    the stream, as it does when sharing is stopped); PipeWire then simply stops sending.
    The source ends the session rather than analysing the last picture on. A desktop of its
    own: this one loses its portal."""
    skip_without_a_desktop()
    (tmp_path / "desktop").mkdir()
    with wayland_desktop(tmp_path / "desktop") as own:
        join(own, monkeypatch)
        person = Person(own)
        try:
            source = opened_through_the_dialog(person, tmp_path / "token")
            try:
                assert source.read() is not None
                (backend,) = own.call(
                    "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                    "GetConnectionUnixProcessID", "s",
                    ("org.freedesktop.impl.portal.desktop.gnome",),
                )  # fmt: skip
                os.kill(backend, signal.SIGTERM)
                wait_for(lambda: source.read() is None, "the end of the session", timeout=60)
            finally:
                source.close()
        finally:
            person.close()
