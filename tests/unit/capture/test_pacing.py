import threading

import numpy as np
import pytest

from meetwatch.capture import ImageSource, Pacer, iter_frames
from meetwatch.errors import CaptureError
from meetwatch.runtime.clock import ManualClock


def _pacer(rate: float, clock: ManualClock, slept: list[float]) -> Pacer:
    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    return Pacer(rate, clock=clock, sleep=sleep)


def test_ticks_stay_on_the_grid_whatever_the_work_costs() -> None:
    clock, slept = ManualClock(100.0), list[float]()
    pacer = _pacer(2.0, clock, slept)
    ticks = []
    for work in [0.1, 0.3, 0.05, 0.49, 0.2]:
        ticks.append(pacer.wait())
        clock.advance(work)
    assert ticks == pytest.approx([100.0, 100.5, 101.0, 101.5, 102.0])
    assert pacer.skipped == 0
    assert slept == pytest.approx([0.4, 0.2, 0.45, 0.01])


def test_overrun_skips_missed_ticks_instead_of_bursting() -> None:
    clock, slept = ManualClock(0.0), list[float]()
    pacer = _pacer(1.0, clock, slept)
    assert pacer.wait() == 0.0
    clock.advance(3.4)  # a grab that hung for 3.4 s
    assert pacer.wait() == pytest.approx(3.0)  # late tick taken at once, no sleep
    assert pacer.skipped == 2
    assert slept == []
    assert pacer.wait() == pytest.approx(4.0)
    assert slept == pytest.approx([0.6])


def test_an_early_wakeup_keeps_the_next_target() -> None:
    clock = ManualClock(0.0)
    pacer = Pacer(1.0, clock=clock, sleep=lambda s: clock.advance(s / 2))  # woken halfway
    pacer.wait()
    assert pacer.wait() == pytest.approx(1.0)
    assert clock.now() == pytest.approx(0.5)
    assert pacer.wait() == pytest.approx(2.0)


@pytest.mark.parametrize("rate", [0, -1, float("nan"), float("inf")])
def test_rate_must_be_positive(rate: float) -> None:
    with pytest.raises(CaptureError, match="positive"):
        Pacer(rate)


def test_iter_frames_ends_with_the_source(tmp_path) -> None:
    import cv2

    path = tmp_path / "one.png"
    cv2.imwrite(str(path), np.full((4, 6, 3), 9, np.uint8))
    with ImageSource(path) as source:
        frames = list(iter_frames(source))
    assert [f.size for f in frames] == [(6, 4)]


def test_iter_frames_stops_when_asked(tmp_path) -> None:
    import cv2

    path = tmp_path / "one.png"
    cv2.imwrite(str(path), np.zeros((2, 2, 3), np.uint8))
    stop = threading.Event()
    stop.set()
    with ImageSource(path) as source:
        assert list(iter_frames(source, Pacer(5.0, sleep=stop.wait), stop)) == []
        assert source.read() is not None  # nothing was consumed
