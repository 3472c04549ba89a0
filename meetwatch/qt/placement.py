"""Keep meetwatch's own windows off the meeting window it captures.

Screen capture copies whatever is on top, so a consent dialog, the window picker or the
overlay opened over the meeting would be analysed as part of the gallery (it hides tiles and
its text and pictures read as content). Each is moved beside the captured window on the same
screen when there is room, else onto another screen, else to the spot that hides least of it.
"""

from __future__ import annotations

import logging

from PyQt6.QtWidgets import QWidget

from meetwatch.capture.windows import find_windows, list_windows
from meetwatch.errors import MeetwatchError
from meetwatch.geometry import Rect
from meetwatch.qt import application

log = logging.getLogger(__name__)

MARGIN = 12  # px between meetwatch's window and the captured one


def watched_rect(title: str | None) -> Rect | None:
    """Where the window a session watches (or would watch) is: the window whose title
    matches, or the first meeting window when no title is set; None when none is open."""
    try:
        windows = [w for w in list_windows() if w.visible]
    except MeetwatchError as exc:  # no window list on this desktop: nothing to avoid
        log.debug("cannot list windows: %s", exc)
        return None
    found = find_windows(windows, title) if title else [w for w in windows if w.meeting_app]
    return found[0].rect if found else None


def clear_spot(size: tuple[int, int], avoid: Rect, screens: list[Rect]) -> tuple[int, int]:
    """Top-left corner for a window of `size` that overlaps `avoid` least: beside it (right,
    left, below, above) on its own screen first, then the centre of another screen."""
    w, h = size
    candidates: list[tuple[int, int]] = []
    ordered = sorted(screens, key=lambda s: -s.intersection(avoid))  # the captured one first
    for s in ordered:
        cy = min(max(avoid.y, s.y), s.y + s.h - h)
        cx = min(max(avoid.x, s.x), s.x + s.w - w)
        candidates += [
            (avoid.x + avoid.w + MARGIN, cy),
            (avoid.x - MARGIN - w, cy),
            (cx, avoid.y + avoid.h + MARGIN),
            (cx, avoid.y - MARGIN - h),
            (s.x + (s.w - w) // 2, s.y + (s.h - h) // 2),
        ]

    def inside(x: int, y: int) -> bool:
        return any(s.intersection(Rect(x, y, w, h)) == w * h for s in screens)

    def fitted(x: int, y: int) -> tuple[int, int]:
        s = max(screens, key=lambda s: s.intersection(Rect(x, y, w, h)))
        return min(max(x, s.x), s.x + s.w - w), min(max(y, s.y), s.y + s.h - h)

    spots = [p for p in candidates if inside(*p)] or [fitted(*p) for p in candidates]
    return min(spots, key=lambda p: Rect(p[0], p[1], w, h).intersection(avoid))


def place_clear_of(widget: QWidget, avoid: Rect | None) -> None:
    """Move a shown (or about to be shown) top-level widget off `avoid`."""
    if avoid is None:
        return
    screens = [
        Rect(g.x(), g.y(), g.width(), g.height())
        for g in (s.availableGeometry() for s in application().screens())
    ]
    if not screens:
        return
    frame = widget.frameGeometry()
    hint = widget.sizeHint()
    size = (max(frame.width(), hint.width()), max(frame.height(), hint.height()))
    if not Rect(frame.x(), frame.y(), *size).intersection(avoid):
        return  # already clear: leave it where the user (or the window manager) put it
    widget.move(*clear_spot(size, avoid, screens))
