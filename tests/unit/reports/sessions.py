"""Synthetic sessions with known behaviour, written through the real SessionStore.

`scripted_session` plays a script (participant, second) -> attention state into the store the
way the recorder does (one RoomEngagement per second, room figures computed from the
participants), so a report test knows exactly what the report must find.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta, timezone
from pathlib import Path

from meetwatch.aggregation.models import Alert, ParticipantEngagement, RoomEngagement
from meetwatch.session.store import SessionStore
from meetwatch.shared import ATTENTION_STATES, EMOTIONS, AttentionState, PrivacyMode, SessionInfo

T0 = 1_736_860_320.0  # 2025-01-14 13:12:00 UTC = 15:12:00 in TZ below
TZ = timezone(timedelta(hours=2))
ENGAGEMENT = {"on_screen": 0.8, "away": 0.2, "eyes_closed": 0.1}

Script = Callable[[int, int], AttentionState]  # (participant id, second) -> state


def demo_script(pid: int, second: int) -> AttentionState:
    """4 participants: 2 and 3 look away from 40 s to 70 s, 4 has the camera off."""
    if pid == 4:
        return "camera_off"
    if pid in (2, 3) and 40 <= second < 70:
        return "away"
    return "on_screen"


def emotion_of(pid: int, second: int, seconds: int) -> dict[str, float]:
    """Neutral first, happier in the second half; participant 1 is the happiest."""
    happy = (0.5 if second >= seconds // 2 else 0.1) + (0.2 if pid == 1 else 0.0)
    return dict.fromkeys(EMOTIONS, 0.0) | {"happy": happy, "neutral": 1.0 - happy}


def session_info(
    session_id: str,
    start: float = T0,
    privacy_mode: PrivacyMode = "individual",
    source: str = "window:Zoom Meeting",
) -> SessionInfo:
    return SessionInfo(
        session_id=session_id,
        started_at=start,
        source=source,
        analysis_rate=5,
        privacy_mode=privacy_mode,
    )


def scripted_session(
    store: SessionStore,
    session_id: str = "demo",
    *,
    participants: int = 4,
    seconds: int = 120,
    script: Script = demo_script,
    sections: Sequence[tuple[int, str]] = ((0, "Introduction"), (60, "Questions")),
    privacy_mode: PrivacyMode = "individual",
    start: float = T0,
    ended: bool = True,
    alerts: Sequence[Alert] = (),
    source: str = "window:Zoom Meeting",
) -> SessionInfo:
    """`source` "video:..." makes it a recording: second k is then k s into the file."""
    info = session_info(session_id, start, privacy_mode, source)
    store.start_session(info, "{}")
    marks = dict(sections)
    for second in range(seconds):
        t = start + second
        if second in marks:
            store.add_event(session_id, t, "section", {"title": marks[second]})
        people = [_participant(pid, second, seconds, script) for pid in range(1, participants + 1)]
        store.add_samples(session_id, _room(session_id, t, people, privacy_mode))
    for alert in alerts:
        store.add_event(session_id, alert.timestamp, "alert", alert)
    if ended:
        store.end_session(session_id, start + seconds)
    return info


def low_attention_alerts(
    session_id: str, since: float, raised: float, cleared: float
) -> list[Alert]:
    common = {"session_id": session_id, "kind": "low_attention", "since": since}
    return [
        Alert(**common, message="room attention under 50% for 30 s", timestamp=raised, value=0.33),
        Alert(
            **common,
            message="room attention back at 50% or more",
            timestamp=cleared,
            state="cleared",
        ),
    ]


def _participant(pid: int, second: int, seconds: int, script: Script) -> ParticipantEngagement:
    state = script(pid, second)
    face = state in ENGAGEMENT
    emotion = emotion_of(pid, second, seconds) if face else None
    return ParticipantEngagement(
        participant_id=pid,
        label=f"Participant {pid}",
        slot=pid - 1,
        attention=state,
        engagement=ENGAGEMENT.get(state),
        top_emotion=max(emotion, key=emotion.__getitem__) if emotion else None,
        emotion=emotion,
        valence=0.1 if face else None,
        arousal=0.0 if face else None,
        yaw=2.0 if face else None,
        pitch=-10.0 if face else None,
        gaze_x=0.0 if face else None,
        gaze_y=0.0 if face else None,
        eye_openness=0.3 if face else None,
    )


def _room(
    session_id: str, t: float, people: list[ParticipantEngagement], privacy_mode: PrivacyMode
) -> RoomEngagement:
    faces = [p for p in people if p.engagement is not None]
    n = len(faces)
    mix = {e: sum(p.emotion[e] for p in faces if p.emotion) / n for e in EMOTIONS} if n else {}
    return RoomEngagement(
        session_id=session_id,
        timestamp=t,
        engagement=sum(p.engagement or 0.0 for p in faces) / n if n else None,
        attention_share=sum(p.attention == "on_screen" for p in faces) / n if n else None,
        emotion_mix=mix,
        participants_total=len(people),
        participants_with_face=n,
        participants=people if privacy_mode == "individual" else [],
        attention_counts={s: sum(p.attention == s for p in people) for s in ATTENTION_STATES},
    )


def away_alert(session_id: str, t: float, pid: int) -> Alert:
    return Alert(
        session_id=session_id,
        kind="participant_away",
        message=f"Participant {pid} away for 30 s",
        timestamp=t,
        since=t - 30,
        participant_id=pid,
    )


def write_demo_store(path: Path) -> Path:
    """The three sessions the report tests look at:

    demo     4 participants x 120 s, 2 and 3 away 40-70 s, 4 camera off, sections at 0 and
             60 s, one low-attention alert episode and one per-participant alert
    agg      the same meeting in aggregate-only mode (a per-participant alert is stored too,
             to check that no report shows it)
    running  the same meeting, 90 s so far, no end recorded
    lecture  the demo meeting as a recording (video:lecture 3.mp4) analysed the day before:
             its report speaks positions in the file (00:00:40), not times of day
    """
    with SessionStore.open(path) as store:
        scripted_session(
            store,
            "demo",
            alerts=[
                *low_attention_alerts("demo", T0 + 40, T0 + 70, T0 + 72),
                away_alert("demo", T0 + 70, 2),
            ],
        )
        scripted_session(
            store,
            "agg",
            privacy_mode="aggregate_only",
            start=T0 + 3600,
            alerts=[
                *low_attention_alerts("agg", T0 + 3640, T0 + 3670, T0 + 3672),
                away_alert("agg", T0 + 3670, 2),
            ],
        )
        scripted_session(store, "running", seconds=90, start=T0 + 7200, ended=False)
        scripted_session(
            store,
            "lecture",
            start=T0 - 86400,
            source="video:lecture 3.mp4",
            alerts=low_attention_alerts("lecture", T0 - 86360, T0 - 86330, T0 - 86328),
        )
    return path
