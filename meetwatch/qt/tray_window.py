"""The control window: the tray menu's actions as buttons, for desktops without a system tray
(GNOME without an extension, some Wayland sessions, bare X servers). It also carries the
recording indicator there, since there is no tray icon to show it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PyQt6.QtGui import QCloseEvent
from PyQt6.QtWidgets import QCheckBox, QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from meetwatch.desktop.controller import TrayState
from meetwatch.qt.tray_actions import Entry
from meetwatch.qt.tray_icons import RECORDING_RED, STATE_COLORS, state_icon

STATE_WORDS: dict[TrayState, str] = {
    "idle": "Not recording",
    "watching": "\u25cf Recording",
    "paused": "Paused - meeting window not visible",
    "error": "Error - see the log",
}


class ControlWindow(QWidget):
    def __init__(
        self, entries: Callable[[], Sequence[Entry]], on_close: Callable[[], None]
    ) -> None:
        super().__init__()
        self.setObjectName("control-window")
        self.setWindowTitle("meetwatch")
        self._entries = entries
        self._on_close = on_close
        self.indicator = QLabel()
        self.indicator.setObjectName("recording-indicator")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self._buttons = QFrame()
        self._buttons_layout = QVBoxLayout(self._buttons)
        self._buttons_layout.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton | QCheckBox] = {}  # by entry key, as shown now
        layout = QVBoxLayout(self)
        layout.addWidget(self.indicator)
        layout.addWidget(self.status)
        layout.addWidget(self._buttons)
        self.setMinimumWidth(320)

    def refresh(self, state: TrayState, status: str) -> None:
        self.setWindowIcon(state_icon(state))
        color = RECORDING_RED if state == "watching" else STATE_COLORS[state]
        self.indicator.setText(STATE_WORDS[state])
        self.indicator.setStyleSheet(f"color: {color}; font-weight: bold; font-size: 16px;")
        self.status.setText(status)
        while (item := self._buttons_layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        self.buttons = {}
        for entry in self._entries():
            if entry.separator or entry.key == "status":
                continue
            button: QPushButton | QCheckBox
            if entry.checked is not None:
                button = QCheckBox(entry.text)
                button.setChecked(entry.checked)
            else:
                button = QPushButton(entry.text)
            button.setObjectName(entry.key)
            button.setEnabled(entry.enabled and entry.run is not None)
            if entry.run is not None:
                run = entry.run
                button.clicked.connect(lambda _=False, run=run: run())
            self._buttons_layout.addWidget(button)
            self.buttons[entry.key] = button

    def closeEvent(self, event: QCloseEvent | None) -> None:
        """Without a tray, closing the window is how the app is quit."""
        self._on_close()
        if event is not None:
            event.accept()
