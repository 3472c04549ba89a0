"""One list of actions for both faces of the tray app: the tray icon's menu and, on desktops
without a system tray, the control window's buttons. Built fresh from the core's state each
time it is shown, so it never offers "Start" while a session runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QMenu

SEPARATOR = "-"


@dataclass(frozen=True)
class Entry:
    """A menu item; `key` is stable across states (tests and the control window use it)."""

    key: str
    text: str
    run: Callable[[], None] | None = None
    enabled: bool = True
    checked: bool | None = None  # a checkable toggle when not None; run() flips it

    @property
    def separator(self) -> bool:
        return self.key == SEPARATOR


def separator() -> Entry:
    return Entry(SEPARATOR, "")


def fill_menu(menu: QMenu, entries: Sequence[Entry]) -> None:
    menu.clear()
    for entry in entries:
        if entry.separator:
            menu.addSeparator()
            continue
        action = QAction(entry.text, menu)
        action.setObjectName(entry.key)
        action.setEnabled(entry.enabled and (entry.run is not None or entry.checked is not None))
        if entry.checked is not None:
            action.setCheckable(True)
            action.setChecked(entry.checked)
        if entry.run is not None:
            run = entry.run
            action.triggered.connect(lambda _=False, run=run: run())
        menu.addAction(action)
