"""Capture against a real X server (Xvfb) showing real face images in real windows."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from meetwatch.capture import (
    Frame,
    RegionSource,
    ScreenSource,
    WindowSource,
    list_windows,
)
from meetwatch.errors import CaptureError
from tests.integration.x11 import (
    SCREEN,
    GalleryLauncher,
    correlation,
    running_xvfb,
    same_pixels,
    using_display,
    wait_for,
)

pytestmark = pytest.mark.xvfb

ASTRONAUT = np.ascontiguousarray(skimage.data.astronaut()[:, :, ::-1])  # 512x512 BGR
FACE = (150, 30, 180, 200)  # x, y, w, h of the astronaut's face in the image
ZOOM_TITLE = "Zoom Meeting - meetwatch demo"


def xdotool(*args: object) -> None:
    subprocess.run(["xdotool", *map(str, args)], check=True, timeout=30)


def read_until(source: WindowSource, check: Callable[[Frame], bool], what: str) -> Frame:
    """Read frames until one passes `check` (the app needs a moment to repaint)."""

    def attempt() -> Frame | None:
        frame = source.read()
        return frame if check(frame) else None

    return wait_for(attempt, what)


def test_screen_grab_shows_the_displayed_face(galleries: GalleryLauncher) -> None:
    window = galleries.show(ZOOM_TITLE, ASTRONAUT, (300, 200)).window
    for monitor in (1, 0):  # the only monitor, and all monitors together
        with ScreenSource(monitor) as source:
            frame = source.read()
        assert (frame.size, frame.missing, frame.source) == (SCREEN, False, f"screen:{monitor}")
        shown = frame.image[window.y : window.y + window.h, window.x : window.x + window.w]
        assert correlation(shown, ASTRONAUT) > 0.99
        assert same_pixels(shown, ASTRONAUT)


def test_region_grab_matches_the_face(galleries: GalleryLauncher) -> None:
    window = galleries.show(ZOOM_TITLE, ASTRONAUT, (300, 200)).window
    fx, fy, fw, fh = FACE
    face = ASTRONAUT[fy : fy + fh, fx : fx + fw]
    with RegionSource(window.x + fx, window.y + fy, fw, fh) as source:
        frames = [source.read() for _ in range(3)]
    assert [f.index for f in frames] == [0, 1, 2]
    for frame in frames:
        assert frame.size == (fw, fh)
        assert correlation(frame.image, face) > 0.99
    pixel = (window.x + fx + 90, window.y + fy + 100)
    with RegionSource(*pixel, 1, 1) as source:
        dot = source.read()
    assert dot.size == (1, 1)
    assert np.abs(dot.image[0, 0].astype(int) - ASTRONAUT[fy + 100, fx + 90]).max() <= 1


def test_sources_opened_on_one_thread_read_on_others(galleries: GalleryLauncher) -> None:
    window = galleries.show(ZOOM_TITLE, ASTRONAUT, (300, 200)).window
    with (
        RegionSource(window.x, window.y, window.w, window.h) as source,
        ThreadPoolExecutor(3) as pool,
    ):
        frames = list(pool.map(lambda _: source.read(), range(12)))
    assert sorted(f.index for f in frames) == list(range(12))
    assert all(same_pixels(f.image, ASTRONAUT) for f in frames)


def test_region_off_the_screen_is_refused(xvfb_display: str) -> None:
    with pytest.raises(CaptureError, match=r"not inside the screen \(1920x1080 at 0,0\)"):
        RegionSource(1900, 1000, 100, 100).open()
    with pytest.raises(CaptureError, match="at least 1x1"):
        RegionSource(0, 0, 0, 10)
    with pytest.raises(CaptureError, match="No monitor 5; available"):
        ScreenSource(5).open()


def test_list_windows_recognises_the_meeting(galleries: GalleryLauncher) -> None:
    galleries.show("Terminal - notes", ASTRONAUT[:100, :200], (0, 0))
    with pytest.raises(CaptureError) as refused:
        WindowSource("Zoom").open()
    message = str(refused.value)
    assert "No window matches 'Zoom'" in message and "'Terminal - notes'" in message
    assert "200x100 at 0,0" in message
    with pytest.raises(CaptureError, match="No window matches 'meeting'"):
        WindowSource().open()  # no meeting app is open yet

    galleries.show(ZOOM_TITLE, ASTRONAUT, (640, 300))
    windows = {w.title: w for w in list_windows()}
    zoom, terminal = windows[ZOOM_TITLE], windows["Terminal - notes"]
    assert (zoom.x, zoom.y, zoom.w, zoom.h) == (640, 300, 512, 512)
    assert (zoom.meeting_app, zoom.visible, zoom.app) == ("zoom", True, "meetwatch")
    assert terminal.meeting_app is None
    with WindowSource() as source:  # no pattern: the first meeting window
        frame = source.read()
    assert source.window is not None and source.window.title == ZOOM_TITLE
    assert frame.source == "window:meeting"
    assert same_pixels(frame.image, ASTRONAUT)


def test_window_source_follows_the_window(galleries: GalleryLauncher) -> None:
    gallery = galleries.show(ZOOM_TITLE, ASTRONAUT, (100, 100))
    wid = gallery.window.id
    with WindowSource("zoom meeting") as source:
        frame = source.read()
        assert (frame.source, frame.size, frame.missing) == (
            "window:zoom meeting",
            (512, 512),
            False,
        )
        assert correlation(frame.image, ASTRONAUT) > 0.99

        xdotool("windowmove", "--sync", wid, 1600, 900)  # hangs over the screen's corner
        frame = read_until(
            source,
            lambda f: same_pixels(f.image[:180, :320], ASTRONAUT[:180, :320]),
            "the moved window's visible part",
        )
        assert frame.size == (512, 512) and not frame.missing
        assert frame.image[180:, :].max() == 0 and frame.image[:, 320:].max() == 0
        assert source.window is not None and (source.window.x, source.window.y) == (1600, 900)

        xdotool("windowmove", "--sync", wid, 2500, 100)  # entirely off-screen
        frame = source.read()
        assert frame.missing and frame.size == (512, 512) and frame.image.max() == 0

        xdotool("windowmove", "--sync", wid, 50, 60)
        frame = read_until(source, lambda f: same_pixels(f.image, ASTRONAUT), "window back")
        assert not frame.missing


def test_unmapped_window_gives_missing_frames_then_recovers(galleries: GalleryLauncher) -> None:
    gallery = galleries.show(ZOOM_TITLE, ASTRONAUT, (200, 150))
    with WindowSource("Zoom Meeting") as source:
        frames = [source.read()]
        xdotool("windowunmap", "--sync", gallery.window.id)
        frames += [source.read(), source.read()]
        xdotool("windowmap", "--sync", gallery.window.id)
        frames.append(read_until(source, lambda f: same_pixels(f.image, ASTRONAUT), "repaint"))
    assert [f.missing for f in frames[:3]] == [False, True, True]
    assert all(f.image.shape == ASTRONAUT.shape and f.image.max() == 0 for f in frames[1:3])
    assert not frames[-1].missing
    assert frames[-1].index >= 3 and [f.index for f in frames[:3]] == [0, 1, 2]


def test_recreated_window_is_found_again_by_title(galleries: GalleryLauncher) -> None:
    first = galleries.show(ZOOM_TITLE, ASTRONAUT, (200, 150))
    with WindowSource(ZOOM_TITLE) as source:
        assert same_pixels(source.read().image, ASTRONAUT)
        first.process.terminate()
        first.process.wait(10)
        gone = read_until(source, lambda f: f.missing, "missing frames once the window is gone")
        assert gone.size == (512, 512)
        mirrored = np.ascontiguousarray(ASTRONAUT[:, ::-1])
        second = galleries.show(ZOOM_TITLE, mirrored, (700, 100))
        read_until(source, lambda f: same_pixels(f.image, mirrored), "the new window's pixels")
        assert source.window == second.window  # X may hand the new window the old id


def test_window_whose_title_changes_away_is_not_captured(galleries: GalleryLauncher) -> None:
    meet = "Meet - abc-defg-hij - Google Chrome"
    wid = galleries.show(meet, ASTRONAUT, (100, 100)).window.id
    with WindowSource(meeting_app="meet") as source:
        assert not source.read().missing
        xdotool("set_window", "--name", "Inbox - Gmail - Google Chrome", wid)  # tab switched
        read_until(source, lambda f: f.missing, "missing frames while another tab shows")
        xdotool("set_window", "--name", meet, wid)
        back = read_until(source, lambda f: not f.missing, "the Meet tab again")
    assert same_pixels(back.image, ASTRONAUT)


def _fer_gallery(data_dir: Path) -> tuple[np.ndarray, list[np.ndarray], list[tuple[int, int]]]:
    """A 3x3 meeting gallery of real FER-2013 faces (PrivateTest), 160 px tiles."""
    with np.load(data_dir / "fer2013" / "fer2013.npz") as data:
        faces = data["x"][data["split"] == 2][:9]
    tile, gap = 160, 8
    canvas = np.full((3 * tile + 4 * gap, 3 * tile + 4 * gap, 3), 30, np.uint8)
    tiles, origins = [], []
    for i, face in enumerate(faces):
        big = cv2.cvtColor(
            cv2.resize(face, (tile, tile), interpolation=cv2.INTER_CUBIC), cv2.COLOR_GRAY2BGR
        )
        x, y = gap + (i % 3) * (tile + gap), gap + (i // 3) * (tile + gap)
        canvas[y : y + tile, x : x + tile] = big
        tiles.append(big)
        origins.append((x, y))
    return canvas, tiles, origins


@pytest.mark.data
def test_meet_gallery_of_real_faces(galleries: GalleryLauncher, data_dir: Path) -> None:
    canvas, tiles, origins = _fer_gallery(data_dir)
    title = "Meet - abc-defg-hij - Google Chrome"
    galleries.show(title, canvas, (400, 250))
    meet = [w for w in list_windows() if w.meeting_app == "meet"]
    assert [w.title for w in meet] == [title]
    with WindowSource(meeting_app="meet") as source:
        frame = source.read()
    assert correlation(frame.image, canvas) > 0.95
    for face, (x, y) in zip(tiles, origins, strict=True):
        assert correlation(frame.image[y : y + 160, x : x + 160], face) > 0.95


def test_wayland_session_is_refused_with_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")  # XWayland's display: refused all the same
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    for attempt in (
        lambda: ScreenSource().open(),
        lambda: RegionSource(0, 0, 10, 10).open(),
        lambda: WindowSource("Zoom").open(),
        list_windows,
    ):
        with pytest.raises(CaptureError, match=r"Wayland session.*X11 session.*portal"):
            attempt()


def test_unreachable_display_is_a_capture_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":4999")
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    with pytest.raises(CaptureError, match=r"display ':4999'"):
        ScreenSource().open()
    with pytest.raises(CaptureError, match=r"Cannot connect to the X display ':4999'"):
        list_windows()
    monkeypatch.delenv("DISPLAY")
    with pytest.raises(CaptureError, match="DISPLAY environment variable is not set"):
        ScreenSource().open()


def test_8k_screen(galleries: GalleryLauncher) -> None:
    corner = np.ascontiguousarray(ASTRONAUT[:256, 128:384])
    with running_xvfb("7680x4320x24") as display, using_display(display):
        galleries.show("Zoom Meeting 8K", corner, (7680 - 256, 4320 - 256))
        with ScreenSource() as source:
            frame = source.read()
        assert frame.size == (7680, 4320)
        assert same_pixels(frame.image[-256:, -256:], corner)
        with RegionSource(7679, 4319, 1, 1) as source:
            assert source.read().image.tolist() == [[corner[-1, -1].tolist()]]
        galleries.close_all()
