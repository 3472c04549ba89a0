"""The disclosure dialog: shown on first run (accept or quit) and before every session (start
or cancel), with the participant notice one click from the clipboard and the privacy switches
right there, where the decision is made. On first run it also asks where meetwatch is used,
which sets attention-only mode where the law forbids emotion recognition."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QShowEvent
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from meetwatch.config import Config
from meetwatch.desktop.notice import participant_notice, presenter_notice
from meetwatch.desktop.usage import (
    USE_LABELS,
    USES,
    answered,
    attention_only_for,
    with_answer,
)
from meetwatch.qt import application


def copy_participant_notice(config: Config) -> str:
    text = participant_notice(config)
    clipboard = application().clipboard()
    if clipboard is not None:
        clipboard.setText(text)
    return text


class ConsentDialog(QDialog):
    """`first_run`: accept means "understood" (remembered by the caller); otherwise accept
    means "start watching". `chosen_config()` is the config with the switches (and on first
    run the answer) as accepted."""

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

        self.used_in_box: QComboBox | None = None
        self.eu_box: QCheckBox | None = None
        if first_run:
            form = QFormLayout()
            self.used_in_box = QComboBox()
            for use in USES:
                self.used_in_box.addItem(USE_LABELS[use], use)
            # Unanswered: the strictest case is preselected (an EU school).
            self.used_in_box.setCurrentIndex(USES.index(config.privacy.used_in or "education"))
            self.eu_box = QCheckBox("The people I watch are in the EU")
            self.eu_box.setChecked(config.privacy.in_eu is not False)
            form.addRow("Where will meetwatch be used?", self.used_in_box)
            form.addRow("", self.eu_box)
            layout.addLayout(form)
            self.used_in_box.currentIndexChanged.connect(self._usage_changed)
            self.eu_box.toggled.connect(self._usage_changed)

        self.attention_box = QCheckBox(
            "Attention-only mode: never analyse emotion (the emotion model is not loaded)"
        )
        self.attention_box.setChecked(config.privacy.attention_only)
        self.attention_box.toggled.connect(self._privacy_changed)
        layout.addWidget(self.attention_box)

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
        if first_run and not answered(config):
            self._usage_changed()

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

    @property
    def attention_only(self) -> bool:
        return self.attention_box.isChecked()

    def chosen_config(self) -> Config:
        config = self._config
        if self.used_in_box is not None and self.eu_box is not None:
            config = with_answer(config, self.used_in_box.currentData(), self.eu_box.isChecked())
        mode = "aggregate_only" if self.aggregate_only else "individual"
        privacy = config.privacy.model_copy(
            update={"mode": mode, "attention_only": self.attention_only}
        )
        return config.model_copy(update={"privacy": privacy})

    def _usage_changed(self) -> None:
        """The answer sets the lawful default; the box stays free to change afterwards."""
        assert self.used_in_box is not None and self.eu_box is not None
        lawful = attention_only_for(self.used_in_box.currentData(), self.eu_box.isChecked())
        self.attention_box.setChecked(lawful)
        self._privacy_changed()

    def _privacy_changed(self) -> None:
        shown = self.chosen_config()
        self.notice.setText(presenter_notice(shown))
        self.participant_text.setPlainText(participant_notice(shown))

    def _copy(self) -> None:
        copy_participant_notice(self.chosen_config())
        self.copy_button.setText("Copied")
