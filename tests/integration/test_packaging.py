"""Packaging: the files the installers need agree with the code, and (slow) the PyInstaller
one-folder app builds and runs headless: --version, the demo, and the tray app."""

from __future__ import annotations

import configparser
import importlib.util
import os
import plistlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from meetwatch import __version__
from meetwatch.desktop.notice import acknowledge
from meetwatch.session.store import SessionStore
from tests.integration.tray_channel import Home, ask, free_port
from tests.integration.x11 import wait_for

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
BUILD_BUDGET_S = 360  # the build must fit a CI job; here it takes about two minutes


def test_desktop_entry_starts_the_tray() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(PACKAGING / "meetwatch.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Exec"] == "meetwatch tray" and desktop["Icon"] == "meetwatch"
    assert desktop["Type"] == "Application" and desktop["Terminal"] == "false"
    assert (REPO / "ui" / "icons" / "meetwatch.png").is_file()
    assert (REPO / "ui" / "icons" / "meetwatch.svg").is_file()


def test_macos_fragment_is_tray_only_and_explains_screen_recording() -> None:
    info = plistlib.loads((PACKAGING / "macos" / "Info.plist.fragment").read_bytes())
    assert info["LSUIElement"] is True  # no Dock icon: a menu-bar app
    assert "screen" in info["NSScreenCaptureUsageDescription"]
    assert "stays on this Mac" in info["NSScreenCaptureUsageDescription"]


def test_windows_version_matches_the_package() -> None:
    text = (PACKAGING / "windows" / "version.txt").read_text()
    numbers = tuple(int(n) for n in __version__.split("."))
    version = ", ".join(str(n) for n in (*numbers, 0))
    assert f"filevers=({version})" in text and f"prodvers=({version})" in text
    assert re.findall(r"StringStruct\('(?:File|Product)Version', '([^']+)'\)", text) == [
        __version__,
        __version__,
    ]


def test_ci_installs_the_tray_desktop_tools() -> None:
    packages = (PACKAGING / "apt-packages.txt").read_text().split()
    assert {"trayer", "xcompmgr", "openbox", "xdotool", "xvfb"} <= set(packages)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed (pip install pyinstaller)")
    out = tmp_path_factory.mktemp("pyinstaller")
    env = {
        **os.environ,
        "MEETWATCH_VENV": str(Path(sys.executable).parents[1]),
        "MEETWATCH_DIST": str(out / "dist"),
        "MEETWATCH_BUILD_DIR": str(out / "work"),
    }
    done = subprocess.run(
        [str(PACKAGING / "build")],
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_BUDGET_S,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out / "dist" / "meetwatch"


def _home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "home")
    home.config_dir.mkdir(parents=True)
    (home.config_dir / "config.toml").write_text(f"[server]\nport = {free_port()}\n")
    return home


@pytest.mark.slow
def test_bundle_holds_models_ui_and_mediapipe_files(bundle: Path) -> None:
    internal = bundle / "_internal"
    assert (internal / "models" / "emotion.onnx").is_file()
    assert (internal / "models" / "manifest.toml").is_file()
    assert (internal / "ui" / "overlay" / "index.html").is_file()
    assert (internal / "ui" / "icons" / "meetwatch.svg").is_file()
    assert (internal / "share" / "applications" / "meetwatch.desktop").is_file()
    assert (internal / "meetwatch" / "session" / "schema.sql").is_file()
    modules = internal / "mediapipe" / "modules"
    assert (modules / "face_detection" / "face_detection_full_range_sparse.tflite").is_file()
    assert (modules / "face_landmark" / "face_landmark.tflite").is_file()
    assert (modules / "face_detection" / "face_detection_full_range_cpu.binarypb").is_file()
    assert not (internal / "torch").exists() and not (internal / "jaxlib").exists()


@pytest.mark.slow
def test_bundle_runs_version_and_the_headless_demo(bundle: Path, tmp_path: Path) -> None:
    home = _home(tmp_path)
    env = home.env()
    env.pop("DISPLAY", None)
    version = subprocess.run(
        [str(bundle / "meetwatch"), "--version"], capture_output=True, text=True, timeout=60
    )
    assert (version.returncode, version.stdout.strip()) == (0, f"meetwatch {__version__}")
    demo = subprocess.run(
        [str(bundle / "meetwatch"), "demo", "--frames", "5", "--no-display", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert "ended after" in demo.stdout
    with SessionStore.open(home.store) as store:
        [session] = store.list_sessions()
        assert session.info.ended_at is not None and session.info.source.startswith("demo")
        assert len(store.participants(session.session_id)) >= 4


@pytest.fixture
def bundled_tray(bundle: Path, tmp_path: Path) -> Iterator[tuple[Home, subprocess.Popen[bytes]]]:
    home = _home(tmp_path)
    acknowledge(home.config_dir)
    env = home.env(QT_QPA_PLATFORM="offscreen")  # no tray there: the control window
    log = tmp_path / "tray.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(bundle / "meetwatch"), "tray"], env=env, stdout=out, stderr=out
        )
    try:

        def answering() -> dict[str, object] | None:
            if proc.poll() is not None:
                pytest.fail(f"bundled tray exited: {log.read_text(errors='replace')[-3000:]}")
            return ask(home, "status")

        wait_for(answering, "the bundled tray app", timeout=90)
        yield home, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(30)


@pytest.mark.slow
def test_bundled_tray_starts_and_quits(bundled_tray: tuple[Home, subprocess.Popen[bytes]]) -> None:
    home, proc = bundled_tray
    status = ask(home, "status")
    assert status is not None and status["state"] == "idle" and status["tray"] is None
    assert ask(home, "quit") == {"ok": True}
    assert proc.wait(30) == 0
    assert "tray started" in home.log.read_text()
