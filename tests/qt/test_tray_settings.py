"""The settings dialog generated from the config models: every field present with its title
and bounds, valid edits saved and read back, invalid ones refused with pydantic's reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from PyQt6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QDoubleSpinBox,
    QLabel,
    QPushButton,
    QSpinBox,
)

from meetwatch.config import Config, load_config
from meetwatch.desktop.settings_file import save_config
from meetwatch.qt.settings_dialog import SettingsDialog


def leaf_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        default = info.get_default(call_default_factory=True)
        if isinstance(default, BaseModel):
            keys += leaf_keys(type(default), key + ".")
        else:
            keys.append(key)
    return keys


def save_button(dialog: SettingsDialog) -> Any:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert button is not None
    return button


@pytest.fixture
def dialog(qapp: QApplication) -> SettingsDialog:
    d = SettingsDialog(Config())
    d.show()
    return d


def test_every_config_field_has_an_editor_with_its_title(dialog: SettingsDialog) -> None:
    assert list(dialog.editors) == leaf_keys(Config)
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    for key in ("capture.rate_hz", "aggregation.alerts.low_attention.threshold", "store.data_dir"):
        assert dialog.editors[key].title in labels
    tabs = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert tabs == [info.title for info in Config.model_fields.values()]
    port = dialog.editors["server.port"].editor
    assert isinstance(port, QSpinBox) and (port.minimum(), port.maximum()) == (1024, 65535)
    rate = dialog.editors["capture.rate_hz"].editor
    assert isinstance(rate, QDoubleSpinBox) and rate.maximum() == 60
    assert "analysed per second" in rate.toolTip()
    assert dialog.validate() == Config()
    assert save_button(dialog).isEnabled()


def test_valid_edits_are_saved_and_read_back(dialog: SettingsDialog, tmp_path: Path) -> None:
    edits = {
        "capture.rate_hz": 2.5,
        "server.port": 9001,
        "privacy.mode": "aggregate_only",
        "aggregation.alerts.participant_away.enabled": True,
        "store.retention_days": 30,
        "store.data_dir": str(tmp_path / "sessions"),
        "overlay.corner": "bottom-left",
    }
    for key, value in edits.items():
        dialog.editors[key].set_value(value)
    config = dialog.validate()
    assert config is not None and dialog.errors.text() == ""
    assert config.capture.rate_hz == 2.5 and config.server.port == 9001
    assert config.store.data_dir == tmp_path / "sessions"
    assert config.overlay.corner == "bottom-left"
    dialog.accept()
    assert dialog.result_config == config
    path = save_config(config, tmp_path / "config.toml")
    assert load_config(path) == config
    text = path.read_text()
    assert "rate_hz = 2.5" in text and "analysis" not in text  # only what differs


@pytest.mark.parametrize(
    ("edits", "key", "reason"),
    [
        ({"capture.rate_hz": 0.0}, "capture.rate_hz", "greater than 0"),
        ({"aggregation.smoothing_seconds": 0.0}, "aggregation.smoothing_seconds", "greater than 0"),
        (
            {"aggregation.attention_weight": 0.5},
            "aggregation.attention_weight",
            "must add up to 1 (they add up to 0.9)",
        ),
    ],
)
def test_invalid_values_are_refused_with_the_reason(
    dialog: SettingsDialog, edits: dict[str, float], key: str, reason: str
) -> None:
    for k, value in edits.items():
        dialog.editors[k].set_value(value)
    assert dialog.validate() is None
    assert reason in dialog.errors.text() and dialog.errors.isVisible()
    assert not save_button(dialog).isEnabled()
    assert "border" in dialog.editors[key].editor.styleSheet()  # the field at fault is marked
    dialog.accept()  # pressing Enter anyway keeps the dialog open
    assert dialog.isVisible() and dialog.result_config is None
    for k in edits:  # fixing it clears the reason and enables Save again
        dialog.editors[k].set_value(Config().model_dump()[k.split(".")[0]][k.split(".")[1]])
    assert dialog.validate() == Config()
    assert dialog.errors.text() == "" and save_button(dialog).isEnabled()
    assert dialog.editors[key].editor.styleSheet() == ""


def test_text_fields_are_validated_too(dialog: SettingsDialog) -> None:
    dialog.editors["capture.window"].set_value("Zoom Meeting")
    config = dialog.validate()
    assert config is not None and config.capture.window == "Zoom Meeting"
    dialog.editors["capture.window"].set_value("")
    config = dialog.validate()
    assert config is not None and config.capture.window is None  # empty means "not set"


def test_extra_actions_appear_on_their_tab(qapp: QApplication) -> None:
    pressed: list[str] = []
    dialog = SettingsDialog(
        Config(), extra_actions=[("server", "Rotate feed token", lambda: pressed.append("x"))]
    )
    [button] = [
        b for b in dialog.findChildren(QPushButton) if b.objectName() == "action:Rotate feed token"
    ]
    button.click()
    assert pressed == ["x"]


def test_refusal_is_visible_to_a_person(dialog: SettingsDialog, artifacts_dir: Path) -> None:
    """The reason is on screen, not only in a tooltip: look at the saved picture."""
    dialog.resize(700, 720)
    dialog.tabs.setCurrentIndex(list(Config.model_fields).index("aggregation"))
    dialog.editors["aggregation.attention_weight"].set_value(0.5)
    dialog.validate()
    image = dialog.grab().toImage()
    assert image.save(str(artifacts_dir / "tray_settings_invalid.png"))
    label = dialog.errors
    assert label.isVisible() and label.height() > 0 and "add up to 1" in label.text()
