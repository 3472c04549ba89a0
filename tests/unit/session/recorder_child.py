"""Child process for the kill -9 test: records a live session until it is killed.

Usage: python -m tests.unit.session.recorder_child DB_PATH
Prints the timestamp of every EngagementUpdated it has published (whole seconds, as the
aggregator publishes them), one per line.
"""

from __future__ import annotations

import sys
import time

from meetwatch.aggregation.models import ParticipantEngagement, RoomEngagement
from meetwatch.aggregation.seconds import SecondSampler
from meetwatch.runtime.events import Event, EventBus
from meetwatch.session.recorder import SessionRecorder
from meetwatch.session.store import SessionStore
from meetwatch.shared import SessionInfo

SESSION = "killed"


def room(t: float) -> RoomEngagement:
    people = [
        ParticipantEngagement(
            participant_id=i, label=f"P{i}", slot=i, attention="on_screen", engagement=0.8
        )
        for i in (1, 2)
    ]
    return RoomEngagement(
        session_id=SESSION,
        timestamp=t,
        engagement=0.8,
        attention_share=1.0,
        participants_total=2,
        participants_with_face=2,
        participants=people,
    )


def main() -> None:
    bus = EventBus()
    recorder = SessionRecorder(SessionStore.open(sys.argv[1]), bus)
    recorder.start()
    now = time.time()
    info = SessionInfo(session_id=SESSION, started_at=now, source="test", analysis_rate=20)
    bus.publish(Event("SessionStarted", info, now))
    sampler = SecondSampler()  # as the aggregator publishes: one room per whole second
    while True:  # until SIGKILL
        for second in sampler.feed(room(time.time())):
            bus.publish(Event("EngagementUpdated", second, second.timestamp))
            print(repr(second.timestamp), flush=True)
        time.sleep(0.05)


if __name__ == "__main__":
    main()
