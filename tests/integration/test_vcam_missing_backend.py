"""`--vcam` on Linux without v4l2loopback: the run goes on without the virtual camera and
says once, with the fix, how to get one."""

from __future__ import annotations

import glob
import platform
from pathlib import Path

import numpy as np
import pytest

from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from tests.factories.cli import meetwatch
from tests.factories.meeting_clip import write_video


@pytest.mark.skipif(platform.system() != "Linux", reason="v4l2loopback is the Linux backend")
def test_missing_v4l2loopback_is_reported_once_with_the_fix(tmp_path: Path) -> None:
    if glob.glob("/dev/video*"):
        pytest.skip("this machine has video devices (v4l2loopback may be loaded)")
    faces = demo_faces(4, np.random.default_rng(0))
    gallery = render_gallery(faces, 4, "zoom", (640, 360), rng=np.random.default_rng(1)).image
    clip = write_video(tmp_path / "meeting.mp4", [gallery] * 4, fps=2)
    done = meetwatch(
        tmp_path,
        *("run", "--video", str(clip), "--vcam", "annotated", "--quiet", "--no-server"),
        *("--used-in", "other", "--in-eu", "no"),
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert output.count("virtual camera off") == 1, output
    assert output.count("sudo apt install v4l2loopback-dkms v4l2loopback-utils") == 1
    assert "sudo modprobe v4l2loopback exclusive_caps=1 card_label=meetwatch" in output
    assert "ended after" in done.stdout, "the session ran without the virtual camera"
