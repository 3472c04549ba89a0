"""The feed's session requests against the real core: a real `meetwatch run --video` process,
a real websocket client on loopback. StopSession ends the CLI's session; StartSession then
opens the source the client names, in the same words the CLI and `describe()` use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from websockets.sync.client import ClientConnection, connect

from meetwatch.demo.gallery import render_gallery
from meetwatch.demo.sample_faces import demo_faces
from meetwatch.outputs.feed.protocol import DEFAULT_SUBSCRIPTIONS, RPC_VERSION
from tests.factories.cli import cli_env, meetwatch, meetwatch_process, store_rows
from tests.factories.meeting_clip import write_video
from tests.integration.test_attention_only import _free_port


def _clip(path: Path, frames: int) -> Path:
    faces = demo_faces(4, np.random.default_rng(3))
    image = render_gallery(faces, 4, "zoom", (960, 540), rng=np.random.default_rng(0)).image
    return write_video(path, [image] * frames, fps=2)


def _request(ws: ClientConnection, kind: str, data: dict[str, Any] | None = None) -> Any:
    """Send a request and return its response, skipping the events that come meanwhile."""
    d: dict[str, Any] = {"requestType": kind, "requestId": kind}
    if data is not None:
        d["requestData"] = data
    ws.send(json.dumps({"op": 6, "d": d}))
    while True:
        message = json.loads(ws.recv(timeout=60))
        if message["op"] == 7 and message["d"]["requestId"] == kind:
            return message["d"]


@pytest.mark.slow
def test_stop_then_start_session_over_the_feed_records_a_new_session(tmp_path: Path) -> None:
    first = _clip(tmp_path / "first.mp4", 240)  # two minutes: still running when stopped
    second = _clip(tmp_path / "second.mp4", 10)  # five seconds: ends the run by itself
    env = cli_env(tmp_path)
    token = meetwatch(tmp_path, "token", env=env).stdout.strip()
    run = ("run", "--video", str(first), "--rate", "2", "--port", str(_free_port()), "--quiet")
    proc = meetwatch_process(env, *run, "--used-in", "other", "--in-eu", "no")
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("session "):  # the CLI's session is running
                break
        else:
            pytest.fail("no session line:\n" + "".join(lines))
        url = next(x for x in lines if x.startswith("live feed: ")).split()[2]
        with connect(url, open_timeout=30) as ws:
            assert json.loads(ws.recv(timeout=10))["op"] == 0
            identify = {
                "rpcVersion": RPC_VERSION,
                "token": token,
                "eventSubscriptions": DEFAULT_SUBSCRIPTIONS,
            }
            ws.send(json.dumps({"op": 1, "d": identify}))
            assert json.loads(ws.recv(timeout=10))["op"] == 2

            stopped = _request(ws, "StopSession")
            assert stopped["requestStatus"]["result"] is True, stopped
            old = stopped["responseData"]["session"]
            assert old["ended_at"] is not None and old["source"] == "video:first.mp4"

            unknown = _request(ws, "StartSession", {"source": "zoom"})
            assert unknown["requestStatus"]["code"] == 500
            assert "window:TITLE" in unknown["requestStatus"]["comment"]

            started = _request(ws, "StartSession", {"source": f"video:{second}"})
            assert started["requestStatus"]["result"] is True, started
            new = started["responseData"]["session"]
            assert new["session_id"] != old["session_id"]
            assert new["source"] == "video:second.mp4"
        out = "".join(lines) + proc.stdout.read()
        assert proc.wait(120) == 0, out  # the second video ended the run
    finally:
        proc.kill()
    assert f"session {new['session_id']} ended" in out
    samples = "SELECT count(*) FROM samples WHERE session_id = ?"
    assert store_rows(tmp_path, samples, new["session_id"])[0][0] > 0
