"""SessionRecorder: bus events into the store, never blocking, kill -9 safe."""

from __future__ import annotations

import math
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from meetwatch.aggregation.models import Alert
from meetwatch.runtime.clock import ManualClock
from meetwatch.runtime.events import Event, EventBus
from meetwatch.session.recorder import SessionRecorder
from meetwatch.session.store import SessionStore
from meetwatch.shared import StageStatus
from tests.unit.session.recorder_child import SESSION
from tests.unit.session.recorder_child import room as two_people
from tests.unit.session.test_store import info

REPO = Path(__file__).resolve().parents[3]


def publish(bus: EventBus, kind, payload, t: float) -> None:
    bus.publish(Event(kind, payload, t))


def test_a_session_is_recorded_second_by_second(tmp_path: Path) -> None:
    bus = EventBus()
    store = SessionStore.open(tmp_path / "s.sqlite3")
    with SessionRecorder(store, bus, config_json='{"a": 1}', clock=ManualClock(5.0)):
        publish(bus, "SessionStarted", info(SESSION, 1000.0), 1000.0)
        for i in range(35):  # 10 fps from 1000.0 to 1003.4
            t = 1000.0 + i / 10
            if i % 10 == 0:  # the aggregator's 1 Hz sample: the recorder samples nothing again
                publish(bus, "EngagementUpdated", two_people(t), t)
            publish(bus, "FaceSignals", object(), t)  # per-frame data is not recorded
            running = StageStatus(stage="analysis", state="running", fps=10.0)
            publish(bus, "StageStatusChanged", running, t)  # only changes are recorded
        failed = StageStatus(stage="analysis", state="error", message="boom")
        publish(bus, "StageStatusChanged", failed, 1003.5)
        publish(bus, "SectionMarked", {"title": "Demo"}, 1003.6)
        publish(bus, "FramesMissing", {"start": 1003.0, "end": 1003.65}, 1003.65)
        alert = Alert(
            session_id=SESSION, kind="low_attention", message="m", timestamp=1003.7, since=1000.0
        )
        publish(bus, "AlertRaised", alert, 1003.7)
        publish(bus, "SessionEnded", info(SESSION, 1000.0, ended_at=1004.0), 1004.0)

    rec = store.get_session(SESSION)
    assert rec.info.ended_at == 1004.0 and rec.config_json == '{"a": 1}'
    assert store.room_table(SESSION).t.tolist() == [1000.0, 1001.0, 1002.0, 1003.0]
    assert len(store.sample_arrays(SESSION)) == 8
    events = [(e.t, e.kind) for e in store.events(SESSION)]
    assert events == [
        (1000.0, "stage_status"),
        (1003.5, "stage_status"),
        (1003.6, "section"),
        (1003.65, "frames_missing"),
        (1003.7, "alert"),
    ]
    assert store.events(SESSION, "stage_status")[1].payload["message"] == "boom"
    assert store.events(SESSION, "frames_missing")[0].payload == {"start": 1003.0, "end": 1003.65}


def test_store_errors_are_reported_on_the_bus_not_raised(tmp_path: Path) -> None:
    bus = EventBus()
    statuses: list[StageStatus] = []
    bus.subscribe(lambda e: statuses.append(e.payload) if e.kind == "StageStatusChanged" else None)
    store = SessionStore.open(tmp_path / "s.sqlite3")
    with SessionRecorder(store, bus, clock=ManualClock()):
        publish(bus, "EngagementUpdated", two_people(1.0), 1.0)  # no SessionStarted
        publish(bus, "SessionStarted", info(SESSION), 2.0)
    assert [(s.stage, s.state) for s in statuses] == [
        ("recorder", "error"),
        ("recorder", "running"),
    ]
    assert "no session 'killed'" in statuses[0].message
    assert store.get_session(SESSION)  # it kept recording after the error


def test_publishing_never_waits_for_the_disk(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = SessionStore.open(path)
    store.start_session(info(SESSION), "{}")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database
    bus = EventBus()
    recorder = SessionRecorder(store, bus, max_queue=5)
    recorder.start()
    done = threading.Event()

    def flood() -> None:
        for i in range(200):
            publish(bus, "EngagementUpdated", two_people(10.0 + i), 10.0 + i)
        done.set()

    threading.Thread(target=flood, daemon=True).start()
    assert done.wait(30), "publish blocked while the store was busy"
    blocker.execute("ROLLBACK")
    assert recorder.stop()
    assert recorder.dropped >= 200 - 5 - 1
    kept = len(store.room_table(SESSION))
    assert 1 <= kept <= 200 - recorder.dropped  # queued events are written, none invented


def test_kill_9_loses_at_most_the_last_second(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.unit.session.recorder_child", str(path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        published = []
        for line in child.stdout:
            published.append(float(line))
            if published[-1] - published[0] >= 3.5:
                break
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    last = published[-1]  # the child may have published more; never less
    with SessionStore.open(path) as store:
        seconds = store.room_table(SESSION).t.tolist()
        expected = list(map(float, range(math.floor(published[0]), math.floor(last - 1.0) + 1)))
        assert seconds[: len(expected)] == expected
        samples = store.sample_arrays(SESSION)
        assert len(samples) == 2 * len(seconds)
        assert set(samples.t.tolist()) == set(seconds)
