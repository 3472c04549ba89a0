"""The live terminal view of `meetwatch run` / `demo`: the overlay view as text, and stage fps.

It prints the same OverlayView the web and Qt overlays draw (folded by the same
OverlayState from the events the privacy gate lets out), so the terminal never shows a
figure, a participant or an alert the overlays would not. It listens on the event bus and
redraws a few times a second; it never holds up the pipeline (the bus callback only folds
an event under a lock). The overlay address is part of every redraw, so a presenter setting
up OBS finds it however long the session has run (lines printed before the view scroll away).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from meetwatch.errors import MeetwatchError
from meetwatch.outputs.feed.protocol import event_data
from meetwatch.outputs.live.overlay_state import VIEW_INPUTS, OverlayState
from meetwatch.outputs.live.overlay_view import OverlayView
from meetwatch.runtime.events import Event, EventBus
from meetwatch.shared import StageStatus


class TerminalView:
    def __init__(self, bus: EventBus, title: str, overlay_url: str = "") -> None:
        self._title = title
        self._overlay_url = overlay_url
        self._state = OverlayState()
        self._stages: dict[str, StageStatus] = {}
        self._lock = threading.Lock()
        self._unsubscribe = bus.subscribe(self._on_event)
        self._live: Live | None = None

    def _on_event(self, event: Event) -> None:
        if event.kind == "StageStatusChanged":
            with self._lock:
                self._stages[event.payload.stage] = event.payload
        if event.kind not in VIEW_INPUTS:
            return
        try:
            data = event_data(event)
        except MeetwatchError:
            return  # the feed logs bad payloads; the terminal just skips them
        with self._lock:
            self._state.apply_event(event.kind, data, time.time())

    def view(self) -> OverlayView:
        with self._lock:
            return self._state.view(time.time())

    def render(self) -> Any:
        view = self.view()
        with self._lock:
            stages = list(self._stages.values())
        title = f"● REC  {self._title}" if view.recording else self._title
        head: list[Any] = [Text(title, style="bold red" if view.recording else "bold")]
        if self._overlay_url:  # alone on its line, so a narrow terminal does not break it
            head += [Text("overlay:"), Text(self._overlay_url, style="cyan", overflow="fold")]
        if view.state in ("idle", "waiting"):
            return Group(*head, Text(view.status))
        summary = Text(f"room engagement {view.gauge.text}   attentive {view.attentive}   ")
        summary.append(view.faces)
        if view.state == "stale":
            summary.append(f"   ({view.status})", style="yellow")
        mix = "  ".join(s.text for s in view.emotion.segments if s.legend)
        emotion = Text(f"{view.emotion.caption}: {mix}" if mix else view.emotion.caption)
        table = Table(expand=False, box=None, header_style="bold")
        for col in ("who", "tile", "attention", "engagement"):
            table.add_column(col)
        for tile in view.grid.tiles:
            attention = Text(tile.attention_text, style=tile.color)
            table.add_row(tile.label, str(tile.slot), attention, tile.engagement_text)
        fps = "  ".join(
            f"{s.stage} {s.fps:.1f} fps" + (f" ({s.latency_ms:.0f} ms)" if s.latency_ms else "")
            for s in stages
            if s.fps is not None
        )
        parts: list[Any] = [*head]
        if view.section:
            parts.append(Text(view.section, style="dim"))
        parts += [summary, emotion, table, Text(fps, style="dim")]
        parts += [Text(p, style="yellow") for p in view.problems]
        parts += [Text("alert " + a, style="bold yellow") for a in view.alerts]
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
