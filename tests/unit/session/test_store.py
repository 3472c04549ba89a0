"""SessionStore: round trip, readers, schema upgrade and retention, on real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from meetwatch.aggregation.models import Alert, ParticipantEngagement, RoomEngagement
from meetwatch.errors import StoreError
from meetwatch.session.migrations import SCHEMA_VERSION
from meetwatch.session.store import SessionStore, default_store_path
from meetwatch.shared import ATTENTION_STATES, EMOTIONS, SessionInfo

HERE = Path(__file__).parent
COUNTS = {"on_screen": 1, "away": 0, "eyes_closed": 0, "no_face": 0, "camera_off": 1}


def info(session_id: str = "s1", started_at: float = 1000.0, **kw) -> SessionInfo:
    return SessionInfo(
        session_id=session_id, started_at=started_at, source="window:Zoom", analysis_rate=5, **kw
    )


def room(session_id: str, t: float, happy: float = 0.5) -> RoomEngagement:
    emotion = dict.fromkeys(EMOTIONS, 0.0) | {"happy": happy, "neutral": 1 - happy}
    seen = ParticipantEngagement(
        participant_id=1,
        label="Participant 1",
        slot=0,
        attention="on_screen",
        engagement=0.9,
        top_emotion="happy",
        emotion=emotion,
        valence=0.4,
        arousal=0.2,
        yaw=3.0,
        pitch=-15.0,
        gaze_x=0.1,
        gaze_y=-0.2,
        eye_openness=0.31,
    )
    unseen = ParticipantEngagement(
        participant_id=2, label="Participant 2", slot=1, attention="camera_off"
    )
    return RoomEngagement(
        session_id=session_id,
        timestamp=t,
        engagement=0.9,
        attention_share=1.0,
        emotion_mix=emotion,
        participants_total=2,
        participants_with_face=1,
        participants=[seen, unseen],
        attention_counts=COUNTS,
    )


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "sessions.sqlite3"
    with SessionStore.open(path) as store:
        store.start_session(info(privacy_mode="individual"), '{"capture": {}}')
        for i in range(3):
            store.add_samples("s1", room("s1", 1000.0 + i, happy=0.1 * i))
        alert = Alert(
            session_id="s1", kind="low_attention", message="m", timestamp=1001.5, since=1000.2
        )
        store.add_event("s1", alert.timestamp, "alert", alert)
        store.add_event("s1", 1000.7, "section", {"title": "Q&A"})
        store.end_session("s1", 1003.0)

    with SessionStore.open(path) as store:  # reopened: nothing lived only in memory
        (rec,) = store.list_sessions()
        assert rec == store.get_session("latest") == store.get_session("s1")
        assert rec.info == info(ended_at=1003.0)
        assert rec.config_json == '{"capture": {}}'
        assert rec.app_version

        parts = store.participants("s1")
        assert [(p.participant_id, p.slot, p.label, p.first_seen, p.last_seen) for p in parts] == [
            (1, 0, "Participant 1", 1000.0, 1002.0),
            (2, 1, "Participant 2", 1000.0, 1002.0),
        ]

        arrays = store.sample_arrays("s1")  # the reader the reports use
        emotion = arrays.signals.field("emotion")
        assert len(arrays) == 6 and emotion.shape == (6, 7)
        assert arrays.t.tolist() == [1000.0, 1000.0, 1001.0, 1001.0, 1002.0, 1002.0]
        assert arrays.participant_id.tolist() == [1, 2, 1, 2, 1, 2]
        column = arrays.signals.column
        assert (column("pitch")[2], column("gaze_y")[2], column("eye_openness")[2]) == (
            -15.0,
            -0.2,
            0.31,
        )
        assert emotion[2, EMOTIONS.index("happy")] == pytest.approx(0.1)
        assert np.isnan(emotion[1]).all()
        assert arrays.signals.text("attention").tolist()[:2] == ["on_screen", "camera_off"]
        assert np.isnan(column("engagement")[1]) and column("engagement")[0] == 0.9
        assert emotion[4, EMOTIONS.index("happy")] == pytest.approx(0.2)
        assert np.isnan(column("yaw")[1]) and column("pitch")[0] == -15.0

        rooms = store.room_table("s1")
        room_column = rooms.signals.column
        assert rooms.t.tolist() == [1000.0, 1001.0, 1002.0]
        assert (room_column("participants_total")[0], room_column("participants_with_face")[0]) == (
            2,
            1,
        )
        assert rooms.signals.field("emotion_mix")[2, EMOTIONS.index("happy")] == pytest.approx(0.2)
        assert {s: room_column(s)[0] for s in ATTENTION_STATES} == COUNTS

        events = store.events("s1")
        assert [(e.t, e.kind) for e in events] == [(1000.7, "section"), (1001.5, "alert")]
        assert events[0].payload == {"title": "Q&A"}
        assert Alert.model_validate(events[1].payload) == alert
        assert store.events("s1", kind="alert")[0].payload["since"] == 1000.2


def test_empty_arrays_have_the_right_shapes(tmp_path: Path) -> None:
    with SessionStore.open(tmp_path / "s.sqlite3") as store:
        store.start_session(info(), "{}")
        arrays = store.sample_arrays("s1")
        assert len(arrays) == 0 and arrays.signals.field("emotion").shape == (0, 7)


def test_sessions_are_listed_newest_first_and_latest_is_the_newest(tmp_path: Path) -> None:
    with SessionStore.open(tmp_path / "s.sqlite3") as store:
        for sid, started in (("b", 2000.0), ("a", 1000.0), ("c", 3000.0)):
            store.start_session(info(sid, started), "{}")
        assert [r.session_id for r in store.list_sessions()] == ["c", "b", "a"]
        assert store.get_session("latest").session_id == "c"


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda s: s.get_session("nope"), "no session 'nope'"),
        (lambda s: s.get_session("latest"), "no sessions recorded yet"),
        (lambda s: s.add_samples("nope", room("nope", 1.0)), "no session 'nope'"),
        (lambda s: s.add_event("nope", 1.0, "section", {}), "no session 'nope'"),
        (lambda s: s.end_session("nope", 1.0), "no session 'nope'"),
    ],
)
def test_unknown_sessions_are_refused_clearly(tmp_path: Path, action, message: str) -> None:
    store = SessionStore.open(tmp_path / "s.sqlite3")
    with store, pytest.raises(StoreError, match=message):
        action(store)


def test_duplicate_session_and_bad_payload_are_store_errors(tmp_path: Path) -> None:
    with SessionStore.open(tmp_path / "s.sqlite3") as store:
        store.start_session(info(), "{}")
        with pytest.raises(StoreError, match="UNIQUE"):
            store.start_session(info(), "{}")
        with pytest.raises(StoreError, match="not plain JSON"):
            store.add_event("s1", 1.0, "section", {"value": float("nan")})
        with pytest.raises(StoreError, match="given for"):
            store.add_samples("s1", room("other", 1.0))


def test_prune_deletes_old_sessions_with_their_rows(tmp_path: Path) -> None:
    with SessionStore.open(tmp_path / "s.sqlite3") as store:
        for sid, started in (("old", 100.0), ("new", 5000.0)):
            store.start_session(info(sid, started), "{}")
            store.add_samples(sid, room(sid, started))
            store.add_event(sid, started, "section", {"title": "x"})
        assert store.prune(started_before=1000.0) == 1
        assert [r.session_id for r in store.list_sessions()] == ["new"]
        assert len(store.sample_arrays("old")) == 0 and len(store.room_table("old")) == 0
        assert store.participants("old") == [] and store.events("old") == []
        assert len(store.sample_arrays("new")) == 2


def test_file_is_in_wal_mode_with_the_current_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    SessionStore.open(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_default_path_is_in_the_user_data_folder() -> None:
    path = default_store_path()
    assert path.name == "sessions.sqlite3" and path.parent.name == "meetwatch"


def test_version_1_file_is_upgraded_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript((HERE / "schema_v1.sql").read_text())
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO sessions VALUES "
        "('v1', 10.0, 20.0, 'video:x.mp4', 5, 'individual', '0.0.1', '{}')"
    )
    conn.execute(
        "INSERT INTO room_samples (session_id, t, engagement, attention_share, participants_total, "
        "participants_with_face, happy, neutral) VALUES ('v1', 11.0, 0.7, 0.5, 2, 2, 0.25, 0.75)"
    )
    conn.commit()
    conn.close()

    with SessionStore.open(path) as store:
        old = store.room_table("v1")
        assert len(old) == 1 and (old.t[0], old.signals.column("engagement")[0]) == (11.0, 0.7)
        assert np.isnan(old.signals.field("attention_counts")[0]).all()
        mix = old.signals.field("emotion_mix")[0]
        assert {e: v for e, v in zip(EMOTIONS, mix, strict=True) if not np.isnan(v)} == {
            "happy": 0.25,
            "neutral": 0.75,
        }
        assert store.get_session("v1").info.source == "video:x.mp4"
        store.add_samples("v1", room("v1", 12.0))
        upgraded = store.room_table("v1").signals
        assert {s: upgraded.column(s)[1] for s in ATTENTION_STATES} == COUNTS

    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    SessionStore.open(path).close()  # opening an up-to-date file again changes nothing


def test_read_only_open_reads_without_writing(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with SessionStore.open(path) as writer:  # still open: a report reads beside the recorder
        writer.start_session(info(), "{}")
        writer.add_samples("s1", room("s1", 1000.0))
        with SessionStore.open_readonly(path) as reader:
            assert reader.read_only and reader.session_ids_with_samples() == {"s1"}
            assert len(reader.sample_arrays("s1")) == 2 and len(reader.room_table("s1")) == 1
            with pytest.raises(StoreError, match="cannot write"):
                reader.add_event("s1", 1.0, "section", {})


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (None, "no session store at"),
        (lambda conn: conn.execute("CREATE TABLE notes (x)"), "not a meetwatch session store"),
        (lambda conn: conn.execute("PRAGMA user_version = 99"), "newer meetwatch"),
    ],
)
def test_read_only_open_refuses_what_it_cannot_read(tmp_path: Path, setup, message: str) -> None:
    path = tmp_path / "s.sqlite3"
    if setup is not None:  # else no file at all
        with sqlite3.connect(path) as conn:
            setup(conn)
    with pytest.raises(StoreError, match=message):
        SessionStore.open_readonly(path)
