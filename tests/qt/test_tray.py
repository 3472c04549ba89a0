"""The tray app offscreen, on the real core watching the demo gallery: the menu in each state,
the consent flow, a session from start to the store, aggregate-only mode end to end
(overlay and websocket feed), paused/error states, and the control-window fallback."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PyQt6.QtWidgets import QApplication, QCheckBox, QDialog

from meetwatch.config import load_config
from meetwatch.outputs.feed.protocol import ALL_EVENTS
from meetwatch.outputs.feed.token import load_or_create_token
from meetwatch.qt.tray import TrayApp
from meetwatch.qt.ws_client import Backoff, FeedClient
from meetwatch.runtime.events import Event
from meetwatch.session.store import SessionStore
from meetwatch.shared import StageStatus
from tests.qt.feed import wait_until
from tests.qt.tray_support import Home, running_tray, use_home


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    return use_home(tmp_path, monkeypatch)


def menu_texts(tray: TrayApp) -> dict[str, tuple[str, bool, bool | None]]:
    """What a person sees when the menu opens: key -> (text, enabled, checked)."""
    tray.menu.aboutToShow.emit()
    return {
        a.objectName(): (a.text(), a.isEnabled(), a.isChecked() if a.isCheckable() else None)
        for a in tray.menu.actions()
        if not a.isSeparator()
    }


def trigger(tray: TrayApp, key: str) -> None:
    tray.menu.aboutToShow.emit()
    [action] = [a for a in tray.menu.actions() if a.objectName() == key]
    assert action.isEnabled(), f"{key} is disabled"
    action.trigger()


def accept_consent(qapp: QApplication, tray: TrayApp, aggregate_only: bool | None = None) -> None:
    dialog = tray.consent_dialog
    assert dialog is not None and dialog.isVisible()
    if aggregate_only is not None:
        dialog.aggregate_box.setChecked(aggregate_only)
    assert dialog.accept_button is not None
    dialog.accept_button.click()
    qapp.processEvents()


def test_idle_menu_offers_start_and_has_no_report_yet(qapp: QApplication, home: Home) -> None:
    with running_tray(home) as tray:
        menu = menu_texts(tray)
        assert list(menu) == [
            "status",
            "start",
            "pick",
            "overlay",
            "aggregate",
            "attention",
            "report",
            "notice",
            "settings",
            "log",
            "autostart",
            "quit",
        ]
        status = "meetwatch: idle - will watch the demo gallery (emotion on, individual)"
        assert menu["status"] == (status, False, None)
        assert menu["start"][:2] == ("Start session", True)
        assert menu["report"][:2] == ("Open last report", False)
        assert menu["aggregate"][2] is False
        assert menu["autostart"][2] is False
        assert menu["overlay"][0] == "Show overlay"
        assert tray.tray is not None and tray.controller.state == "idle"
        assert "idle" in tray.tray.toolTip()


def test_session_from_consent_to_store(qapp: QApplication, home: Home) -> None:
    with running_tray(home) as tray:
        trigger(tray, "start")
        dialog = tray.consent_dialog
        assert dialog is not None
        notice = dialog.notice.text()
        assert "stored on this computer only" in notice and "No face images" in notice
        assert "Participant 1" in notice  # names are off by default
        dialog.copy_button.click()
        clipboard = qapp.clipboard()
        assert clipboard is not None
        assert clipboard.text() == dialog.participant_text.toPlainText()
        assert "runs on my computer only" in clipboard.text()
        accept_consent(qapp, tray)

        assert tray.controller.running and tray.controller.state == "watching"
        menu = menu_texts(tray)
        assert "start" not in menu and menu["stop"][:2] == ("Stop session", True)
        assert menu["status"][0].startswith("meetwatch: recording")
        assert tray.tray is not None and "recording" in tray.tray.toolTip()
        trigger(tray, "overlay")
        assert tray.overlay.isVisible() and menu_texts(tray)["overlay"][0] == "Hide overlay"
        wait_until(qapp, lambda: tray.overlay.gauge_text() != "–", timeout=60)
        wait_until(qapp, lambda: len(tray.overlay.view().grid.tiles) >= 4)
        session_id = tray.controller.app.session.session_id  # type: ignore[union-attr]
        assert menu_texts(tray)["section"][:2] == ("Mark section 1", True)
        trigger(tray, "section")
        assert menu_texts(tray)["section"][0] == "Mark section 2"

        trigger(tray, "stop")
        assert not tray.controller.running and tray.controller.state == "idle"
        menu = menu_texts(tray)
        assert menu["start"][1] and menu["report"][1]
        report = tray.controller.last_report()
        assert report.suffix == ".html" and report.stat().st_size > 1000
        assert tray.controller.last_report() == report  # built once, then reused
        store_path = tray.controller.app.store.path  # type: ignore[union-attr]
    with SessionStore.open(store_path) as store:
        record = store.get_session(session_id)
        assert record.info.ended_at is not None
        assert record.info.privacy_mode == "individual"
        assert len(store.participants(session_id)) >= 4
        assert len(store.room_table(session_id)) > 0
        assert [e.payload["title"] for e in store.events(session_id, "section")] == ["Section 1"]


def test_cancelled_consent_starts_nothing(qapp: QApplication, home: Home) -> None:
    with running_tray(home) as tray:
        trigger(tray, "start")
        dialog = tray.consent_dialog
        assert dialog is not None
        dialog.reject()
        qapp.processEvents()
        assert not tray.controller.running and tray.consent_dialog is None
        assert tray.controller.app.store is not None
        assert tray.controller.app.store.list_sessions() == []


def test_aggregate_only_keeps_individuals_out_of_overlay_and_feed(
    qapp: QApplication, home: Home
) -> None:
    with running_tray(home) as tray:
        feed = tray.controller.app.feed
        assert feed is not None
        messages: list[object] = []
        client = FeedClient(
            feed.url(),
            load_or_create_token(home.config_dir),
            subscriptions=ALL_EVENTS,  # FaceSignals included: the server must still send none
            backoff=Backoff(0.1, 0.3),
        )
        connected: list[bool] = []
        client.connection.connect(lambda ok, _status: connected.append(ok))
        client.message.connect(messages.append)
        client.start()
        try:
            wait_until(qapp, lambda: any(connected))
            trigger(tray, "start")
            accept_consent(qapp, tray, aggregate_only=True)  # the switch in the notice
            assert tray.controller.aggregate_only
            assert load_config(home.config_path).privacy.mode == "aggregate_only"
            assert menu_texts(tray)["aggregate"][2] is True
            # the same feed goes on in the new mode (no reconnect): collect a few seconds
            assert tray.controller.app.feed is feed
            wait_until(qapp, lambda: tray.overlay.gauge_text() != "–", timeout=60)
            kinds = lambda: [m.d.eventType for m in messages if hasattr(m.d, "eventType")]  # noqa: E731
            wait_until(qapp, lambda: kinds().count("EngagementUpdated") >= 2, timeout=60)
        finally:
            client.stop()
        assert "FaceSignals" not in kinds()
        for m in messages:
            data = getattr(m.d, "eventData", None)
            assert getattr(data, "participants", []) == []
            assert getattr(data, "participant_id", None) is None
        room = [
            m.d.eventData for m in messages if getattr(m.d, "eventType", "") == "EngagementUpdated"
        ]
        assert all(r.participants_total >= 4 for r in room)  # the room is still measured
        assert tray.overlay.view().grid.tiles == []
        session = tray.controller.app.session
        assert session is not None and session.privacy_mode == "aggregate_only"
        trigger(tray, "aggregate")  # one click back to individual figures
        assert not tray.controller.aggregate_only
        assert load_config(home.config_path).privacy.mode == "individual"


def test_paused_and_error_states_show_in_icon_and_notifications(
    qapp: QApplication, home: Home
) -> None:
    with running_tray(home) as tray:
        trigger(tray, "start")
        accept_consent(qapp, tray)
        states: list[str] = []
        tray.state_changed.connect(states.append)
        bus = tray.controller.app.bus

        def publish(status: StageStatus) -> None:  # from a core thread, as the pipeline does
            thread = threading.Thread(
                target=bus.publish, args=(Event("StageStatusChanged", status, time.time()),)
            )
            thread.start()
            thread.join()

        publish(StageStatus(stage="capture", state="degraded", message="meeting window hidden"))
        wait_until(qapp, lambda: tray.controller.state == "paused")
        assert tray.notifications[-1] == ("Paused", "capture: meeting window hidden")
        publish(StageStatus(stage="capture", state="running"))
        wait_until(qapp, lambda: tray.controller.state == "watching")
        publish(StageStatus(stage="analysis", state="error", message="model missing"))
        wait_until(qapp, lambda: tray.controller.state == "error")
        assert tray.notifications[-1] == ("Error", "analysis: model missing")
        assert states == ["paused", "watching", "error"]
        assert "model missing" in menu_texts(tray)["status"][0]
        trigger(tray, "stop")
        assert tray.controller.state == "idle"


def test_control_window_offers_the_same_actions_without_a_tray(
    qapp: QApplication, home: Home
) -> None:
    with running_tray(home, use_tray=False) as tray:
        window = tray.window
        assert tray.tray is None and window is not None and window.isVisible()
        expected = [k for k in menu_texts(tray) if k != "status"]
        assert list(window.buttons) == expected
        assert window.indicator.text() == "Not recording"
        aggregate = window.buttons["aggregate"]
        assert isinstance(aggregate, QCheckBox) and not aggregate.isChecked()
        aggregate.click()
        assert tray.controller.aggregate_only
        assert window.buttons["aggregate"].isChecked()  # rebuilt from the new state
        window.buttons["start"].click()
        accept_consent(qapp, tray)
        assert "Recording" in window.indicator.text()
        assert "stop" in window.buttons and "start" not in window.buttons
        window.buttons["stop"].click()
        assert window.indicator.text() == "Not recording"


def test_errors_a_person_causes_become_notifications(qapp: QApplication, home: Home) -> None:
    with running_tray(home) as tray:
        report = next(e for e in tray.entries() if e.key == "report")
        assert report.run is not None
        report.run()  # disabled in the menu; run anyway, it must not crash
        assert tray.notifications[-1] == ("Error", "no session has been recorded yet")


def test_settings_from_the_menu_apply_per_section(qapp: QApplication, home: Home) -> None:
    with running_tray(home) as tray:
        old_app = tray.controller.app
        trigger(tray, "start")
        accept_consent(qapp, tray)
        session = tray.controller.session
        trigger(tray, "settings")
        dialog = tray.settings_dialog
        assert dialog is not None
        dialog.editors["capture.rate_hz"].set_value(2.0)
        dialog.editors["overlay.compact"].set_value(True)
        dialog.accept()
        qapp.processEvents()
        # the overlay at once; the rate from the next session: the running one goes on
        assert tray.controller.app is old_app and tray.controller.session == session
        assert tray.controller.app.config.capture.rate_hz == 2.0
        trigger(tray, "stop")
        trigger(tray, "start")
        accept_consent(qapp, tray)
        assert tray.controller.session is not None
        assert tray.controller.session.analysis_rate == 2.0
        assert tray.overlay.compact
        assert load_config(home.config_path) == tray.controller.config
        assert dialog.result() == QDialog.DialogCode.Accepted


def test_settings_the_core_cannot_use_are_rolled_back(qapp: QApplication, home: Home) -> None:
    blocker = home.root / "not-a-folder"
    blocker.write_text("")
    with running_tray(home) as tray:
        before = tray.controller.config
        store = tray.controller.app.store
        assert store is not None
        tray.open_settings()
        dialog = tray.settings_dialog
        assert dialog is not None
        dialog.editors["store.data_dir"].set_value(str(blocker / "sessions"))
        dialog.accept()
        qapp.processEvents()
        title, message = tray.notifications[-1]
        assert title == "Error" and str(blocker) in message
        assert tray.controller.config == before and not home.config_path.exists()
        assert tray.controller.app.store is not None
        assert tray.controller.app.store.path == store.path  # still recording where it was
        trigger(tray, "start")
        accept_consent(qapp, tray)
        assert tray.controller.running
