"""Bad input to the real `meetwatch` command: one clear `error:` line, a non-zero exit code,
never a traceback. Inputs a user may well give that are not errors (a black picture, a tiny
one, an 8K screenshot) must just work.

Every case runs the command in a child process with its folders under the test's tmp_path;
no datasets are needed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch import cli
from meetwatch.assets import models_dir
from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from tests.factories.cli import cli_env, config_file, meetwatch
from tests.factories.meeting_clip import write_video
from tests.integration.x11 import GalleryLauncher

NOBODY = 65534


def assert_one_error(done: subprocess.CompletedProcess[str], *says: str) -> str:
    """The single `error:` line (and any detail lines under it) mention everything in `says`."""
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    message = done.stderr[done.stderr.index("error:") :]
    for text in says:
        assert text in message, message
    return message


def _gallery(size: tuple[int, int]) -> np.ndarray:
    faces = demo_faces(6, np.random.default_rng(0))
    return render_gallery(faces, 6, "zoom", size, camera_off={5}).image


def _image(path: Path, image: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), image)
    return path


# -- analyze: files that are not what they claim ---------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    done = meetwatch(tmp_path, "analyze", str(tmp_path / "meeting.mp4"))
    assert_one_error(done, "meeting.mp4 does not exist")


def test_garbage_image(tmp_path: Path) -> None:
    path = tmp_path / "screenshot.png"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    assert_one_error(meetwatch(tmp_path, "analyze", str(path)), "screenshot.png", "image")


def test_garbage_video(tmp_path: Path) -> None:
    path = tmp_path / "meeting.mp4"
    path.write_bytes(np.random.default_rng(0).bytes(50_000))
    message = assert_one_error(meetwatch(tmp_path, "analyze", str(path)), "meeting.mp4")
    assert "video" in message
    assert meetwatch(tmp_path, "analyze", str(path)).stderr.startswith("error:"), (
        "ffmpeg's own complaint comes before our line"
    )


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of a gallery (tile 5 camera off) saved as mp4, codec noise and all."""
    folder = tmp_path_factory.mktemp("recording")
    return write_video(folder / "meeting.mp4", [_gallery((1280, 720))] * 4, fps=2)


def test_truncated_video(tmp_path: Path, recording: Path) -> None:
    data = recording.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.3)])  # the download or the recorder stopped early
    message = assert_one_error(meetwatch(tmp_path, "analyze", str(cut)), "cut.mp4")
    assert "truncated" in message or "no frame" in message


# -- analyze: odd but valid pictures ---------------------------------------------------------


def _analysed(tmp_path: Path, image: np.ndarray) -> dict[str, object]:
    path = _image(tmp_path / "picture.png", image)
    done = meetwatch(tmp_path, "analyze", str(path), "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "error:" not in done.stderr and "Traceback" not in done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    assert result["frames_analysed"] == 1
    return result


def test_all_black_full_hd_picture_has_no_faces(tmp_path: Path) -> None:
    result = _analysed(tmp_path, np.zeros((1080, 1920, 3), np.uint8))
    assert result["faces"] == 0
    assert result["participants"] == [], "no gallery and no face: nobody to report"


def test_one_pixel_picture_has_no_faces(tmp_path: Path) -> None:
    """Nothing to see is not an error: the user gets an empty result, not a refusal."""
    result = _analysed(tmp_path, np.zeros((1, 1, 3), np.uint8))
    assert result["faces"] == 0
    assert result["participants"] == []


def test_8k_screenshot_of_a_gallery(tmp_path: Path) -> None:
    result = _analysed(tmp_path, _gallery((7680, 4320)))
    assert (result["tiles"], result["layout"], result["faces"]) == (6, "grid", 5)


def test_mp4_recording_of_a_gallery(tmp_path: Path, recording: Path) -> None:
    """The codec's colour bleed into the thin gaps between tiles must not hide the grid."""
    done = meetwatch(tmp_path, "analyze", str(recording), "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["frames_analysed"] == 2
    assert (result["tiles"], result["layout"], result["faces"]) == (6, "grid", 5)
    camera_off = [p["slot"] for p in result["participants"] if "camera_off" in p["attention"]]
    assert camera_off == [5]


# -- the emotion model -----------------------------------------------------------------------


@pytest.fixture
def models_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    shutil.copytree(models_dir(), folder, ignore=shutil.ignore_patterns("*.png", "*.txt"))
    return folder


def _with_models(tmp_path: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    picture = _image(tmp_path / "black.png", np.zeros((90, 160, 3), np.uint8))
    env = cli_env(tmp_path, MEETWATCH_MODELS=str(folder))
    # emotion on (used outside the EU): the model is loaded, so its file is checked
    answer = ("--used-in", "other", "--in-eu", "no")
    return meetwatch(tmp_path, "analyze", str(picture), *answer, env=env)


SHIPPED = ("emotion.onnx", "attention.onnx")


@pytest.mark.parametrize("name", SHIPPED)
def test_missing_model_file(tmp_path: Path, models_copy: Path, name: str) -> None:
    (models_copy / name).unlink()
    assert_one_error(_with_models(tmp_path, models_copy), name, "missing")


@pytest.mark.parametrize("name", SHIPPED)
def test_corrupt_model_file(tmp_path: Path, models_copy: Path, name: str) -> None:
    model = models_copy / name
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, as a bad disk or download would leave
    model.write_bytes(bytes(data))
    assert_one_error(_with_models(tmp_path, models_copy), name, "sha256")


# -- configuration and the store -------------------------------------------------------------


def test_unknown_config_key_is_named_with_its_path(tmp_path: Path) -> None:
    config_file(tmp_path, "[capture]\nbogus = 1\n")
    picture = _image(tmp_path / "black.png", np.zeros((90, 160, 3), np.uint8))
    assert_one_error(meetwatch(tmp_path, "analyze", str(picture)), "capture.bogus", "unknown")
    assert_one_error(meetwatch(tmp_path, "validate-config"), "capture.bogus", "unknown")


@pytest.fixture
def reachable_tmp() -> Iterator[Path]:
    """A folder an unprivileged user can reach (pytest's tmp_path is private to root)."""
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        yield Path(d)


def _as_unprivileged_user(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """(exit code, stderr) of `meetwatch ARGS` where permissions apply.

    As root (who ignores permissions) a forked child drops to user nobody and runs the CLI's
    own main(); it cannot exec a fresh interpreter, which lives in root's private home. What
    the command needs is imported first, for the same reason.
    """
    if os.geteuid() != 0:
        done = subprocess.run(
            [sys.executable, "-m", "meetwatch", *args], env=env, capture_output=True, text=True
        )
        return done.returncode, done.stderr
    import rich.progress  # noqa: F401

    import meetwatch.commands
    import meetwatch.offline  # noqa: F401

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 99
        try:
            os.close(read_end)
            sys.stderr = os.fdopen(write_end, "w")  # pytest's capture is not fd 2
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
            os.environ.clear()
            os.environ.update(env)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            code = cli.main(args)
        except BaseException as exc:  # reported to the parent like an uncaught error
            print(f"Traceback (in the child): {exc!r}", file=sys.stderr)
        finally:
            sys.stderr.flush()
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as f:
        stderr = f.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), stderr


def test_read_only_data_folder(reachable_tmp: Path) -> None:
    picture = _image(reachable_tmp / "black.png", np.zeros((90, 160, 3), np.uint8))
    data = reachable_tmp / "data"
    data.mkdir(mode=0o555)
    data.chmod(0o555)
    env = cli_env(reachable_tmp)
    code, stderr = _as_unprivileged_user(["analyze", str(picture)], env)
    done = subprocess.CompletedProcess(["meetwatch"], code, "", stderr)
    assert_one_error(done, "session folder", str(data / "meetwatch"))
    assert code == 6  # StoreError


# -- run: what to watch ----------------------------------------------------------------------


def test_run_without_a_source(tmp_path: Path) -> None:
    done = meetwatch(tmp_path, "run", "--quiet", "--no-server")
    assert_one_error(done, "--window TITLE", "--screen N", "--video FILE")


def test_run_with_an_empty_region(tmp_path: Path) -> None:
    done = meetwatch(tmp_path, "run", "--region", "0,0,0,0")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert errors == [
        "meetwatch run: error: argument --region: width and height must be at least 1 pixel"
    ]


def test_run_on_wayland_explains_what_to_do(tmp_path: Path) -> None:
    env = cli_env(tmp_path, XDG_SESSION_TYPE="wayland", DISPLAY=None, WAYLAND_DISPLAY="wayland-0")
    done = meetwatch(tmp_path, "run", "--screen", "1", "--quiet", "--no-server", env=env)
    assert_one_error(done, "Wayland", "X11", "meetwatch analyze")


@pytest.mark.xvfb
def test_run_names_the_open_windows_when_none_matches(
    galleries: GalleryLauncher, tmp_path: Path
) -> None:
    galleries.show("Zoom Meeting", _gallery((640, 360)))
    done = meetwatch(
        tmp_path, "run", "--window", "No Such Window", "--quiet", "--no-server", timeout=120
    )
    message = assert_one_error(done, "No window matches 'No Such Window'", "Open windows:")
    assert "Zoom Meeting" in message


# -- run: the live feed ----------------------------------------------------------------------


@pytest.mark.parametrize("port", ["70000", "-1", "0", "http"])
def test_run_with_an_impossible_port(tmp_path: Path, port: str) -> None:
    done = meetwatch(tmp_path, "run", "--video", "meeting.mp4", "--port", port, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "argument --port" in errors[0] and "1-65535" in errors[0]


def test_run_whose_feed_cannot_start_ends_with_the_reason(tmp_path: Path) -> None:
    video = write_video(tmp_path / "meeting.mp4", [_gallery((640, 360))] * 2, fps=2)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = meetwatch(tmp_path, "run", "--video", str(video), "--quiet", "--port", port)
    assert_one_error(done, f"127.0.0.1:{port}", "another port")


# -- configuration files as editors save them ------------------------------------------------


def test_config_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = config_file(tmp_path, "")
    path.write_bytes(b"\xef\xbb\xbf[capture]\r\nrate_hz = 2.0\r\n")  # Notepad's UTF-8
    done = meetwatch(tmp_path, "validate-config")
    assert done.returncode == 0 and "valid" in done.stdout, done.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'[capture]\nwindow = "Zo\xffom"\n', "not UTF-8"),
        (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "too deeply"),
        (b"x = " + b"{a = " * 5000 + b"1" + b"}" * 5000 + b"\n", "too deeply"),
    ],
)
def test_config_that_cannot_be_read_is_one_line(tmp_path: Path, content: bytes, says: str) -> None:
    config_file(tmp_path, "").write_bytes(content)
    assert_one_error(meetwatch(tmp_path, "validate-config"), "config.toml", says)


def test_pictures_of_extreme_aspect_ratio_are_analysed(tmp_path: Path) -> None:
    """A sliver of a screen (a toolbar, a one-pixel line) is nothing to see, not a crash."""
    folder = tmp_path / "slivers"
    folder.mkdir()
    sizes = [(1, 4000), (4000, 1), (3, 9000), (9000, 3), (2, 16384)]
    for height, width in sizes:
        _image(folder / f"{width}x{height}.png", np.full((height, width, 3), 120, np.uint8))
    done = meetwatch(tmp_path, "analyze", str(folder), "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "error:" not in done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == len(sizes)
    assert all(r["frames_analysed"] == 1 and r["faces"] == 0 for r in results)
