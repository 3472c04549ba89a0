"""docs/protocol.md must not lie: its example client runs against a live feed, and its tables
name every event bit, request and close code the code defines."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from meetwatch.outputs.feed.protocol import DEFAULT_SUBSCRIPTIONS, EVENT_BIT, REQUESTS, CloseCode
from tests.integration.ws_support import TOKEN, engagement_event, live_feed

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def _example() -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- example-client.*?-->\s*```python\n(.*?)```", text, re.S)
    assert match, "no example-client block in docs/protocol.md"
    return match.group(1)


def test_the_documented_client_works(tmp_path: Path) -> None:
    script = tmp_path / "client.py"
    script.write_text(_example(), encoding="utf-8")
    assert len(script.read_text().splitlines()) <= 20
    with live_feed() as (server, bus, controller):
        client = subprocess.Popen(
            [sys.executable, str(script), str(server.port), TOKEN],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        done = threading.Event()

        def feed() -> None:  # the core's 1 Hz heartbeat, faster
            while not done.wait(0.05):
                bus.publish(engagement_event(0.73, time.time()))

        publisher = threading.Thread(target=feed)
        publisher.start()
        try:
            out, err = client.communicate(timeout=30)
        finally:
            done.set()
            publisher.join()
        assert client.returncode == 0, err
        assert out.strip() == "room 0.73, attentive 50%"
        assert controller.sections == ["demo"]


def test_the_tables_match_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, bit in EVENT_BIT.items():
        assert re.search(rf"\|\s*{bit}\s*\|\s*`{name}`", text), f"event {name} ({bit}) undocumented"
    for name in REQUESTS:
        assert f"`{name}`" in text, f"request {name} undocumented"
    for code in CloseCode:
        assert re.search(rf"\|\s*{int(code)}\s*\|", text), f"close code {code!r} undocumented"
    assert f"({DEFAULT_SUBSCRIPTIONS})" in text
