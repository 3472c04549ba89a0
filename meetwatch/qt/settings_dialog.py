"""The settings dialog, generated from the config models: one tab per section, one row per
field with its title, description and bounds. Nothing here repeats a default, a limit or a
label, so a new config field shows up in the dialog without touching this file.

Every edit re-validates the whole tree with pydantic; while anything is invalid the fields at
fault are marked, pydantic's reasons are listed, and Save is disabled. Spin boxes stop at
inclusive bounds, but an exclusive bound (rate > 0) can be typed so the reason is shown
rather than the value silently changing.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from meetwatch.config import Config
from meetwatch.desktop.usage import MODE_HELP, mode_name

NOT_SET = "(not set)"
INT_LIMIT = 2**31 - 1
FLOAT_LIMIT = 1e9
_INVALID_STYLE = "border: 2px solid #d64541;"


def _bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    """The lowest and highest value a widget should allow (exclusive bounds included)."""
    low = high = None
    for m in info.metadata:
        for name in ("ge", "gt"):
            if getattr(m, name, None) is not None:
                low = getattr(m, name)
        for name in ("le", "lt"):
            if getattr(m, name, None) is not None:
                high = getattr(m, name)
    return low, high


def _optional(annotation: Any) -> tuple[Any, bool]:
    """(inner type, whether None is allowed) for `X | None`."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


class FieldEditor:
    """One field's widget, with how to read its value back into the config tree."""

    def __init__(self, key: str, info: FieldInfo, value: Any) -> None:
        self.key = key
        self.title = info.title or key.rsplit(".", 1)[-1]
        annotation, self.nullable = _optional(info.annotation)
        self.widget: QWidget
        self.editor: QWidget
        literal = typing.get_origin(annotation) is typing.Literal
        if literal or (annotation is bool and self.nullable):
            box = QComboBox()
            choices = typing.get_args(annotation) if annotation is not bool else (True, False)
            if self.nullable:  # an unanswered question must not read back as an answer
                box.addItem(NOT_SET, None)
            for choice in choices:
                box.addItem({True: "yes", False: "no"}.get(choice, str(choice)), choice)
            box.setCurrentIndex(max(0, box.findData(value)))
            self.editor = box
        elif annotation is bool:
            check = QCheckBox()
            check.setChecked(bool(value))
            self.editor = check
        elif annotation is int:
            spin = QSpinBox()
            low, high = _bounds(info)
            spin.setRange(
                int(low) if low is not None else -INT_LIMIT,
                int(high) if high is not None else INT_LIMIT,
            )
            spin.setValue(int(value))
            self.editor = spin
        elif annotation is float:
            dspin = QDoubleSpinBox()
            low, high = _bounds(info)
            dspin.setDecimals(3)
            dspin.setRange(
                float(low) if low is not None else -FLOAT_LIMIT,
                float(high) if high is not None else FLOAT_LIMIT,
            )
            dspin.setSingleStep(0.05 if high is not None and high <= 1 else 1.0)
            dspin.setValue(float(value))
            self.editor = dspin
        else:
            line = QLineEdit("" if value is None else str(value))
            if self.nullable:
                line.setPlaceholderText("(default)")
            self.editor = line
        self.editor.setObjectName(key)
        self.editor.setToolTip(info.description or "")
        self.widget = self._with_browse(self.editor) if annotation is Path else self.editor

    def _with_browse(self, line: QWidget) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(line)
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._browse)
        layout.addWidget(browse)
        return row

    def _browse(self) -> None:
        assert isinstance(self.editor, QLineEdit)
        folder = QFileDialog.getExistingDirectory(self.widget, self.title, self.editor.text())
        if folder:
            self.editor.setText(folder)

    def value(self) -> Any:
        e = self.editor
        if isinstance(e, QComboBox):
            return e.currentData()
        if isinstance(e, QCheckBox):
            return e.isChecked()
        if isinstance(e, QSpinBox | QDoubleSpinBox):
            return e.value()
        assert isinstance(e, QLineEdit)
        text = e.text().strip()
        return None if text == "" and self.nullable else text

    def set_value(self, value: Any) -> None:
        """For code that fills the form (and tests, which type like a person would)."""
        e = self.editor
        if isinstance(e, QComboBox):
            e.setCurrentIndex(e.findData(value))
        elif isinstance(e, QCheckBox):
            e.setChecked(bool(value))
        elif isinstance(e, QSpinBox | QDoubleSpinBox):
            e.setValue(value)
        else:
            assert isinstance(e, QLineEdit)
            e.setText("" if value is None else str(value))

    def on_change(self, callback: Callable[[], None]) -> None:
        e = self.editor
        if isinstance(e, QComboBox):
            e.currentIndexChanged.connect(callback)
        elif isinstance(e, QCheckBox):
            e.toggled.connect(callback)
        elif isinstance(e, QSpinBox | QDoubleSpinBox):
            e.valueChanged.connect(callback)
        else:
            assert isinstance(e, QLineEdit)
            e.textChanged.connect(callback)

    def mark(self, invalid: bool) -> None:
        self.editor.setStyleSheet(_INVALID_STYLE if invalid else "")


class SettingsDialog(QDialog):
    """Edit a Config; after `exec()` returns Accepted, `result_config` holds the valid result.

    `extra_actions` adds buttons to a tab ("Live feed": rotate the token), as (tab field,
    button text, callback).
    """

    def __init__(
        self,
        config: Config,
        parent: QWidget | None = None,
        extra_actions: list[tuple[str, str, Callable[[], None]]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settings")
        self.setWindowTitle("meetwatch settings")
        self.resize(640, 560)
        self.editors: dict[str, FieldEditor] = {}
        self._sections: dict[str, str] = {}  # key path of a nested model -> its title
        self.result_config: Config | None = config
        self.mode_text = QLabel()  # the privacy tab says which mode is in use and what it does
        self.mode_text.setObjectName("privacy-mode")
        self.mode_text.setWordWrap(True)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        for name, info in Config.model_fields.items():
            self._sections[name] = info.title or name
            page = QWidget()
            page_layout = QVBoxLayout(page)
            if name == "privacy":
                page_layout.addWidget(self.mode_text)
            page_layout.addWidget(
                self._form(name, type(getattr(config, name)), getattr(config, name))
            )
            for tab, text, callback in extra_actions or []:
                if tab == name:
                    button = QPushButton(text)
                    button.setObjectName(f"action:{text}")
                    button.clicked.connect(callback)
                    page_layout.addWidget(button)
            page_layout.addStretch(1)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(page)
            self.tabs.addTab(scroll, info.title or name)
            self.tabs.setTabToolTip(self.tabs.count() - 1, info.description or "")
        layout.addWidget(self.tabs)
        self.errors = QLabel()
        self.errors.setObjectName("errors")
        self.errors.setWordWrap(True)
        self.errors.setStyleSheet("color: #b3261e;")
        layout.addWidget(self.errors)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for editor in self.editors.values():
            editor.on_change(self._revalidate)
        self.validate()

    def _form(self, prefix: str, model: type[BaseModel], value: BaseModel) -> QWidget:
        box = QGroupBox()
        form = QFormLayout(box)
        for name, info in model.model_fields.items():
            key = f"{prefix}.{name}"
            current = getattr(value, name)
            if isinstance(current, BaseModel):
                self._sections[key] = info.title or name
                group = self._form(key, type(current), current)
                assert isinstance(group, QGroupBox)
                group.setTitle(info.title or name)
                group.setToolTip(info.description or "")
                form.addRow(group)
                continue
            editor = FieldEditor(key, info, current)
            self.editors[key] = editor
            label = QLabel(info.title or name)
            label.setToolTip(info.description or "")
            label.setBuddy(editor.editor)
            form.addRow(label, editor.widget)
            if info.description:
                hint = QLabel(info.description)
                hint.setWordWrap(True)
                hint.setStyleSheet("color: #666; font-size: small;")
                form.addRow("", hint)
        return box

    def raw(self) -> dict[str, Any]:
        """The form as a nested dict, exactly as typed (not yet validated)."""
        tree: dict[str, Any] = {}
        for key, editor in self.editors.items():
            *path, leaf = key.split(".")
            node = tree
            for part in path:
                node = node.setdefault(part, {})
            node[leaf] = editor.value()
        return tree

    def validate(self) -> Config | None:
        """Check the whole form; show the reasons and return None when it is invalid."""
        for editor in self.editors.values():
            editor.mark(False)
        try:
            config = Config.model_validate(self.raw())
        except ValidationError as exc:
            self.errors.setText("\n".join(self._explain(err) for err in exc.errors()))
            self._set_savable(False)
            self.result_config = None
            return None
        self.errors.setText("")
        self._set_savable(True)
        self.result_config = config
        self.mode_text.setText(_mode_text(config))
        return config

    def _revalidate(self) -> None:
        self.validate()

    def _explain(self, err: Any) -> str:
        key = ".".join(str(p) for p in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        editor = self.editors.get(key)
        if editor is not None:
            editor.mark(True)
            return f"{editor.title} ({key}): {message}"
        for k, e in self.editors.items():  # a rule across fields: mark all of its section
            if k.startswith(key + ".") and k.rsplit(".", 1)[-1] in message:
                e.mark(True)
        return f"{self._sections.get(key, key)}: {message}"

    def _set_savable(self, ok: bool) -> None:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        if button is not None:
            button.setEnabled(ok)

    def accept(self) -> None:
        if self.validate() is not None:
            super().accept()


def _mode_text(config: Config) -> str:
    """The privacy mode in use, then what every mode does, so the choice is an informed one."""
    modes = "\n".join(f"- {text}" for text in MODE_HELP.values())
    return f"Mode in use: {mode_name(config)}.\n{modes}"
