"""The tray's privacy modes, offscreen: the first-run dialog asks where meetwatch is used,
the attention-only toggle runs the demo session without the emotion model, the settings say
which mode is in use and what each does, and the overlay says when emotion is not analysed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QApplication, QComboBox

from meetwatch.assets import models_dir
from meetwatch.config import Config, load_config
from meetwatch.config.models import PrivacyConfig
from meetwatch.desktop.usage import MODE_HELP, USES
from meetwatch.geometry import Rect
from meetwatch.outputs.live import palette
from meetwatch.qt.consent import ConsentDialog
from meetwatch.qt.overlay import OverlayWidget
from meetwatch.qt.settings_dialog import NOT_SET, SettingsDialog
from meetwatch.qt.tray import _first_run
from tests.qt.feed import wait_until
from tests.qt.test_tray import accept_consent, menu_texts, trigger
from tests.qt.tray_support import Home, running_tray, use_home
from tests.unit.outputs import scene


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    return use_home(tmp_path, monkeypatch)


def _answer(used_in: str, in_eu: bool, seen: list[bool]) -> None:
    """Answer the first-run dialog like a person; `seen` gets the attention-only box's state
    after the answer (what the dialog proposes)."""

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ConsentDialog):
            QTimer.singleShot(20, act)
            return
        assert dialog.used_in_box is not None and dialog.eu_box is not None
        dialog.used_in_box.setCurrentIndex(USES.index(used_in))
        dialog.eu_box.setChecked(in_eu)
        seen.append(dialog.attention_box.isChecked())
        dialog.accept()

    QTimer.singleShot(20, act)


def test_first_run_asks_where_meetwatch_is_used_and_sets_the_mode(
    qapp: QApplication, home: Home
) -> None:
    seen: list[bool] = []
    _answer("workplace", True, seen)
    config = _first_run(Config(), None)
    assert seen == [True]  # an EU workplace: attention only, proposed before accepting
    assert config is not None
    saved = load_config(home.config_path).privacy
    assert (saved.used_in, saved.in_eu, saved.attention_only) == ("workplace", True, True)
    assert config.privacy == saved

    (home.config_dir / "consent.json").unlink()  # a fresh install, used elsewhere
    _answer("other", True, seen)
    config = _first_run(Config(), None)
    assert seen[-1] is False and config is not None and not config.privacy.attention_only


def test_attention_only_toggle_runs_without_the_emotion_model(
    qapp: QApplication, home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = home.root / "models"
    shutil.copytree(models_dir(), models, ignore=shutil.ignore_patterns("*.png", "*.txt"))
    (models / "emotion.onnx").unlink()  # loading it would fail the session start
    monkeypatch.setenv("MEETWATCH_MODELS", str(models))
    with running_tray(home) as tray:
        trigger(tray, "attention")
        assert tray.controller.attention_only and menu_texts(tray)["attention"][2] is True
        assert load_config(home.config_path).privacy.attention_only
        assert "attention-only" in tray.controller.status_text()
        trigger(tray, "start")
        dialog = tray.consent_dialog
        assert dialog is not None and dialog.attention_box.isChecked()
        assert "Mode: attention only" in dialog.participant_text.toPlainText()
        accept_consent(qapp, tray)
        session = tray.controller.app.session
        assert session is not None and session.attention_only
        wait_until(qapp, lambda: tray.overlay.gauge_text() != "–", timeout=60)
        assert tray.overlay.state.attention_only and tray.overlay.view().emotion.segments == []
        trigger(tray, "attention")  # one click back
        assert not load_config(home.config_path).privacy.attention_only


def test_settings_show_the_mode_and_keep_unanswered_questions_unanswered(
    qapp: QApplication,
) -> None:
    config = Config(privacy=PrivacyConfig(attention_only=True))
    dialog = SettingsDialog(config)
    text = dialog.mode_text.text()
    assert text.startswith("Mode in use: attention-only, individual.")
    assert all(help_text in text for help_text in MODE_HELP.values())
    for key in ("privacy.used_in", "privacy.in_eu"):
        combo = dialog.editors[key].editor
        assert isinstance(combo, QComboBox) and combo.currentText() == NOT_SET
    assert dialog.validate() == config  # saving unchanged settings answers nothing
    dialog.editors["privacy.attention_only"].set_value(False)
    assert dialog.mode_text.text().startswith("Mode in use: emotion on, individual.")


def _emotion_bar_colours(image: QImage, r: Rect) -> tuple[int, int]:
    """(pixels in an emotion colour, pixels of text) inside the overlay's emotion-bar row."""
    emotion = set(palette.EMOTION_COLORS.values())
    coloured = text = 0
    for y in range(r.y, r.y + r.h):
        for x in range(r.x, r.x + r.w):
            c = image.pixelColor(x, y)
            rgb = (c.red(), c.green(), c.blue())
            coloured += rgb in emotion
            text += c.red() > 90 and max(rgb) - min(rgb) < 20  # grey text on the dark plate
    return coloured, text


def test_qt_overlay_says_attention_only_instead_of_an_emotion_bar(
    qapp: QApplication, artifacts_dir: Path
) -> None:
    widget = OverlayWidget(clock=lambda: 100.0)
    try:
        widget.on_connection(True, "connected")
        bar, caption = widget.layout_spec.emotions, widget.layout_spec.emotion_caption
        assert bar is not None and caption is not None
        widget.state.apply_event("EngagementUpdated", scene.room(), 100.0)
        with_emotion = _emotion_bar_colours(widget.grab().toImage(), bar)
        room = scene.room().model_copy(update={"attention_only": True, "emotion_mix": {}})
        widget.state.apply_event("EngagementUpdated", room, 100.0)
        shot = widget.grab()
        shot.save(str(artifacts_dir / "overlay_attention_only.png"))
        without = _emotion_bar_colours(shot.toImage(), bar)
        words = _emotion_bar_colours(shot.toImage(), caption)
    finally:
        widget.close()
    assert with_emotion[0] > 100 and without[0] == 0
    assert words[1] > 30 and "attention only: emotion not analysed" in widget.drawn
