"""Aggregator: Participants -> RoomEngagement, 1 Hz samples and alerts.

Owned by the single state thread, right after the Tracker; takes no locks. The formula is in
meetwatch.aggregation.engagement. It computes every participant's figures in every privacy
mode: the mode can change in the middle of a session, and the PrivacyGate (where data leaves
the core) applies it.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from meetwatch.aggregation.alerts import AlertEngine
from meetwatch.aggregation.config import AggregationConfig
from meetwatch.aggregation.engagement import instant_score
from meetwatch.aggregation.models import Alert, ParticipantEngagement, RoomEngagement
from meetwatch.aggregation.seconds import SecondSampler
from meetwatch.analysis.emotion import DEFAULT_MIN_CONFIDENCE, shown_emotion
from meetwatch.shared import ATTENTION_STATES, EMOTIONS
from meetwatch.tracking.participants import Participants, ParticipantState


class Aggregator:
    def __init__(
        self,
        session_id: str,
        config: AggregationConfig | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> None:
        self._session_id = session_id
        self._min_confidence = min_confidence
        self._cfg = config or AggregationConfig()
        self._scores: dict[int, deque[tuple[float, float]]] = {}
        self._alert_engine = AlertEngine(session_id, self._cfg.alerts)
        self._alerts: list[Alert] = []
        self._sampler = SecondSampler()
        self._seconds: list[RoomEngagement] = []

    def update(self, participants: Participants) -> RoomEngagement:
        t = participants.timestamp
        # A covered tile (another window over it) shows nothing: its person keeps their place
        # in the session but has no figures, so those seconds stay missing rather than "away".
        seen = [p for p in participants if not p.covered]
        engagement = {p.participant_id: self._smoothed(p, t) for p in seen}
        faces = [p for p in seen if p.face_present]
        # Camera on, face or not: someone who walked away is in the room and not attending.
        cameras_on = [p for p in seen if p.attention != "camera_off"]
        room_engagement = None
        attention_share = None
        emotion_mix: dict[str, float] = {}
        if cameras_on:
            room_engagement = _clip(
                float(np.mean([engagement[p.participant_id] for p in cameras_on]))
            )
            attention_share = sum(p.attention == "on_screen" for p in cameras_on) / len(cameras_on)
        if faces:
            emotions = [p.emotion for p in faces if p.emotion is not None]
            if emotions:
                mix = np.mean(emotions, axis=0)
                emotion_mix = {name: float(v) for name, v in zip(EMOTIONS, mix, strict=True)}
        counts: dict[str, int] = {s: sum(p.attention == s for p in seen) for s in ATTENTION_STATES}
        room = RoomEngagement(
            session_id=self._session_id,
            timestamp=t,
            engagement=room_engagement,
            attention_share=attention_share,
            emotion_mix=emotion_mix,
            participants_total=len(participants),
            participants_with_face=len(faces),
            participants=[
                _engagement(p, engagement[p.participant_id], self._min_confidence) for p in seen
            ],
            attention_counts=counts,
        )
        self._alerts += self._alert_engine.update(participants, attention_share)
        for sample in self._sampler.feed(room):
            self._seconds.append(sample)
        return room

    def take_alerts(self) -> list[Alert]:
        """Alerts raised or cleared since the last call, oldest first."""
        alerts, self._alerts = self._alerts, []
        return alerts

    def take_seconds(self) -> list[RoomEngagement]:
        """The 1 Hz samples (stamped at whole seconds) completed since the last call: what
        `EngagementUpdated` publishes and the store records."""
        seconds, self._seconds = self._seconds, []
        return seconds

    def _smoothed(self, p: ParticipantState, t: float) -> float:
        window = self._scores.setdefault(p.participant_id, deque())
        window.append((t, instant_score(p, self._cfg)))
        while window[0][0] <= t - self._cfg.smoothing_seconds:
            window.popleft()
        return sum(s for _, s in window) / len(window)


def _clip(v: float) -> float:
    return min(1.0, max(0.0, v))


def _engagement(
    p: ParticipantState, smoothed: float, min_confidence: float
) -> ParticipantEngagement:
    emotion = None
    top = None
    if p.emotion is not None:
        emotion = {name: float(v) for name, v in zip(EMOTIONS, p.emotion, strict=True)}
        top = shown_emotion(p.emotion, min_confidence)
    return ParticipantEngagement(
        participant_id=p.participant_id,
        label=p.label,
        slot=p.slot,
        attention=p.attention,
        engagement=_clip(smoothed) if p.face_present else None,
        top_emotion=top,
        emotion=emotion,
        valence=p.valence,
        arousal=p.arousal,
        yaw=p.yaw,
        pitch=p.pitch,
        gaze_x=p.gaze_x,
        gaze_y=p.gaze_y,
        eye_openness=p.eye_openness,
    )
