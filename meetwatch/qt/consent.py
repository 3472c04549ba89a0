"""The disclosure dialog: shown on first run (accept or quit) and before every session (start
or cancel), with the participant notice one click from the clipboard and the aggregate-only
switch right there, where the decision is made."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QShowEvent
from PyQt6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from meetwatch.config import Config
from meetwatch.desktop.notice import participant_notice, presenter_notice
from meetwatch.qt import application


def copy_participant_notice(config: Config) -> str:
    text = participant_notice(config)
    clipboard = application().clipboard()
    if clipboard is not None:
        clipboard.setText(text)
    return text


class ConsentDialog(QDialog):
    """`first_run`: accept means "understood" (remembered by the caller); otherwise accept
    means "start watching". `aggregate_only` is the switch's state when accepted."""

    def __init__(self, config: Config, *, first_run: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consent")
        self.setWindowTitle("meetwatch - before you start" if first_run else "Start watching?")
        self.setMinimumWidth(520)
        self._config = config
        layout = QVBoxLayout(self)
        self.notice = QLabel(presenter_notice(config))
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.notice)

        self.aggregate_box = QCheckBox(
            "Aggregate-only mode: room figures only, nobody individually"
        )
        self.aggregate_box.setChecked(config.privacy.mode == "aggregate_only")
        self.aggregate_box.toggled.connect(self._privacy_changed)
        layout.addWidget(self.aggregate_box)

        layout.addWidget(QLabel("Message for the meeting chat:"))
        self.participant_text = QPlainTextEdit(participant_notice(config))
        self.participant_text.setReadOnly(True)
        self.participant_text.setMaximumHeight(110)
        layout.addWidget(self.participant_text)

        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("Copy participant notice")
        self.copy_button.setAutoDefault(False)  # Enter means the decision, not "copy"
        self.copy_button.clicked.connect(self._copy)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        accept_text = "I understand" if first_run else "Start watching"
        reject_text = "Quit" if first_run else "Cancel"
        self.accept_button = buttons.addButton(accept_text, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(reject_text, QDialogButtonBox.ButtonRole.RejectRole)
        assert self.accept_button is not None
        self.accept_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def showEvent(self, event: QShowEvent | None) -> None:
        """Enter means the main answer: the focused button would otherwise take it."""
        super().showEvent(event)
        assert self.accept_button is not None
        self.accept_button.setFocus()

    @property
    def aggregate_only(self) -> bool:
        return self.aggregate_box.isChecked()

    def _shown_config(self) -> Config:
        mode = "aggregate_only" if self.aggregate_only else "individual"
        privacy = self._config.privacy.model_copy(update={"mode": mode})
        return self._config.model_copy(update={"privacy": privacy})

    def _privacy_changed(self) -> None:
        shown = self._shown_config()
        self.notice.setText(presenter_notice(shown))
        self.participant_text.setPlainText(participant_notice(shown))

    def _copy(self) -> None:
        copy_participant_notice(self._shown_config())
        self.copy_button.setText("Copied")
