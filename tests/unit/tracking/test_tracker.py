"""Tracker: stable ids, calibration, attention transitions and smoothing, on synthetic input."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from meetwatch.layout.tiles import TileKind
from meetwatch.shared import EMOTIONS
from meetwatch.tracking.config import TrackingConfig
from meetwatch.tracking.participants import Participants
from meetwatch.tracking.tracker import Tracker
from tests.unit.tracking.synthetic import Face, make_signals, make_tiles, timeline

FPS = 5.0


def run(
    tracker: Tracker,
    start: float,
    end: float,
    scene,
    kinds: dict[int, TileKind] | None = None,
    fps: float = FPS,
) -> list[Participants]:
    out = []
    for t, signals in timeline(start, end, fps, scene):
        out.append(tracker.update(signals, make_tiles(kinds or {0: "video"}, t)))
    return out


def intervals(frames: list[Participants], pid: int) -> list[tuple[str, float]]:
    """(state, since) each time participant pid's committed state changes."""
    seen: list[tuple[str, float]] = []
    for frame in frames:
        p = frame.get(pid)
        assert p is not None
        if not seen or seen[-1] != (p.attention, p.attention_since):
            seen.append((p.attention, p.attention_since))
    return seen


def test_ids_follow_slots_and_survive_missing_faces_and_camera_off() -> None:
    tracker = Tracker()
    kinds: dict[int, TileKind] = {0: "video", 1: "camera_off", 2: "video"}
    rows = [
        # (t, faces, expected {id: (slot, attention)})
        (0.0, [Face(0), Face(2)], {1: (0, "on_screen"), 2: (1, "camera_off"), 3: (2, "on_screen")}),
        (0.2, [Face(2)], {1: (0, "on_screen"), 3: (2, "on_screen")}),  # within the grace
        (5.0, [Face(2)], {1: (0, "no_face"), 2: (1, "camera_off"), 3: (2, "on_screen")}),
        (5.2, [Face(0), Face(1), Face(2)], {1: (0, "on_screen"), 2: (1, "camera_off")}),
        # a second person sits down to the right of participant 1: a new id, left keeps 1
        (
            5.4,
            [Face(0, x=0.3), Face(0, x=0.8), Face(2)],
            {1: (0, "on_screen"), 4: (0, "on_screen")},
        ),
        (5.6, [Face(0, x=0.8), Face(0, x=0.3)], {1: (0, "on_screen"), 4: (0, "on_screen")}),
        (9.0, [Face(0, x=0.3)], {1: (0, "on_screen"), 4: (0, "no_face"), 3: (2, "no_face")}),
    ]
    for i, (t, faces, expected) in enumerate(rows):
        frame = tracker.update(make_signals(faces, t, i), make_tiles(kinds, t, i))
        assert [p.participant_id for p in frame] == sorted(p.participant_id for p in frame)
        got = {p.participant_id: (p.slot, p.attention) for p in frame}
        for pid, want in expected.items():
            assert got[pid] == want, f"t={t} participant {pid}"
    assert len(frame) == 4  # ids are never reused or duplicated


def test_face_in_camera_off_tile_is_ignored() -> None:
    frame = Tracker().update(make_signals([Face(0)], 0.0), make_tiles({0: "camera_off"}, 0.0))
    (p,) = frame.participants
    assert (p.attention, p.face_present, p.emotion) == ("camera_off", False, None)


def attentive(pitch: float):
    return lambda t: [Face(0, pitch=pitch)]


@pytest.mark.parametrize(
    ("rest_pitch", "probe_pitch", "before", "after"),
    [
        # camera above the screen: reading the meeting is -15°; raised eyes to +10° are away
        (-15.0, -15.0, "on_screen", "on_screen"),
        (-15.0, 10.0, "on_screen", "away"),
        (-15.0, -40.0, "away", "away"),
        # laptop camera high above a big screen: -28° is only on screen once calibrated
        (-28.0, -28.0, "away", "on_screen"),
        (-28.0, -16.0, "on_screen", "on_screen"),
    ],
)
def test_attention_is_judged_against_the_calibrated_rest_pose(
    rest_pitch: float, probe_pitch: float, before: str, after: str
) -> None:
    cfg = TrackingConfig()
    tracker = Tracker(cfg)
    probe = run(tracker, 0.0, 3.0, attentive(probe_pitch))
    assert probe[-1].participants[0].attention == before
    assert not probe[-1].participants[0].calibrated

    tracker = Tracker(cfg)
    frames = run(tracker, 0.0, cfg.calibration_seconds + 1.0, attentive(rest_pitch))
    p = frames[-1].participants[0]
    assert p.calibrated
    frames = run(tracker, 100.0, 103.0, attentive(probe_pitch))
    assert frames[-1].participants[0].attention == after


def test_calibration_ignores_frames_that_are_not_attentive() -> None:
    """Half the first minute spent looking far down does not move the reference."""
    tracker = Tracker()

    def scene(t: float) -> list[Face]:
        return [Face(0, pitch=-15.0 if int(t) % 2 == 0 else -50.0)]

    run(tracker, 0.0, 130.0, scene)
    frames = run(tracker, 200.0, 203.0, attentive(0.0))  # 15° above rest: inside tolerance
    assert frames[-1].participants[0].attention == "on_screen"
    frames = run(tracker, 300.0, 303.0, attentive(5.0))  # 20° above rest: away
    assert frames[-1].participants[0].attention == "away"


@pytest.mark.parametrize(
    ("closed_seconds", "expected"),
    [(0.2, [("on_screen", 0.0)]), (0.6, [("on_screen", 0.0)]), (2.0, None)],
)
def test_blinks_are_ignored_but_closed_eyes_are_not(closed_seconds: float, expected) -> None:
    tracker = Tracker()

    def scene(t: float) -> list[Face]:
        return [Face(0, ear=0.05 if 10.0 <= t < 10.0 + closed_seconds else 0.3)]

    frames = run(tracker, 0.0, 20.0, scene)
    got = intervals(frames, 1)
    if expected is None:
        assert [s for s, _ in got] == ["on_screen", "eyes_closed", "on_screen"]
        assert got[1][1] == pytest.approx(10.0)  # backdated to the first closed frame
        assert got[2][1] == pytest.approx(10.0 + closed_seconds)
    else:
        assert got == expected


def test_away_interval_has_the_right_start_and_end() -> None:
    tracker = Tracker()

    def scene(t: float) -> list[Face]:
        yaw = 45.0 if 100.0 <= t < 110.0 else 0.0
        # blinks inside the episode must not restart or split it
        ear = 0.05 if 100.4 <= t < 100.6 or 105.0 <= t < 105.2 else 0.3
        return [Face(0, yaw=yaw, ear=ear)]

    frames = run(tracker, 90.0, 120.0, scene)
    got = intervals(frames, 1)
    assert [s for s, _ in got] == ["on_screen", "away", "on_screen"]
    assert got[1][1] == pytest.approx(100.0)
    assert got[2][1] == pytest.approx(110.0)
    first_away = next(f.timestamp for f in frames if f.participants[0].attention == "away")
    assert first_away == pytest.approx(101.0)  # confirmed after away_seconds


def test_a_glance_shorter_than_away_seconds_is_not_away() -> None:
    tracker = Tracker()
    frames = run(tracker, 0.0, 10.0, lambda t: [Face(0, yaw=45.0 if 5 <= t < 5.6 else 0.0)])
    assert intervals(frames, 1) == [("on_screen", 0.0)]


def test_eyes_turned_aside_in_a_frontal_head_are_away() -> None:
    tracker = Tracker()
    frames = run(tracker, 0.0, 5.0, lambda t: [Face(0, gaze=(0.8, 0.0) if t >= 2 else (0, 0))])
    assert intervals(frames, 1) == [("on_screen", 0.0), ("away", pytest.approx(2.0))]


def test_a_turned_head_whose_eyes_hold_the_screen_is_on_screen() -> None:
    frames = run(Tracker(), 0.0, 5.0, lambda t: [Face(0, yaw=28.0, gaze=(-0.6, 0.0))])
    assert intervals(frames, 1) == [("on_screen", 0.0)]


def test_face_lost_for_long_becomes_no_face_since_last_seen() -> None:
    tracker = Tracker()
    frames = run(tracker, 0.0, 10.0, lambda t: [Face(0)] if t < 4.0 or t >= 8.0 else [])
    got = intervals(frames, 1)
    assert got[0] == ("on_screen", 0.0)
    assert got[1] == ("no_face", pytest.approx(3.8))  # last frame with the face
    assert got[2] == ("on_screen", pytest.approx(8.0))
    during = next(f for f in frames if f.timestamp == pytest.approx(6.0)).participants[0]
    assert (during.face_present, during.emotion, during.yaw) == (False, None, None)


@pytest.mark.parametrize("fps", [3.0, 10.0, 30.0])
def test_smoothing_is_time_based_not_frame_based(fps: float) -> None:
    cfg = TrackingConfig()
    tau = cfg.smoothing_seconds
    tracker = Tracker(cfg)
    change = 10.0

    def scene(t: float) -> list[Face]:
        return [
            Face(0, emotion="happy" if t >= change else "neutral", yaw=10 if t >= change else 0)
        ]

    frames = run(tracker, 0.0, change + tau + 1.0, scene, fps=fps)
    at = next(f for f in frames if f.timestamp >= change + tau - 1e-9)
    # the first changed frame stands for the interval since the frame before it
    before_change = max(f.timestamp for f in frames if f.timestamp < change)
    p = at.participants[0]
    assert p.emotion is not None and p.yaw is not None
    expected = 1.0 - math.exp(-(at.timestamp - before_change) / tau)
    assert expected == pytest.approx(1 - math.exp(-1), abs=0.15)  # about one time constant
    assert p.emotion[EMOTIONS.index("happy")] == pytest.approx(expected, abs=1e-6)
    assert p.yaw == pytest.approx(10 * expected, abs=1e-5)
    assert np.sum(p.emotion) == pytest.approx(1.0)


def test_unmeasured_signals_are_none_and_do_not_poison_smoothing() -> None:
    """Emotion off (NaN emotion), an eye that cannot be read (NaN gaze) now and then, and a
    frame whose pose failed (NaN pose) must neither crash nor leave NaN behind."""
    tracker = Tracker()
    frames = []
    for i in range(50):
        t = i / 5
        signals = make_signals([Face(0, gaze=(0.2, 0.1), yaw=5.0)], t, i)
        nan = float("nan")
        signals.emotion[:] = nan
        signals.valence[:] = nan
        signals.arousal[:] = nan
        if i % 3 == 0:
            signals.gaze[:] = nan
        if i == 20:
            signals.head_pose[:] = nan
        frames.append(tracker.update(signals, make_tiles({0: "video"}, t, i)))
    p = frames[-1].participants[0]
    assert (p.emotion, p.valence, p.arousal) == (None, None, None)
    assert (p.gaze_x, p.gaze_y, p.yaw) == pytest.approx((0.2, 0.1, 5.0))
    assert intervals(frames, 1) == [("on_screen", 0.0)]


def test_covered_tiles_keep_their_participants_without_a_verdict() -> None:
    tracker = Tracker()
    kinds: dict[int, TileKind] = {0: "video", 1: "video"}
    tracker.update(make_signals([Face(0), Face(1)], 0.0), make_tiles(kinds, 0.0))
    for i, t in enumerate(np.arange(0.2, 10.0, 0.2)):  # tile 1 under a dialog for 10 s
        tiles = make_tiles({0: "video"}, t, i)
        hidden = make_tiles(kinds, t, i).tiles[1]
        tiles = replace(tiles, covered=(hidden,), covered_since=0.2)
        frame = tracker.update(make_signals([Face(0)], t, i), tiles)
        assert [(p.participant_id, p.covered) for p in frame] == [(1, False), (2, True)]
        assert frame.get(2).attention == "on_screen"  # as it was: nothing new is known
    frame = tracker.update(make_signals([Face(0)], 10.2), make_tiles(kinds, 10.2))
    # uncovered without a face: the face-lost grace starts now, not before the cover
    assert frame.get(2).attention == "on_screen" and not frame.get(2).covered
    frame = tracker.update(make_signals([Face(0)], 12.0), make_tiles(kinds, 12.0))
    assert frame.get(2).attention == "no_face"
    assert frame.get(2).attention_since == pytest.approx(9.8)  # the last covered frame


def test_before_calibration_the_face_reading_decides_and_after_it_the_rest_pose() -> None:
    """A camera beside the screen: the person reads the meeting with the head turned 30
    degrees, which the attention model reads as looking away from the camera. Until their
    rest pose is known that is all there is to go on; once calibrated they are on screen,
    and turning further away (or shutting the eyes) still counts."""
    cfg = TrackingConfig()
    tracker = Tracker(cfg)
    beside = [Face(0, yaw=30.0, look="away")]
    frames = run(tracker, 0.0, cfg.calibration_seconds + 2.0, lambda t: beside)
    p = frames[-1].participants[0]
    assert p.calibrated and p.attention == "on_screen"
    assert intervals(frames, 1)[0] == ("away", 0.0)
    frames = run(tracker, 100.0, 104.0, lambda t: [Face(0, yaw=60.0, look="away")])
    assert frames[-1].participants[0].attention == "away"
    frames = run(tracker, 200.0, 204.0, lambda t: [Face(0, yaw=30.0, look="eyes_closed")])
    assert frames[-1].participants[0].attention == "eyes_closed"


def test_a_small_face_behind_the_participant_is_not_another_participant() -> None:
    """Someone passing behind a participant is far smaller in the picture; two people sharing
    one camera sit side by side at about the same size and are both counted."""
    tracker = Tracker()
    frames = run(
        tracker, 0.0, 2.0, lambda t: [Face(0, x=0.5, size=80.0), Face(0, x=0.85, size=30.0)]
    )
    assert [p.slot for p in frames[-1].participants] == [0]
    frames = run(
        Tracker(), 0.0, 2.0, lambda t: [Face(0, x=0.3, size=70.0), Face(0, x=0.7, size=60.0)]
    )
    assert len(frames[-1].participants) == 2
