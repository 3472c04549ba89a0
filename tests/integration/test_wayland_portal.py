"""Wayland capture glue: the ScreenCast portal conversation over a real (private) D-Bus
session bus, against a stand-in portal service that answers as xdg-desktop-portal does
(Request objects, Response signals, a file descriptor for the PipeWire remote), and the
frame reader on a real GStreamer pipeline.

The stand-in answers what a real portal rarely does (a cancelled dialog, an old portal
version, no portal at all). The real compositor, PipeWire and portal run in
test_wayland_desktop.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from meetwatch.capture import portal_source
from meetwatch.capture.blank import is_blank
from meetwatch.capture.display import WAYLAND_PICKS
from meetwatch.capture.gst_frames import GstFrames
from meetwatch.capture.portal import BUS_NAME, REQUEST, ScreenCastPortal
from meetwatch.capture.portal_source import PortalSource
from meetwatch.errors import CaptureError
from tests.factories.cli import cli_env, meetwatch
from tests.integration.x11 import wait_for

jeepney = pytest.importorskip("jeepney")
from jeepney import DBusAddress, HeaderFields, MessageType, new_method_return, new_signal  # noqa: E402
from jeepney.bus_messages import message_bus  # noqa: E402
from jeepney.io.blocking import open_dbus_connection  # noqa: E402

needs_gst = pytest.mark.skipif(
    shutil.which("gst-launch-1.0") is None,
    reason="gst-launch-1.0 missing (apt install gstreamer1.0-tools gstreamer1.0-plugins-base)",
)


@pytest.fixture
def session_bus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A private session bus that activates nothing: with the standard session config, an
    installed xdg-desktop-portal would be started on demand and answer in the stand-in's place."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon missing (apt install dbus)")
    config = tmp_path / "bus.conf"
    config.write_text(
        "<busconfig><type>session</type>"
        f"<listen>unix:dir={tmp_path}</listen>"
        '<policy context="default"><allow send_destination="*" eavesdrop="true"/>'
        '<allow eavesdrop="true"/><allow own="*"/></policy></busconfig>'
    )
    proc = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address
    finally:
        proc.terminate()
        proc.wait(10)


SESSION_PATH = "/org/freedesktop/portal/desktop/session/1/s"


class StandInPortal:
    """Answers ScreenCast calls like xdg-desktop-portal after the user picked window 42."""

    def __init__(self, version: int = 5, cancel: bool = False) -> None:
        self.version, self.cancel = version, cancel
        self.calls: dict[str, dict[str, Any]] = {}
        self.tokens_given = 0
        self._conn = open_dbus_connection(bus="SESSION", enable_fds=True)
        self._conn.send_and_get_reply(message_bus.RequestName(BUS_NAME), timeout=10)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def stop_sharing(self) -> None:
        """What the portal does when the user stops sharing from the desktop's indicator."""
        session = DBusAddress(SESSION_PATH, interface="org.freedesktop.portal.Session")
        self._conn.send(new_signal(session, "Closed", "a{sv}", ({},)))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self._conn.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self._conn.receive(timeout=0.1)
            except TimeoutError:
                continue
            if msg.header.message_type == MessageType.method_call:
                self._answer(msg)

    def _answer(self, msg: Any) -> None:
        member = msg.header.fields[HeaderFields.member]
        if member == "Get":
            self._conn.send(new_method_return(msg, "v", (("u", self.version),)))
            return
        if member == "OpenPipeWireRemote":
            read_end, write_end = os.pipe()
            self._conn.send(new_method_return(msg, "h", (read_end,)))
            os.close(read_end)
            os.close(write_end)
            return
        if member == "Close":
            self.calls["Close"] = {}
            return
        options = dict(msg.body[-1])
        self.calls[member] = options
        sender = msg.header.fields[HeaderFields.sender].lstrip(":").replace(".", "_")
        path = f"/org/freedesktop/portal/desktop/request/{sender}/{options['handle_token'][1]}"
        self._conn.send(new_method_return(msg, "o", (path,)))
        results: dict[str, Any] = {}
        if member == "CreateSession":
            results["session_handle"] = ("s", SESSION_PATH)
        if member == "Start":
            results["streams"] = ("a(ua{sv})", [(42, {"size": ("(ii)", (320, 240))})])
            self.tokens_given += 1
            results["restore_token"] = ("s", f"token-{self.tokens_given}")
        code = 1 if member == "Start" and self.cancel else 0
        response = new_signal(DBusAddress(path, interface=REQUEST), "Response", "ua{sv}")
        response.body = (code, results)
        self._conn.send(response)


@pytest.fixture
def portal(request: pytest.FixtureRequest, session_bus: str) -> Iterator[StandInPortal]:
    """The stand-in portal; parametrize indirectly with its keyword arguments."""
    stand_in = StandInPortal(**getattr(request, "param", {}))
    yield stand_in
    stand_in.close()


@pytest.fixture
def client(session_bus: str) -> Iterator[ScreenCastPortal]:
    connected = ScreenCastPortal()
    yield connected
    connected.close()


def test_the_conversation_and_the_restore_token(
    portal: StandInPortal, client: ScreenCastPortal
) -> None:
    cast = client.start(restore_token="token-from-last-time")
    client.close()
    assert cast.streams[0].node_id == 42 and cast.streams[0].size == (320, 240)
    assert cast.restore_token == "token-1" and cast.pipewire_fd >= 0
    os.close(cast.pipewire_fd)
    select = portal.calls["SelectSources"]
    assert select["types"][1] == 3  # a window or a monitor, the user picks
    assert select["persist_mode"][1] == 2 and select["restore_token"][1] == "token-from-last-time"
    assert select["multiple"][1] is False
    closed = threading.Event()
    for _ in range(100):  # the stand-in handles the Close call on its own thread
        if "Close" in portal.calls or closed.wait(0.05):
            break
    assert "Close" in portal.calls


@pytest.mark.parametrize("portal", [{"cancel": True}], indirect=True)
def test_cancelled_dialog_is_a_clear_error(portal: StandInPortal, client: ScreenCastPortal) -> None:
    with pytest.raises(CaptureError, match="cancelled in the desktop's dialog"):
        client.start()


@pytest.mark.parametrize("portal", [{"version": 3}], indirect=True)
def test_old_portals_get_no_restore_options(
    portal: StandInPortal, client: ScreenCastPortal
) -> None:
    os.close(client.start(restore_token="old").pipewire_fd)
    assert "persist_mode" not in portal.calls["SelectSources"]


def test_no_portal_on_the_bus_says_what_to_install(client: ScreenCastPortal) -> None:
    with pytest.raises(CaptureError, match="xdg-desktop-portal-gnome"):
        client.start()


@needs_gst
def test_frames_from_a_real_gstreamer_pipeline() -> None:
    frames = GstFrames(["videotestsrc", "pattern=smpte"], (320, 240), rate_hz=5)
    try:
        image = frames.latest(timeout=20)
        assert frames.failure() is None
    finally:
        frames.close()
    assert image is not None and image.shape == (240, 320, 3) and not is_blank(image)


@needs_gst
def test_a_broken_pipeline_says_why() -> None:
    frames = GstFrames(["no-such-element"], (64, 64))
    try:
        assert frames.latest(timeout=10) is None
        for _ in range(100):
            if frames.failure() is not None:
                break
            threading.Event().wait(0.1)
        assert "no-such-element" in (frames.failure() or "")
    finally:
        frames.close()


@needs_gst
def test_portal_source_keeps_the_token_and_yields_frames(
    portal: StandInPortal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The source end to end, with GStreamer's test source standing in for pipewiresrc (no
    PipeWire daemon here): the pipewiresrc arguments it would use are checked instead."""
    seen: list[tuple[list[str], list[int]]] = []

    def videotest(
        source: list[str], size: tuple[int, int], rate: int, pass_fds: list[int]
    ) -> GstFrames:
        seen.append((source, list(pass_fds)))
        return GstFrames(["videotestsrc", "pattern=smpte"], size, rate)

    monkeypatch.setattr(portal_source, "GstFrames", videotest)
    token_file = tmp_path / "state" / "screencast-restore-token"
    with PortalSource(token_file=token_file) as source:
        frame = source.read()
    assert frame is not None and not frame.missing and frame.size == (320, 240)
    assert token_file.read_text().strip() == "token-1"
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    ((args, fds),) = seen
    assert args[:3] == ["pipewiresrc", f"fd={fds[0]}", "path=42"]
    with PortalSource(token_file=token_file) as source:  # the next session: no dialog
        assert source.read() is not None
    assert portal.calls["SelectSources"]["restore_token"][1] == "token-1"
    assert token_file.read_text().strip() == "token-2"


@needs_gst
def test_sharing_stopped_on_the_desktop_ends_the_stream(
    portal: StandInPortal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PipeWire only stops sending (the last picture stays); the portal's Closed signal is
    what ends the session, rather than the frozen picture being analysed on."""

    def videotest(source: list[str], size: tuple[int, int], rate: int, **_: Any) -> GstFrames:
        return GstFrames(["videotestsrc", "pattern=smpte"], size, rate)

    monkeypatch.setattr(portal_source, "GstFrames", videotest)
    with PortalSource(token_file=tmp_path / "token") as source:
        assert source.read() is not None
        portal.stop_sharing()
        wait_for(lambda: source.read() is None, "the end of the stream", timeout=20)


def test_list_windows_on_wayland_says_the_portal_picks(tmp_path: Path) -> None:
    env = cli_env(tmp_path, XDG_SESSION_TYPE="wayland", DISPLAY=None, WAYLAND_DISPLAY="w-0")
    done = meetwatch(tmp_path, "list-windows", env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == WAYLAND_PICKS


def test_run_on_wayland_goes_through_the_portal(portal: StandInPortal, tmp_path: Path) -> None:
    """The real CLI asks the portal (here the stand-in, which hands over a descriptor that is
    no PipeWire remote): the pipeline cannot start, and the error says so."""
    if shutil.which("gst-launch-1.0") is None:
        pytest.skip("gst-launch-1.0 missing")
    env = cli_env(tmp_path, XDG_SESSION_TYPE="wayland", DISPLAY=None, WAYLAND_DISPLAY="w-0")
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    done = meetwatch(
        tmp_path,
        *("run", "--window", "Zoom", "--quiet", "--no-server"),
        *("--used-in", "other", "--in-eu", "no"),
        env=env,
        timeout=120,
    )
    assert "sharing dialog" in done.stdout
    assert done.returncode == 3, done.stdout + done.stderr
    [error] = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert "The shared window gave no picture" in error
    assert "Start" in portal.calls
    token = tmp_path / "state" / "meetwatch" / "screencast-restore-token"
    assert token.read_text().strip() == "token-1"  # kept in the user state folder
