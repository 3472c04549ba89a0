"""Alert rules: each raises one Alert per episode and one 'cleared' Alert when it ends.

An episode is a stretch of time in which the rule's condition holds; it is backdated to when
the condition started, so the report can show the whole interval, and brief recoveries
(shorter than the rule's clear time) neither end it nor restart its count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from meetwatch.aggregation.config import AlertRules
from meetwatch.aggregation.models import Alert
from meetwatch.shared import NOT_ATTENDING
from meetwatch.tracking.participants import Participants


@dataclass
class _Episode:
    start: float | None = None
    raised: bool = False
    ok_since: float | None = None


def _duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60} min {s % 60} s" if s >= 60 else f"{s} s"


class AlertEngine:
    def __init__(self, session_id: str, rules: AlertRules) -> None:
        self._session_id = session_id
        self._rules = rules
        self._room = _Episode()
        self._away_raised: dict[int, float] = {}  # participant id -> episode start

    def update(self, participants: Participants, attention_share: float | None) -> list[Alert]:
        t = participants.timestamp
        alerts: list[Alert] = []
        if self._rules.low_attention.enabled:
            alerts += self._low_attention(t, attention_share)
        if self._rules.participant_away.enabled:
            alerts += self._participant_away(participants)
        return alerts

    def _low_attention(self, t: float, share: float | None) -> list[Alert]:
        rule, ep = self._rules.low_attention, self._room
        low = share is not None and share < rule.threshold
        pct = f"{rule.threshold:.0%}"
        if low:
            ep.ok_since = None
            if ep.start is None:
                ep.start = t
            if not ep.raised and t - ep.start >= rule.seconds:
                ep.raised = True
                return [
                    self._alert(
                        "low_attention",
                        f"room attention under {pct} for {_duration(t - ep.start)}",
                        t,
                        ep.start,
                        share,
                    )
                ]
            return []
        if ep.start is None:
            return []
        if ep.ok_since is None:
            ep.ok_since = t
        if t - ep.ok_since < rule.clear_seconds:
            return []
        start, ended, raised = ep.start, ep.ok_since, ep.raised
        self._room = _Episode()
        if not raised:
            return []
        return [
            self._alert(
                "low_attention",
                f"room attention back at {pct} or more after {_duration(ended - start)}",
                ended,
                start,
                share,
                state="cleared",
            )
        ]

    def _participant_away(self, participants: Participants) -> list[Alert]:
        rule = self._rules.participant_away
        t = participants.timestamp
        alerts: list[Alert] = []
        seen: set[int] = set()
        for p in participants:
            pid = p.participant_id
            seen.add(pid)
            if p.covered:  # nothing to judge while another window hides the tile
                continue
            away = p.attention in NOT_ATTENDING
            if away and pid not in self._away_raised and t - p.attention_since >= rule.seconds:
                self._away_raised[pid] = p.attention_since
                message = f"{p.label} away for {_duration(t - p.attention_since)}"
                alerts.append(
                    self._alert("participant_away", message, t, p.attention_since, None, pid)
                )
            elif not away and pid in self._away_raised:
                alerts.append(self._away_cleared(pid, p.attention_since, p.label))
        for pid in [pid for pid in self._away_raised if pid not in seen]:  # tile gone
            alerts.append(self._away_cleared(pid, t, f"Participant {pid}"))
        return alerts

    def _away_cleared(self, pid: int, ended: float, label: str) -> Alert:
        start = self._away_raised.pop(pid)
        message = f"{label} back after {_duration(ended - start)}"
        return self._alert("participant_away", message, ended, start, None, pid, "cleared")

    def _alert(
        self,
        kind: str,
        message: str,
        t: float,
        since: float,
        value: float | None,
        participant_id: int | None = None,
        state: Literal["raised", "cleared"] = "raised",
    ) -> Alert:
        return Alert(
            session_id=self._session_id,
            kind=kind,
            message=message,
            timestamp=t,
            since=since,
            value=value,
            state=state,
            participant_id=participant_id,
        )
