"""meetwatch's own windows open beside the captured meeting window, never over it."""

from __future__ import annotations

import pytest
from PyQt6.QtWidgets import QApplication

from meetwatch.config import Config
from meetwatch.geometry import Rect
from meetwatch.qt.consent import ConsentDialog
from meetwatch.qt.placement import clear_spot, place_clear_of

SCREEN = Rect(0, 0, 1920, 1080)
SECOND = Rect(1920, 0, 1280, 1024)


@pytest.mark.parametrize(
    ("avoid", "screens", "want"),
    [
        (Rect(0, 0, 1280, 720), [SCREEN], (1292, 0)),  # beside it, on the right
        (Rect(600, 100, 1320, 900), [SCREEN], (76, 100)),  # on the left
        (Rect(0, 0, 1920, 700), [SCREEN], (0, 712)),  # below
        (Rect(0, 0, 1920, 1080), [SCREEN, SECOND], (1932, 0)),  # full screen: the next screen
    ],
)
def test_clear_spot_avoids_the_captured_window(
    avoid: Rect, screens: list[Rect], want: tuple[int, int]
) -> None:
    spot = clear_spot((512, 350), avoid, screens)
    assert spot == want
    assert Rect(*spot, 512, 350).intersection(avoid) == 0


def test_nowhere_free_means_least_covered_and_still_on_screen() -> None:
    x, y = clear_spot((512, 350), Rect(10, 10, 1900, 1060), [SCREEN])
    assert SCREEN.intersection(Rect(x, y, 512, 350)) == 512 * 350


def test_consent_dialog_moves_off_the_meeting_window(qapp: QApplication) -> None:
    dialog = ConsentDialog(Config(), first_run=False)
    dialog.open()
    qapp.processEvents()
    meeting = Rect(0, 0, 250, 800)  # the offscreen platform's screen is 800x800
    g = dialog.frameGeometry()
    assert Rect(g.x(), g.y(), g.width(), g.height()).intersection(meeting) > 0
    place_clear_of(dialog, meeting)
    qapp.processEvents()
    g = dialog.frameGeometry()
    assert Rect(g.x(), g.y(), g.width(), g.height()).intersection(meeting) == 0
    dialog.reject()
