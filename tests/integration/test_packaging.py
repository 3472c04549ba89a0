"""Packaging: the files the installers need agree with the code, (slow) a user's install from
a fresh virtual environment is the product alone and works, and (slow) the PyInstaller
one-folder app builds and runs headless: --version, the demo, and the tray app."""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import plistlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest
from skimage import data

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


def _apt_packages(section: str) -> set[str]:
    """The packages ./dev installs: "runtime" stops at the "# tests only" line, "all" does not."""
    lines = (PACKAGING / "apt-packages.txt").read_text().splitlines()
    if section == "runtime":
        lines = lines[: next(i for i, line in enumerate(lines) if line.startswith("# tests only"))]
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_ci_installs_the_tray_desktop_tools_and_users_only_the_runtime() -> None:
    tools = {"trayer", "xcompmgr", "openbox", "xdotool", "xvfb", "chromium", "poppler-utils"}
    assert tools <= _apt_packages("all")
    assert not tools & _apt_packages("runtime")
    assert {"libxcb-cursor0", "libxcb-icccm4", "libegl1"} <= _apt_packages("runtime")


def test_packaging_says_how_to_get_v4l2loopback() -> None:
    text = (PACKAGING / "apt-packages.txt").read_text()
    assert "v4l2loopback-dkms" in text and "v4l2loopback-utils" in text
    assert "modprobe v4l2loopback exclusive_caps=1" in text


# What a user's install must not contain: training, test, lint, type-check and build tools,
# and jax, which mediapipe declares but never imports on the face path.
NOT_FOR_USERS = ("torch", "pytest", "ruff", "mypy", "PyInstaller", "jax", "jaxlib")


def _tree_mb(root: Path) -> float:
    files = (p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(p.stat().st_size for p in files) / 1e6


@pytest.mark.slow
def test_product_install_is_the_product_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`./dev install` (what `./dev demo` runs first) into a fresh venv, then one analysis."""
    venv = tmp_path / "venv"
    env = {**os.environ, "MEETWATCH_VENV": str(venv), "PYTHON": sys.executable}
    done = subprocess.run(
        [str(REPO / "dev"), "install"], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    python = venv / "bin" / "python"
    probe = "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])"
    found = subprocess.run(
        [str(python), "-c", probe, *NOT_FOR_USERS, "meetwatch", "mediapipe", "numpy"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == "['meetwatch', 'mediapipe', 'numpy']"
    numpy = subprocess.run(
        [str(python), "-c", "import numpy; print(numpy.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert numpy.stdout.startswith("1."), "mediapipe 0.10.21 needs numpy<2"

    image = tmp_path / "face.png"
    cv2.imwrite(str(image), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    analysed = subprocess.run(
        [str(venv / "bin" / "meetwatch"), "analyze", str(image), "--no-store", "--json"],
        env=_home(tmp_path).env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert analysed.returncode == 0, analysed.stderr[-3000:]
    assert json.loads(analysed.stdout)["faces"] == 1
    with capsys.disabled():
        print(f"\nproduct virtual environment: {_tree_mb(venv):.0f} MB")


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
    assert (internal / "models" / "attention.onnx").is_file()
    assert (internal / "models" / "attention.toml").is_file()
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
