"""Where meetwatch is used -> the mode; what the notices and the live views say about it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from meetwatch.analysis.signals import FaceSignals
from meetwatch.config import Config, load_config
from meetwatch.config.models import PrivacyConfig
from meetwatch.desktop.notice import participant_notice, presenter_notice
from meetwatch.desktop.usage import (
    UsedIn,
    answered,
    ask,
    attention_only_for,
    mode_help,
    mode_name,
    with_answer,
)
from meetwatch.outputs.feed.protocol import FaceSignalsData
from meetwatch.outputs.live.overlay_state import OverlayState
from meetwatch.shared import EMOTIONS
from tests.unit.outputs import scene

ATTENTION_ONLY = Config(privacy=PrivacyConfig(attention_only=True))


@pytest.mark.parametrize(
    ("used_in", "in_eu", "attention_only"),
    [
        ("education", True, True),
        ("workplace", True, True),
        ("other", True, False),
        ("education", False, False),
        ("workplace", False, False),
        ("other", False, False),
    ],
)
def test_the_answer_sets_the_lawful_default(
    used_in: UsedIn, in_eu: bool, attention_only: bool
) -> None:
    assert attention_only_for(used_in, in_eu) is attention_only
    config = with_answer(Config(), used_in, in_eu)
    assert config.privacy.attention_only is attention_only and answered(config)


def test_a_mode_chosen_in_the_file_counts_as_an_answer(tmp_path: Path) -> None:
    assert not answered(Config())
    assert not answered(Config(privacy=PrivacyConfig(used_in="education")))  # half an answer
    path = tmp_path / "config.toml"
    path.write_text("[privacy]\nattention_only = false\n")
    assert answered(load_config(path))  # explicitly emotion on: nothing left to ask


def test_terminal_questions_repeat_until_answered_and_stop_at_end_of_input() -> None:
    shown: list[str] = []
    replies = iter(["9\n", "2\n", "maybe\n", "no\n"])
    assert ask(lambda: next(replies), shown.append) == ("workplace", False)
    assert sum("please answer" in s for s in shown) == 2
    assert ask(lambda: "", shown.append) is None  # Ctrl-D or a closed stdin: no answer


def test_notices_and_mode_texts_state_the_mode() -> None:
    assert mode_name(ATTENTION_ONLY) == "attention-only, individual"
    assert mode_name(Config()) == "emotion on, individual"
    assert "not even loaded" in mode_help(ATTENTION_ONLY)
    chat = participant_notice(ATTENTION_ONLY)
    assert "Mode: attention only - your emotions are not analysed." in chat
    assert "facial expression" not in chat
    assert "Mode: emotion estimates on." in participant_notice(Config())
    assert "Attention-only mode is ON" in presenter_notice(ATTENTION_ONLY)
    aggregate = Config(privacy=PrivacyConfig(mode="aggregate_only", min_faces=7))
    assert "fewer than 7 faces" in participant_notice(aggregate)


def test_live_views_say_attention_only_and_why_figures_are_withheld() -> None:
    state = OverlayState()
    room = scene.room().model_copy(update={"attention_only": True, "emotion_mix": {}})
    state.apply_event("EngagementUpdated", room, 100.0)
    assert state.attention_only and state.withheld is None
    withheld = room.model_copy(
        update={"min_faces": 5, "participants_with_face": 3, "engagement": None}
    )
    state.apply_event("EngagementUpdated", withheld, 101.0)
    assert state.view(101.0).faces == "room figures from 5 faces (3 visible)"


def test_unread_faces_carry_no_emotion_on_the_wire() -> None:
    """NaN rows (attention-only mode, or a face too small to read) become null, never NaN,
    which browsers' JSON.parse would reject."""
    signals = scene.signals()
    emotion = signals.emotion.copy()
    emotion[0] = np.nan
    valence = signals.valence.copy()
    valence[0] = np.nan
    arousal = signals.arousal.copy()
    arousal[0] = np.nan
    unread = FaceSignals(
        **{**vars(signals), "emotion": emotion, "valence": valence, "arousal": arousal}
    )
    data = FaceSignalsData.from_signals(unread)
    first, second = data.faces[0], data.faces[1]
    assert first.emotion is first.valence is first.arousal is None
    assert second.emotion is not None and set(second.emotion) == set(EMOTIONS)
    assert "NaN" not in data.model_dump_json()
    json.loads(data.model_dump_json())
