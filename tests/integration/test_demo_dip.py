"""The demo's participant who steps away shows as a dip in the room and in the overlay.

The demo script (meetwatch/demo/scenario.py) empties one tile from LEAVE_FROM to LEAVE_UNTIL
seconds of every minute while that participant's camera stays on. Its frames go through the
real pipeline at 1 Hz, and the events through the overlay's state, as the live app does.
"""

from __future__ import annotations

import numpy as np
import pytest

from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.capture.frame import Frame
from meetwatch.config import Config
from meetwatch.demo.scenario import DemoScenario, DemoScript
from meetwatch.outputs.feed.protocol import event_data
from meetwatch.outputs.live.overlay_state import OverlayState
from meetwatch.pipeline import Perception, RoomState
from meetwatch.runtime.events import Event
from meetwatch.shared import SessionInfo

pytestmark = pytest.mark.slow
START = 1_000_000.0


def test_the_demo_leaver_makes_a_dip_in_attention_and_in_the_overlay() -> None:
    script = DemoScript()
    config = Config.model_validate({"privacy": {"attention_only": True}})
    bus = PrivacyGate()
    overlay = OverlayState()
    shares: dict[int, float | None] = {}

    def sink(event: Event) -> None:
        overlay.apply_event(event.kind, event_data(event), event.timestamp)
        if event.kind == "EngagementUpdated":
            shares[round(event.timestamp - START)] = event.payload.attention_share

    bus.subscribe(sink)
    info = SessionInfo(session_id="demo", started_at=START, source="demo", analysis_rate=1.0)
    bus.publish(Event("SessionStarted", info, START))
    room = RoomState(info, config, bus)
    perception = Perception(config)
    scenario = DemoScenario()
    try:
        for second in range(int(script.leave_until) + 8):
            image = scenario.frame_at(float(second))
            room(perception(Frame(image, START + second, second, "demo")))
    finally:
        perception.close()
    away = range(int(script.leave_from) + 2, int(script.leave_until))
    before = range(3, int(script.leave_from))
    assert all(shares[s] == 1.0 for s in before), shares
    assert all(shares[s] == pytest.approx(4 / 5) for s in away), shares  # 5 cameras on
    engagement = dict(overlay.history)
    level = np.mean([engagement[START + s] for s in before])
    assert engagement[START + script.leave_until - 1] < level - 0.1  # the sparkline dips
