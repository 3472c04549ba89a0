"""Capture under a real window manager (openbox on Xvfb): the EWMH client list, reparented
and decorated windows, and minimising. Skipped when openbox is not installed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import numpy as np
import pytest
import skimage.data
from Xlib import X, display

from meetwatch.capture import WindowSource, list_windows
from tests.integration.test_capture_xvfb import read_until, xdotool
from tests.integration.x11 import (
    GalleryLauncher,
    running_xvfb,
    same_pixels,
    using_display,
    wait_for,
)

pytestmark = pytest.mark.xvfb

ASTRONAUT = np.ascontiguousarray(skimage.data.astronaut()[:, :, ::-1])


def _root_property(name: str) -> list[int] | None:
    d = display.Display()
    try:
        prop = d.screen().root.get_full_property(d.intern_atom(name), X.AnyPropertyType)
        return list(prop.value) if prop is not None else None
    finally:
        d.close()


@pytest.fixture(scope="module")
def openbox_display(xvfb_display: str) -> Iterator[str]:
    """A second Xvfb with openbox managing it; DISPLAY points there for this module."""
    binary = shutil.which("openbox")
    if binary is None:
        pytest.skip("openbox is not installed (apt-get install openbox)")
    with running_xvfb() as name, using_display(name):
        wm = subprocess.Popen([binary, "--sm-disable"], stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: _root_property("_NET_SUPPORTING_WM_CHECK"), "openbox to start")
            yield name
        finally:
            wm.terminate()
            wm.wait(10)


def test_client_list_and_decorated_geometry(
    openbox_display: str, galleries: GalleryLauncher
) -> None:
    gallery = galleries.show("Zoom Meeting", ASTRONAUT, (300, 200))
    assert gallery.window.id in (_root_property("_NET_CLIENT_LIST") or [])
    # openbox reparents the client into a decorated frame: the reported geometry must be the
    # client's content area in root coordinates, or these pixels would not match
    (zoom,) = [w for w in list_windows() if w.title == "Zoom Meeting"]
    assert zoom.id == gallery.window.id and (zoom.w, zoom.h) == (512, 512)
    assert zoom.meeting_app == "zoom" and zoom.visible
    with WindowSource("Zoom Meeting") as source:
        assert same_pixels(source.read().image, ASTRONAUT)


def test_minimised_window_is_missing_then_recovers(
    openbox_display: str, galleries: GalleryLauncher
) -> None:
    gallery = galleries.show("Zoom Meeting", ASTRONAUT, (300, 200))
    wid = gallery.window.id
    with WindowSource("Zoom Meeting") as source:
        assert not source.read().missing
        xdotool("windowminimize", "--sync", wid)
        hidden = read_until(source, lambda f: f.missing, "missing frames while minimised")
        assert hidden.size == (512, 512) and hidden.image.max() == 0
        (listed,) = [w for w in list_windows() if w.id == wid]  # the WM still lists it
        assert not listed.visible
        xdotool("windowactivate", "--sync", wid)
        restored = read_until(source, lambda f: same_pixels(f.image, ASTRONAUT), "restore")
    assert restored.index > hidden.index
