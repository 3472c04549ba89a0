"""The live terminal view of `meetwatch run` / `demo`: room figures, participants, stage fps.

It listens on the event bus and redraws a few times a second from the newest figures; it
never holds up the pipeline (the bus callback only stores references). The overlay address
is part of every redraw, so a presenter setting up OBS finds it however long the session has
run (lines printed before the view scroll away).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from meetwatch.aggregation.models import RoomEngagement
from meetwatch.outputs.text import percent
from meetwatch.runtime.events import Event, EventBus
from meetwatch.shared import StageStatus

_ATTENTION_STYLE = {
    "on_screen": "green",
    "away": "yellow",
    "eyes_closed": "blue",
    "no_face": "grey50",
    "camera_off": "grey50",
}


class TerminalView:
    def __init__(self, bus: EventBus, title: str, overlay_url: str = "") -> None:
        self._title = title
        self._overlay_url = overlay_url
        self._room: RoomEngagement | None = None
        self._stages: dict[str, StageStatus] = {}
        self._alerts: list[str] = []
        self._lock = threading.Lock()
        self._unsubscribe = bus.subscribe(self._on_event)
        self._live: Live | None = None

    def _on_event(self, event: Event) -> None:
        with self._lock:
            if event.kind == "EngagementUpdated":
                self._room = event.payload
            elif event.kind == "StageStatusChanged":
                self._stages[event.payload.stage] = event.payload
            elif event.kind == "AlertRaised":
                at = time.strftime("%H:%M:%S", time.localtime(event.timestamp))
                self._alerts = [*self._alerts, f"{at} {event.payload.message}"][-3:]

    def render(self) -> Any:
        with self._lock:
            room, stages, alerts = self._room, dict(self._stages), list(self._alerts)
        head: list[Any] = [Text(f"● REC  {self._title}", style="bold red")]
        if self._overlay_url:  # alone on its line, so a narrow terminal does not break it
            head += [Text("overlay:"), Text(self._overlay_url, style="cyan", overflow="fold")]
        if room is None:
            return Group(*head, Text("waiting for the first analysed second ..."))
        summary = Text(
            f"room engagement {percent(room.engagement)}   "
            f"attentive {percent(room.attention_share)} of cameras on   "
            f"participants {room.participants_total} ({room.participants_with_face} with a face)"
        )
        table = Table(expand=False, box=None, header_style="bold")
        for col in ("who", "tile", "attention", "engagement", "mood"):
            table.add_column(col)
        for p in room.participants:
            table.add_row(
                p.label,
                str(p.slot),
                Text(p.attention, style=_ATTENTION_STYLE[p.attention]),
                percent(p.engagement),
                p.top_emotion or "–",
            )
        fps = "  ".join(
            f"{s.stage} {s.fps:.1f} fps" + (f" ({s.latency_ms:.0f} ms)" if s.latency_ms else "")
            for s in stages.values()
            if s.fps is not None
        )
        problems = [f"{s.stage}: {s.message}" for s in stages.values() if s.message]
        parts: list[Any] = [*head, summary, table, Text(fps, style="dim")]
        parts += [Text(p, style="yellow") for p in problems]
        parts += [Text("alert " + a, style="bold yellow") for a in alerts]
        return Group(*parts)

    def __enter__(self) -> TerminalView:
        self._live = Live(self.render(), refresh_per_second=2, transient=False)
        self._live.__enter__()
        threading.Thread(target=self._refresh, daemon=True, name="meetwatch-terminal").start()
        return self

    def _refresh(self) -> None:
        while self._live is not None:
            self._live.update(self.render())
            time.sleep(0.5)

    def __exit__(self, *exc: object) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.update(self.render())
            live.__exit__(None, None, None)
        self._unsubscribe()
