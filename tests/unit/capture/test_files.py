"""VideoSource and ImageSource on real files written with OpenCV."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from meetwatch.capture import FrameSource, ImageSource, VideoSource
from meetwatch.errors import CaptureError

FPS = 10
N_FRAMES = 30


def _frame_image(i: int) -> np.ndarray:
    """Each frame's brightness encodes its number so a test can tell which frame it got."""
    return np.full((96, 128, 3), 8 * i, np.uint8)


def _frame_number(image: np.ndarray) -> int:
    return round(float(image.mean()) / 8)  # lossy codecs shift flat frames by a few levels


def _write_video(path: Path, fourcc: str) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), FPS, (128, 96))
    assert writer.isOpened()
    for i in range(N_FRAMES):
        writer.write(_frame_image(i))
    writer.release()
    return path


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    mp4 = _write_video(folder / "clip.mp4", "mp4v")
    avi = _write_video(folder / "clip.avi", "MJPG")
    out = {"mp4": mp4, "avi": avi}
    for name, source in [("mp4_cut", mp4), ("avi_cut", avi)]:
        data = source.read_bytes()
        out[name] = folder / f"{name}{source.suffix}"
        out[name].write_bytes(data[: len(data) // 2])
    out["garbage"] = folder / "garbage.mp4"
    out["garbage"].write_bytes(np.random.default_rng(0).integers(0, 256, 4096, np.uint8).tobytes())
    return out


def _read_all(source: VideoSource) -> list:
    with source:
        return list(iter(source.read, None))


@pytest.mark.parametrize("kind", ["mp4", "avi"])
def test_every_frame_with_its_own_time(videos: dict[str, Path], kind: str) -> None:
    source = VideoSource(videos[kind])
    frames = _read_all(source)
    assert isinstance(source, FrameSource)
    assert len(frames) == N_FRAMES
    assert source.fps == pytest.approx(FPS)
    assert [f.index for f in frames] == list(range(N_FRAMES))
    assert [f.timestamp for f in frames] == pytest.approx([i / FPS for i in range(N_FRAMES)])
    assert [_frame_number(f.image) for f in frames] == list(range(N_FRAMES))
    assert frames[0].source == f"video:clip.{kind}"
    assert not any(f.missing for f in frames)


@pytest.mark.parametrize(
    ("rate", "expected_times"),
    [
        (2.0, [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]),
        (3.0, [0.0, 0.4, 0.7, 1.0, 1.4, 1.7, 2.0, 2.4, 2.7]),  # first frame at or after each 1/3 s
        (50.0, [i / FPS for i in range(N_FRAMES)]),  # faster than the video: every frame
    ],
)
def test_rate_samples_per_second_of_video(
    videos: dict[str, Path], rate: float, expected_times: list[float]
) -> None:
    frames = _read_all(VideoSource(videos["mp4"], rate=rate))
    assert [f.timestamp for f in frames] == pytest.approx(expected_times)
    assert [f.index for f in frames] == list(range(len(expected_times)))
    assert [_frame_number(f.image) for f in frames] == [round(t * FPS) for t in expected_times]


def test_truncated_avi_fails_when_it_runs_out(videos: dict[str, Path]) -> None:
    with pytest.raises(CaptureError, match=r"ends after \d+ of 30 frames.*truncated"):
        _read_all(VideoSource(videos["avi_cut"]))


@pytest.mark.parametrize("kind", ["mp4_cut", "garbage"])
def test_unopenable_video(videos: dict[str, Path], kind: str) -> None:
    with pytest.raises(CaptureError, match=r"Cannot open video.*corrupt, truncated"):
        VideoSource(videos[kind]).open()


def test_missing_and_directory_paths(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="not found"):
        VideoSource(tmp_path / "nope.mp4").open()
    with pytest.raises(CaptureError, match="not a file"):
        ImageSource(tmp_path).open()


def test_rate_must_be_positive(videos: dict[str, Path]) -> None:
    with pytest.raises(CaptureError, match="positive"):
        VideoSource(videos["mp4"], rate=0)


def test_read_before_open_is_a_programming_error(videos: dict[str, Path]) -> None:
    with pytest.raises(RuntimeError, match="before open"):
        VideoSource(videos["mp4"]).read()


def test_image_is_one_frame(tmp_path: Path) -> None:
    gray = np.arange(15, dtype=np.uint8).reshape(3, 5)
    path = tmp_path / "gray.png"
    cv2.imwrite(str(path), gray)
    with ImageSource(path) as source:
        frame = source.read()
        assert source.read() is None
    assert frame is not None
    assert frame.image.shape == (3, 5, 3)  # grayscale arrives as BGR
    assert np.array_equal(frame.image[:, :, 1], gray)
    assert (frame.timestamp, frame.index, frame.source) == (0.0, 0, "image:gray.png")


def test_one_pixel_image(tmp_path: Path) -> None:
    path = tmp_path / "dot.png"
    cv2.imwrite(str(path), np.array([[[1, 2, 3]]], np.uint8))
    with ImageSource(path) as source:
        frame = source.read()
    assert frame is not None and frame.size == (1, 1)
    assert frame.image.tolist() == [[[1, 2, 3]]]


@pytest.mark.parametrize(
    "content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 40]
)
def test_unreadable_image(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(content)
    with pytest.raises(CaptureError, match="Cannot read image"):
        ImageSource(path).open()
