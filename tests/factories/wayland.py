"""A real headless GNOME Wayland desktop for capture tests, private to one test folder.

mutter runs headless (no GPU: it renders in software) with one virtual monitor; PipeWire
and WirePlumber carry its screencasts; xdg-desktop-portal with the GNOME backend answers
the ScreenCast portal, all on a private D-Bus session bus with every XDG folder inside the
test folder, so nothing of the user's desktop is read or touched. Started in one process
group, which is ended as a whole afterwards (D-Bus starts the permission store on demand).

Why GNOME and not sway: sway refuses to run as root, and xdg-desktop-portal-wlr (0.7)
shares only when the compositor offers DMA-BUF buffers, which wlroots without a GPU does
not. mutter shares plain memory buffers in software.

The portal's first share asks in a dialog (xdg-desktop-portal-gnome draws it as a window on
the desktop); a `Person` answers it with pointer clicks that mutter's RemoteDesktop interface
injects, after seeing the screen through mutter's own screencast of it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from meetwatch.capture.gst_frames import GstFrames

MONITOR = (1280, 720)
DISPLAY_NAME = "wayland-meetwatch"
PACKAGES = "mutter pipewire wireplumber xdg-desktop-portal xdg-desktop-portal-gnome"
_LIBEXEC = ("/usr/libexec", "/usr/lib", "/usr/lib/xdg-desktop-portal", "/usr/local/libexec")
_READY_TIMEOUT_S = 60.0
_RD, _SC = "org.gnome.Mutter.RemoteDesktop", "org.gnome.Mutter.ScreenCast"
_BUTTON_LEFT = 0x110  # BTN_LEFT, linux/input-event-codes.h
# Where xdg-desktop-portal-gnome 43 draws its dialog, centred on the 1280x720 monitor: the
# monitor's row, then the Share button.
SHARE_DIALOG_CLICKS = ((470, 385), (852, 232))


def _program(name: str) -> str | None:
    """Portal daemons live outside PATH, in the distribution's libexec folder."""
    found = shutil.which(name)
    if found:
        return found
    for folder in _LIBEXEC:
        path = Path(folder) / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    return None


_PROGRAMS = (
    "dbus-daemon",
    "pipewire",
    "wireplumber",
    "mutter",
    "xdg-desktop-portal",
    "xdg-desktop-portal-gnome",
    "gst-launch-1.0",
    "gst-inspect-1.0",
)


def missing() -> list[str]:
    """What this machine lacks for the desktop (empty when it can run)."""
    absent = [name for name in _PROGRAMS if _program(name) is None]
    if not absent:
        inspect = _program("gst-inspect-1.0")
        assert inspect is not None
        found = subprocess.run(
            [inspect, "pipewiresrc"], capture_output=True, timeout=60, check=False
        )
        if found.returncode != 0:
            absent.append("GStreamer's pipewiresrc (gstreamer1.0-pipewire)")
    return absent


@dataclass
class WaylandDesktop:
    folder: Path
    env: dict[str, str]  # what a client of this desktop runs with
    bus: Any  # a jeepney connection to the private session bus

    def call(
        self,
        bus_name: str,
        path: str,
        interface: str,
        method: str,
        signature: str = "",
        body: tuple[Any, ...] = (),
    ) -> tuple[Any, ...]:
        from jeepney import DBusAddress, new_method_call

        address = DBusAddress(path, bus_name=bus_name, interface=interface)
        reply = self.bus.send_and_get_reply(
            new_method_call(address, method, signature, body), timeout=30
        )
        if reply.header.message_type.name == "error":
            raise RuntimeError(f"{interface}.{method}: {reply.body}")
        return tuple(reply.body)

    def has_owner(self, name: str) -> bool:
        from jeepney.bus_messages import message_bus

        return bool(self.bus.send_and_get_reply(message_bus.NameHasOwner(name), timeout=10).body[0])

    def connector(self) -> str:
        """The virtual monitor's connector name (mutter calls it Meta-0)."""
        state = self.call(
            "org.gnome.Mutter.DisplayConfig",
            "/org/gnome/Mutter/DisplayConfig",
            "org.gnome.Mutter.DisplayConfig",
            "GetCurrentState",
        )
        return str(state[1][0][0][0])

    def remembered(self, token: str) -> dict[str, list[str]]:
        """The permission store's entry for a restore token: application -> permissions."""
        permissions, _data = self.call(
            "org.freedesktop.impl.portal.PermissionStore",
            "/org/freedesktop/impl/portal/PermissionStore",
            "org.freedesktop.impl.portal.PermissionStore",
            "Lookup",
            "ss",
            ("screencast", token),
        )
        return dict(permissions)


class Person:
    """Someone at the desktop: sees the monitor (mutter's own screencast of it, read from
    PipeWire) and clicks (pointer events through mutter's RemoteDesktop interface, which
    places them on that screencast)."""

    def __init__(self, desktop: WaylandDesktop) -> None:
        from jeepney import MatchRule, message_bus

        self._desktop = desktop
        (self._session,) = desktop.call(
            _RD, "/org/gnome/Mutter/RemoteDesktop", _RD, "CreateSession"
        )
        ((_, session_id),) = desktop.call(
            _RD, self._session, "org.freedesktop.DBus.Properties", "Get", "ss",
            (f"{_RD}.Session", "SessionId"),
        )  # fmt: skip
        options = {"remote-desktop-session-id": ("s", session_id)}
        (cast,) = desktop.call(
            _SC, "/org/gnome/Mutter/ScreenCast", _SC, "CreateSession", "a{sv}", (options,)
        )
        (self._stream,) = desktop.call(
            _SC, cast, f"{_SC}.Session", "RecordMonitor", "sa{sv}", (desktop.connector(), {})
        )
        added = MatchRule(
            type="signal",
            interface=f"{_SC}.Stream",
            member="PipeWireStreamAdded",
            path=self._stream,
        )
        bus = desktop.bus
        bus.send_and_get_reply(message_bus.AddMatch(added), timeout=10)
        with bus.filter(added) as signals:
            self._rd("Start")
            (node,) = bus.recv_until_filtered(signals, timeout=30).body
        remote = socket.socket(socket.AF_UNIX)
        remote.connect(str(Path(desktop.env["XDG_RUNTIME_DIR"]) / "pipewire-0"))
        try:
            source = ["pipewiresrc", f"fd={remote.fileno()}", f"path={node}", "always-copy=true"]
            self._eyes = GstFrames(source, MONITOR, rate_hz=4, pass_fds=[remote.fileno()])
        finally:
            remote.close()

    def sees(self, check: Callable[[np.ndarray], bool], what: str) -> np.ndarray:
        """Look at the screen until `check` passes on it (readiness, not a timing check)."""
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while True:
            screen = self._eyes.latest(timeout=_READY_TIMEOUT_S)
            if screen is not None and check(screen):
                return screen
            if time.monotonic() > deadline:
                failure = self._eyes.failure() or ""
                raise RuntimeError(f"never saw {what} on the screen {failure}")
            time.sleep(0.25)

    def click(self, x: int, y: int) -> None:
        self._rd("NotifyPointerMotionAbsolute", "sdd", (self._stream, float(x), float(y)))
        time.sleep(0.2)  # the window sees the pointer arrive before the button
        for pressed in (True, False):
            self._rd("NotifyPointerButton", "ib", (_BUTTON_LEFT, pressed))

    def answer_share_dialog(self, answered: Callable[[], bool]) -> None:
        """What a person does when the portal asks: pick the monitor, press Share ("Remember
        this selection" is ticked already). Clicks until `answered()` says the application
        got its answer (clicks before the dialog is up land on the desktop, harmlessly)."""
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while not answered():
            if time.monotonic() > deadline:
                raise RuntimeError("the share dialog took no answer (did its layout change?)")
            for x, y in SHARE_DIALOG_CLICKS:
                self.click(x, y)
                time.sleep(0.3)
            time.sleep(1.0)

    def close(self) -> None:
        self._eyes.close()
        self._rd("Stop")

    def _rd(self, method: str, signature: str = "", body: tuple[Any, ...] = ()) -> None:
        self._desktop.call(_RD, self._session, f"{_RD}.Session", method, signature, body)


def _wait(check: Any, what: str, procs: Sequence[tuple[str, subprocess.Popen[bytes]]]) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while not check():
        for name, proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited ({proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {what} after {_READY_TIMEOUT_S:.0f} s")
        time.sleep(0.1)


def _logs(folder: Path) -> str:
    tails = []
    for log in sorted(folder.glob("*.log")):
        tails.append(f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}")
    return "\n".join(tails)


def _desktop_env(folder: Path) -> dict[str, str]:
    runtime = folder / "runtime"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "SESSION_MANAGER")}
    for name in ("config", "data", "cache", "state", "home"):
        (folder / name).mkdir()
    env.update(
        XDG_RUNTIME_DIR=str(runtime),
        XDG_CONFIG_HOME=str(folder / "config"),
        XDG_DATA_HOME=str(folder / "data"),
        XDG_CACHE_HOME=str(folder / "cache"),
        XDG_STATE_HOME=str(folder / "state"),
        HOME=str(folder / "home"),
        XDG_CURRENT_DESKTOP="GNOME",
        XDG_SESSION_TYPE="wayland",
        WAYLAND_DISPLAY=DISPLAY_NAME,
        DBUS_SESSION_BUS_ADDRESS=f"unix:path={runtime / 'bus'}",
        GSETTINGS_BACKEND="memory",  # no dconf database in the test folder
    )
    return env


@contextmanager
def wayland_desktop(folder: Path) -> Iterator[WaylandDesktop]:
    """Start the desktop in `folder` (which must exist and be empty); yields once the
    portal answers. Raises RuntimeError with the daemons' logs when something fails."""
    from jeepney.io.blocking import open_dbus_connection

    env = _desktop_env(folder)
    procs: list[tuple[str, subprocess.Popen[bytes]]] = []
    group = 0

    def start(name: str, *args: str) -> None:
        nonlocal group
        program = _program(name)
        assert program is not None, f"{name} missing"
        with (folder / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(
                [program, *args],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=group,
            )
        group = group or proc.pid
        procs.append((name, proc))

    bus: Any = None
    try:
        try:
            runtime = Path(env["XDG_RUNTIME_DIR"])
            address = env["DBUS_SESSION_BUS_ADDRESS"]
            start("dbus-daemon", "--session", "--nofork", f"--address={address}")
            _wait((runtime / "bus").exists, "D-Bus session bus", procs)
            start("pipewire")
            _wait((runtime / "pipewire-0").exists, "PipeWire socket", procs)
            start("wireplumber")
            w, h = MONITOR
            start(
                "mutter", "--headless", "--wayland", "--no-x11",
                f"--virtual-monitor={w}x{h}", f"--wayland-display={DISPLAY_NAME}",
            )  # fmt: skip
            bus = _connect(open_dbus_connection, address)
            desktop = WaylandDesktop(folder, env, bus)
            screencast = "org.gnome.Mutter.ScreenCast"
            _wait(lambda: desktop.has_owner(screencast), "mutter's screencast", procs)
            for program, name in (
                ("xdg-desktop-portal-gnome", "org.freedesktop.impl.portal.desktop.gnome"),
                ("xdg-desktop-portal", "org.freedesktop.portal.Desktop"),
            ):
                start(program)
                _wait(lambda name=name: desktop.has_owner(name), f"{name} on the bus", procs)
        except RuntimeError as e:
            raise RuntimeError(f"the Wayland desktop did not start: {e}\n{_logs(folder)}") from e
        yield desktop
    finally:
        if bus is not None:
            bus.close()
        _stop(procs, group)


def _connect(open_connection: Any, address: str) -> Any:
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while True:
        try:
            return open_connection(address)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _stop(procs: Sequence[tuple[str, subprocess.Popen[bytes]]], group: int) -> None:
    """Reverse order, then the whole group (services D-Bus started on demand are in it)."""
    for _name, proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
    if group:
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)


def qt_client_env(desktop: WaylandDesktop) -> dict[str, str]:
    """A Qt client drawn on the desktop (no client-side title bar, so pixels are 1:1)."""
    return {**desktop.env, "QT_QPA_PLATFORM": "wayland", "QT_WAYLAND_DISABLE_WINDOWDECORATION": "1"}
