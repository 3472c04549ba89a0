"""Engagement formula, room figures, 1 Hz samples, alerts and aggregate-only mode."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from meetwatch.aggregation.aggregator import Aggregator
from meetwatch.aggregation.config import AggregationConfig, AlertRules, ParticipantAwayRule
from meetwatch.aggregation.engagement import instant_score
from meetwatch.aggregation.privacy_gate import PrivacyGate
from meetwatch.runtime.events import Event
from meetwatch.shared import EMOTIONS, AttentionState
from meetwatch.tracking.participants import Participants, ParticipantState


def person(
    pid: int,
    attention: AttentionState = "on_screen",
    emotion: str = "neutral",
    arousal: float = 0.0,
    since: float = 0.0,
) -> ParticipantState:
    if attention in ("no_face", "camera_off"):
        return ParticipantState(pid, pid, attention, since, face_present=False, calibrated=True)
    probs = np.zeros(len(EMOTIONS))
    probs[EMOTIONS.index(emotion)] = 1.0
    return ParticipantState(
        pid,
        pid,
        attention,
        since,
        face_present=True,
        calibrated=True,
        emotion=probs,
        valence=0.0,
        arousal=arousal,
        yaw=0.0,
        pitch=0.0,
        roll=0.0,
        gaze_x=0.0,
        gaze_y=0.0,
        eye_openness=0.3,
    )


def room_at(t: float, *people: ParticipantState) -> Participants:
    return Participants(int(t * 10), t, tuple(people))


@pytest.mark.parametrize(
    ("attention", "emotion", "arousal", "score"),
    [
        ("on_screen", "neutral", 0.0, 0.6 + 0.2 + 0.2 * 0.25),
        ("on_screen", "happy", 1.0, 1.0),
        ("eyes_closed", "neutral", 0.0, 0.6 * 0.3 + 0.2 + 0.2 * 0.25),
        ("away", "happy", 0.6, 0.2 + 0.2 * (0.5 + 0.5 * 0.8)),
        ("away", "neutral", -1.0, 0.2),
        ("no_face", "neutral", 0.0, 0.0),
        ("camera_off", "neutral", 0.0, 0.0),
    ],
)
def test_engagement_formula(
    attention: AttentionState, emotion: str, arousal: float, score: float
) -> None:
    p = person(1, attention, emotion, arousal)
    assert instant_score(p, AggregationConfig()) == pytest.approx(score)


@pytest.mark.parametrize(
    ("attention", "score"),
    [("on_screen", 1.0), ("eyes_closed", (0.6 * 0.3 + 0.2) / 0.8), ("away", 0.2 / 0.8)],
)
def test_without_emotion_the_other_weights_are_rescaled(
    attention: AttentionState, score: float
) -> None:
    p = replace(person(1, attention), emotion=None, valence=None, arousal=None)
    assert instant_score(p, AggregationConfig()) == pytest.approx(score)
    room = Aggregator("s").update(room_at(1.0, p))
    assert room.emotion_mix == {} and room.participants[0].top_emotion is None
    assert room.engagement == pytest.approx(score)


def test_weights_must_add_up_to_one() -> None:
    with pytest.raises(ValueError, match="add up to 1"):
        AggregationConfig(attention_weight=0.9)


def test_engagement_is_smoothed_over_the_window_and_presence_counts() -> None:
    agg = Aggregator("s", AggregationConfig(smoothing_seconds=10.0))
    for i in range(100):  # at 10 fps: 5 s fully engaged, then 5 s with no face
        t = i / 10
        room = agg.update(room_at(t, person(1, "on_screen" if t < 5 else "no_face", "happy", 1.0)))
        assert (room.participants[0].engagement is None) == (t >= 5)
    room = agg.update(room_at(10.0, person(1, "on_screen", "happy", 1.0)))
    # the window (0, 10] holds 49 + 1 frames scoring 1 and 50 frames without a face scoring 0
    assert room.participants[0].engagement == pytest.approx(0.5, abs=0.01)
    assert room.engagement == room.participants[0].engagement


def test_room_figures_count_who_left_and_leave_out_cameras_off() -> None:
    agg = Aggregator("s")
    room = agg.update(
        room_at(
            1.0,
            person(1, "on_screen", "happy"),
            person(2, "on_screen", "neutral"),
            person(3, "away", "sad"),
            person(4, "no_face"),
            person(5, "camera_off"),
        )
    )
    assert (room.participants_total, room.participants_with_face) == (5, 3)
    # camera on: 1-4; the one whose face has gone is not looking, the camera-off one is unknown
    assert room.attention_share == pytest.approx(2 / 4)
    assert room.emotion_mix["happy"] == pytest.approx(1 / 3)
    assert room.emotion_mix["angry"] == 0.0
    assert sum(room.emotion_mix.values()) == pytest.approx(1.0)
    engaged = [p.engagement for p in room.participants]
    assert engaged[3:] == [None, None]
    assert room.engagement == pytest.approx(np.mean([e for e in engaged if e is not None] + [0]))
    assert room.attention_counts == {
        "on_screen": 2,
        "away": 1,
        "eyes_closed": 0,
        "no_face": 1,
        "camera_off": 1,
    }
    assert [p.top_emotion for p in room.participants] == ["happy", "neutral", "sad", None, None]
    assert room.participants[0].label == "Participant 1"


def test_empty_room_has_no_figures() -> None:
    room = Aggregator("s").update(room_at(1.0, person(1, "camera_off")))
    assert (room.engagement, room.attention_share, room.emotion_mix) == (None, None, {})


def test_aggregate_only_mode_keeps_room_figures_and_drops_individuals() -> None:
    """The aggregator computes everyone in every mode (the mode may change mid-session);
    the privacy gate takes the individuals out on the way to the sinks."""
    rules = AlertRules(participant_away=ParticipantAwayRule(enabled=True, seconds=1))
    agg = Aggregator("s", AggregationConfig(alerts=rules))
    gate = PrivacyGate("aggregate_only", min_faces=1)
    received: list[Event] = []
    gate.subscribe(received.append)
    for t in np.arange(0, 5, 0.5):
        people = (person(1, "on_screen", "happy"), person(2, "away", since=0.0))
        room = agg.update(room_at(t, *people))
    shown = gate.room(room)
    assert shown.participants == [] and len(room.participants) == 2
    dropped = {"participants", "min_faces"}
    assert shown.model_dump(exclude=dropped) == room.model_dump(exclude=dropped)
    alerts = agg.take_alerts()
    assert [x.kind for x in alerts] == ["participant_away"]
    for alert in alerts:
        gate.publish(Event("AlertRaised", alert, alert.timestamp))
    assert received == []


def share_scene(t: float, low: bool) -> Participants:
    """Four faces; when low, three look away (share 25%)."""
    people = [person(1)] + [person(i, "away" if low else "on_screen") for i in (2, 3, 4)]
    return room_at(t, *people)


def test_low_attention_alert_is_raised_once_per_episode_and_cleared() -> None:
    agg = Aggregator("sess")
    raised = []
    # low from 10 to 70 s, with a 2 s recovery at 50 s that must not split the episode
    for i in range(1000):
        t = i / 10
        low = 10 <= t < 70 and not 50 <= t < 52
        agg.update(share_scene(t, low))
        raised += [(t, a) for a in agg.take_alerts()]
    assert [(a.kind, a.state) for _, a in raised] == [
        ("low_attention", "raised"),
        ("low_attention", "cleared"),
    ]
    (t_raise, up), (t_clear, down) = raised
    assert up.session_id == "sess"
    assert (up.since, up.timestamp, t_raise) == pytest.approx((10.0, 40.0, 40.0))
    assert up.value == pytest.approx(0.25)
    assert up.message == "room attention under 50% for 30 s"
    assert (down.since, down.timestamp) == pytest.approx((10.0, 70.0))
    assert t_clear == pytest.approx(75.0)  # after clear_seconds of recovery
    assert down.message == "room attention back at 50% or more after 1 min 0 s"


def test_a_short_dip_raises_nothing() -> None:
    agg = Aggregator("s")
    for i in range(600):
        agg.update(share_scene(i / 10, 10 <= i / 10 < 35))
    assert agg.take_alerts() == []


def test_participant_away_alert_uses_the_tracker_start_time() -> None:
    rules = AlertRules(participant_away=ParticipantAwayRule(enabled=True, seconds=20))
    agg = Aggregator("s", AggregationConfig(alerts=rules))
    alerts = []
    for t in range(0, 60):
        away = 12 <= t < 45
        p = person(
            7, "away" if away else "on_screen", since=12.0 if away else (45.0 if t >= 45 else 0)
        )
        agg.update(room_at(float(t), p))
        alerts += [a for a in agg.take_alerts() if a.kind == "participant_away"]
    assert [(a.state, a.participant_id, a.since, a.timestamp) for a in alerts] == [
        ("raised", 7, 12.0, 32.0),
        ("cleared", 7, 12.0, 45.0),
    ]
    assert alerts[0].message == "Participant 7 away for 20 s"


def test_seconds_are_sampled_at_1_hz_whatever_the_rate() -> None:
    agg = Aggregator("s")
    samples = []
    # 10 fps for 3 s, then a frame every 2.5 s (slow), then a 20 s gap
    times = [i / 10 for i in range(30)] + [3.0, 5.5, 8.0, 28.2]
    for t in times:
        agg.update(share_scene(t, False))
        samples += agg.take_seconds()
    stamps = [s.timestamp for s in samples]
    assert stamps == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 28.0]
    assert all(s.attention_share == 1.0 and (s.engagement or 0) > 0.8 for s in samples)


def test_a_participant_who_walks_away_lowers_the_room_then_returns() -> None:
    agg = Aggregator("s")
    shares, engagement = [], []
    for t in np.arange(0.0, 40.0, 1.0):
        gone = 10 <= t < 30
        people = [person(i, "on_screen") for i in range(1, 6)]
        people.append(person(6, "no_face" if gone else "on_screen", since=10.0))
        room = agg.update(room_at(float(t), *people))
        shares.append(room.attention_share)
        engagement.append(room.engagement)
    assert shares[:10] == [1.0] * 10 and shares[30:] == [1.0] * 10
    assert shares[10:30] == [pytest.approx(5 / 6)] * 20
    assert engagement[29] < engagement[9] - 0.1  # the leaver's score fell to 0 in the window


def test_covered_participants_have_no_figures_and_keep_their_place() -> None:
    covered = replace(person(2, "on_screen"), covered=True)
    room = Aggregator("s").update(room_at(1.0, person(1, "away"), covered))
    assert room.participants_total == 2
    assert [p.participant_id for p in room.participants] == [1]
    assert room.attention_share == 0.0 and sum(room.attention_counts.values()) == 1


def test_participant_away_alert_covers_a_face_that_left() -> None:
    rules = AlertRules(participant_away=ParticipantAwayRule(enabled=True, seconds=5))
    agg = Aggregator("s", AggregationConfig(alerts=rules))
    for t in range(0, 20):
        agg.update(room_at(float(t), person(1, "no_face" if t < 10 else "on_screen", since=0.0)))
    alerts = agg.take_alerts()
    assert [(a.state, a.since) for a in alerts] == [("raised", 0.0), ("cleared", 0.0)]
