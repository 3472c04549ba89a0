"""Meeting windows as users really have them, built from real dataset faces.

A `LayoutCase` names one way a real window differs from a clean screenshot: 1-2 px gaps,
letterbox or pillarbox bars (a recording shown in a player), a toolbar across the window,
camera-off tiles showing a profile photo, a self-view floating beside a short last row, and
the recording's resolution. A live camera in a dark room before a plain wall (`dark_room`) is
the live tile most like a camera-off placeholder. `build` draws it and returns the ground
truth with it; the tests then also pass each window through a video encoder
(`tests.factories.video`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import pytest

from meetwatch.demo.gallery import Gallery, GroundTruthTile
from meetwatch.demo.styles import STYLES, ClientStyle, StyleName
from meetwatch.demo.webcam import webcam_frame
from meetwatch.faces.window_search import centre_inside
from meetwatch.geometry import Rect
from tests.factories.galleries import make_gallery, real_faces
from tests.factories.video import through_video

# "cropped": a capture region drawn tightly round the tiles, so no window background shows
Frame = Literal["window", "letterbox", "pillarbox", "cropped"]
CALL_LOOKS: tuple[StyleName, ...] = ("zoom", "teams", "meet")
MIN_FACE_HEIGHT = 24  # px; smaller faces are not promised to be found
_BAR_SHARE = 0.125  # letterbox / pillarbox bars take this share of the frame on each side


@dataclass(frozen=True)
class LayoutCase:
    name: str
    style: StyleName
    n: int
    size: tuple[int, int] = (1920, 1080)
    gap: int | None = None  # px at 1080p; None keeps the client's own gap
    frame: Frame = "window"
    toolbar: bool = False
    profile_photos: bool = False  # camera-off tiles show a round photo instead of initials
    photo_size: float = 0.4  # the photo's diameter as a share of the tile's height
    self_view: bool = False
    camera_off: frozenset[int] = frozenset()
    speaker: int | None = None
    # live tiles showing a darkened face with shoulders before a plain wall of about the
    # placeholder's colour: a user in a dark room, not a camera that is off
    dark_room: frozenset[int] = frozenset()

    def at(self, size: tuple[int, int]) -> LayoutCase:
        return dataclasses.replace(self, name=f"{self.name}@{size[1]}p", size=size)


@dataclass(frozen=True)
class Scene:
    """A drawn window: the participant tiles' ground truth and any face outside them."""

    image: np.ndarray
    tiles: list[GroundTruthTile]
    extra_faces: tuple[Rect, ...] = ()  # the self-view's face

    def visible_faces(self) -> list[Rect]:
        """Live faces at least MIN_FACE_HEIGHT high (profile photos are not live faces)."""
        faces = [f for t in self.tiles if t.kind == "video" for f in t.faces]
        return [f for f in [*faces, *self.extra_faces] if f.h >= MIN_FACE_HEIGHT]

    def found(self, boxes: np.ndarray) -> int:
        """Visible faces with a found face's box (x, y, w, h rows) on their centre."""
        return sum(
            any(x <= f.center[0] <= x + w and y <= f.center[1] <= y + h for x, y, w, h in boxes)
            for f in self.visible_faces()
        )

    def on_placeholders(self, boxes: np.ndarray) -> int:
        """Found faces (x, y, w, h rows) centred on a camera-off tile: profile photos that
        would count as people looking at the screen."""
        off = [t.rect for t in self.tiles if t.kind == "camera_off"]
        faces = [Rect(*(round(float(v)) for v in box)) for box in boxes]
        return sum(any(centre_inside(f, r) for r in off) for f in faces)


# Every way of point 2 of the layout requirements, each in a client's look; the tests run
# each case at 1080p, 720p and 360p, as drawn and through a video encoder.
REAL_LOOKS: tuple[LayoutCase, ...] = (
    LayoutCase("gap-1px", "zoom", 9, gap=1),
    LayoutCase("gap-2px", "teams", 16, gap=2),
    LayoutCase("letterbox", "teams", 6, frame="letterbox"),
    LayoutCase("pillarbox", "meet", 9, frame="pillarbox"),
    LayoutCase("last-row-3+3+1", "zoom", 7),
    LayoutCase("last-row-4+4+4+1", "teams", 13),
    LayoutCase("meet-49", "meet", 49, camera_off=frozenset(range(0, 49, 5))),
    LayoutCase(
        "meet-75-photos",
        "meet",
        75,
        camera_off=frozenset(i for i in range(75) if i % 3),
        profile_photos=True,
    ),
    LayoutCase("camera-off-initials", "teams", 9, camera_off=frozenset({1, 4, 7})),
    LayoutCase(
        "camera-off-photo", "meet", 12, camera_off=frozenset({0, 5, 11}), profile_photos=True
    ),
    LayoutCase("speaker-border", "zoom", 16, speaker=5),
    LayoutCase("toolbar", "zoom", 12, toolbar=True),
    LayoutCase("self-view", "meet", 7, self_view=True),
    LayoutCase("self-view-toolbar", "zoom", 13, self_view=True, toolbar=True, speaker=0),
)


def _camera_off_look(
    style: StyleName, n: int, off: Iterable[int], dark: set[int], photo: float | None = None
) -> LayoutCase:
    """Camera-off tiles (`off`) showing initials, or a round photo `photo` of the tile's
    height across, beside dark-room cameras (`dark`)."""
    case = LayoutCase(
        f"initials-{style}-{n}", style, n, camera_off=frozenset(off), dark_room=frozenset(dark)
    )
    if photo is None:
        return case
    name = f"photo-{round(100 * photo)}-{style}-{n}"
    return dataclasses.replace(case, name=name, profile_photos=True, photo_size=photo)


# Camera-off placeholders as users see them, beside live cameras in dark rooms before plain
# walls of about the placeholder's colour: round photos of 35-70 % of the tile's height and
# initials, 9 to 75 tiles, in the three clients' looks.
CAMERA_OFF_LOOKS: tuple[LayoutCase, ...] = (
    _camera_off_look("meet", 9, range(1, 9, 4), {3, 7}, photo=0.35),
    _camera_off_look("teams", 16, {0, 6, 9, 15}, {3, 10}, photo=0.5),
    _camera_off_look("zoom", 25, range(0, 25, 4), {2, 13}, photo=0.7),
    _camera_off_look("meet", 49, range(1, 49, 3), {0, 24, 48}, photo=0.6),
    _camera_off_look("teams", 75, range(1, 75, 2), {0, 30, 74}, photo=0.45),
    _camera_off_look("zoom", 49, range(1, 49, 4), {0, 20}),
    _camera_off_look("meet", 75, range(2, 75, 3), {0, 37}),
)
SIZES: tuple[tuple[int, int], ...] = ((1920, 1080), (1280, 720), (640, 360))
# A HiDPI screen (a Retina laptop, a 4K monitor) grabs a window at twice its size in points;
# as test parameters, 2160p in the quick pass.
HIDPI_PARAMS = [
    pytest.param(size, id=f"{size[1]}p", marks=[] if size[1] == 2160 else [pytest.mark.slow])
    for size in ((2560, 1440), (3840, 2160))
]
# Galleries captured tightly round their tiles: no window background shows, so no grid is
# found and the whole-window search builds the tiles round the faces.
NO_GRID_LOOKS: tuple[LayoutCase, ...] = (
    LayoutCase("no-grid-zoom-9", "zoom", 9, frame="cropped"),
    LayoutCase("no-grid-teams-16", "teams", 16, frame="cropped"),
    LayoutCase("no-grid-zoom-25", "zoom", 25, frame="cropped"),
    LayoutCase("no-grid-teams-36", "teams", 36, frame="cropped"),
    LayoutCase("no-grid-meet-49", "meet", 49, frame="cropped"),
)


def build(data_dir: Path, case: LayoutCase, seed: int = 0) -> Scene:
    w, h = case.size
    inner = (w, h)
    if case.frame == "letterbox":
        inner = (w, h - 2 * round(h * _BAR_SHARE))
    elif case.frame == "pillarbox":
        inner = (w - 2 * round(w * _BAR_SHARE), h)
    style = STYLES[case.style]
    if case.gap is not None:
        style = dataclasses.replace(style, gap=case.gap)
    gallery = make_gallery(
        data_dir,
        case.n,
        style,
        seed=seed + case.n,
        camera_off=case.camera_off | case.dark_room,  # the dark room replaces a placeholder
        speaker=case.speaker,
        size=inner,
    )
    image = gallery.image
    if case.dark_room:
        gallery = _draw_dark_rooms(gallery, style, case.dark_room, real_faces(data_dir), seed)
    if case.toolbar:
        _draw_toolbar(image, style.margins[3] * inner[1] / 1080)
    if case.profile_photos:
        _draw_profile_photos(gallery, style, real_faces(data_dir), case.photo_size)
    extra: tuple[Rect, ...] = ()
    if case.self_view:
        self_face = real_faces(data_dir)[seed % 7]
        extra = _draw_self_view(image, gallery, self_face, np.random.default_rng(seed))
    ox, oy = (w - inner[0]) // 2, (h - inner[1]) // 2
    if case.frame == "cropped":
        x0 = min(t.rect.x for t in gallery.tiles)
        y0 = min(t.rect.y for t in gallery.tiles)
        x1 = max(t.rect.x + t.rect.w for t in gallery.tiles)
        y1 = max(t.rect.y + t.rect.h for t in gallery.tiles)
        image = np.ascontiguousarray(image[y0:y1, x0:x1])
        ox, oy = -x0, -y0
    elif (ox, oy) != (0, 0):
        framed = np.zeros((h, w, 3), np.uint8)
        framed[oy : oy + inner[1], ox : ox + inner[0]] = image
        image = framed
    return Scene(
        image,
        [_shifted_tile(t, ox, oy) for t in gallery.tiles],
        tuple(_shift(f, ox, oy) for f in extra),
    )


def scaled(scene: Scene, size: tuple[int, int]) -> Scene:
    """The scene as a recorder saves it after scaling the window to `size` (area averaging):
    gaps of a few pixels become one or two pixels blended with the tiles beside them."""
    h, w = scene.image.shape[:2]
    fx, fy = size[0] / w, size[1] / h

    def fit(r: Rect) -> Rect:
        x0, y0 = round(r.x * fx), round(r.y * fy)
        return Rect(x0, y0, round((r.x + r.w) * fx) - x0, round((r.y + r.h) * fy) - y0)

    tiles = [
        dataclasses.replace(
            t,
            rect=fit(t.rect),
            faces=tuple(fit(f) for f in t.faces),
            name_strip=fit(t.name_strip) if t.name_strip else None,
        )
        for t in scene.tiles
    ]
    image = cv2.resize(scene.image, size, interpolation=cv2.INTER_AREA)
    return Scene(image, tiles, tuple(fit(f) for f in scene.extra_faces))


def recorded(
    data_dir: Path,
    case: LayoutCase,
    size: tuple[int, int],
    codecs: Sequence[str],
    rescaled: bool = True,
) -> Iterator[tuple[str, Scene, np.ndarray]]:
    """(source, scene, picture) for each way a user has the window at `size`: as drawn,
    through each codec, and (with `rescaled`) drawn at 1080p, then scaled down and saved as
    mp4v by a recorder, below 1080p where the gaps scale to a pixel or more."""
    drawn = build(data_dir, case.at(size))
    yield "drawn", drawn, drawn.image
    for codec in codecs:
        yield codec, drawn, through_video(drawn.image, codec)
    if rescaled and size[1] < case.size[1] and gap_after_scaling(case, size[1]) >= 1:
        scene = scaled(build(data_dir, case), size)
        yield "scaled", scene, through_video(scene.image)


def calls(plan: Iterable[tuple[int, int]], seed_step: int) -> Iterator[LayoutCase]:
    """An n-tile call with k cameras off for each (n, k) of `plan`, in each client's look;
    which cameras are off is drawn at random, seeded by n * seed_step + k."""
    for n, k in plan:
        rng = np.random.default_rng(n * seed_step + k)
        off = frozenset(int(i) for i in rng.choice(n, k, replace=False))
        for look in CALL_LOOKS:
            yield LayoutCase(f"call-{n}-{k}off", look, n, camera_off=off)


def low_bitrate(
    data_dir: Path, case: LayoutCase, size: tuple[int, int], kbps: int
) -> Iterator[tuple[str, Scene, np.ndarray]]:
    """(how, scene, picture) as a meeting recorder saves the window at `size` through H.264 at
    `kbps`: drawn at that size (a client's gaps round away), and drawn at 1080p then scaled
    down (gaps blend into the tiles)."""
    drawn = build(data_dir, case.at(size))
    yield "drawn", drawn, through_video(drawn.image, "h264", kbps)
    scene = scaled(build(data_dir, case), size)
    yield "scaled", scene, through_video(scene.image, "h264", kbps)


def gap_after_scaling(case: LayoutCase, height: int) -> float:
    """The case's gap in pixels once its 1080p window is scaled to `height`."""
    return (case.gap if case.gap is not None else STYLES[case.style].gap) * height / 1080


def _shift(r: Rect, dx: int, dy: int) -> Rect:
    return Rect(r.x + dx, r.y + dy, r.w, r.h)


def _shifted_tile(t: GroundTruthTile, dx: int, dy: int) -> GroundTruthTile:
    return dataclasses.replace(
        t,
        rect=_shift(t.rect, dx, dy),
        faces=tuple(_shift(f, dx, dy) for f in t.faces),
        name_strip=_shift(t.name_strip, dx, dy) if t.name_strip else None,
    )


def _draw_toolbar(image: np.ndarray, height: float) -> None:
    """A full-width control bar in the bottom margin, lighter than the window, with buttons."""
    h, w = image.shape[:2]
    bar = max(6, round(height * 0.7))
    image[h - bar :] = (48, 46, 44)
    for i in range(7):
        x = round(w * (0.3 + 0.06 * i))
        cv2.circle(image, (x, h - bar // 2), max(2, bar // 4), (200, 200, 200), -1, cv2.LINE_AA)
    cv2.rectangle(image, (w - bar * 3, h - bar + 4), (w - 8, h - 4), (40, 40, 210), -1)


def _placeholder_area(
    image: np.ndarray, tile: GroundTruthTile, style: ClientStyle
) -> tuple[np.ndarray, np.ndarray]:
    """The tile's pixels and where its placeholder may be painted over: all but the window
    background in its rounded corners and the name label's text and box."""
    r = tile.rect
    roi = image[r.y : r.y + r.h, r.x : r.x + r.w]
    drawn = roi.astype(np.int16)
    paint = np.abs(drawn - np.array(style.background, np.int16)).max(axis=2) > 2
    if tile.name_strip is not None:
        s = tile.name_strip
        label = np.zeros(paint.shape, bool)
        label[s.y - r.y : s.y - r.y + s.h, s.x - r.x : s.x - r.x + s.w] = True
        text = np.abs(drawn - np.array(style.camera_off_tile, np.int16)).max(axis=2) > 2
        paint &= ~(label & text)
    return roi, paint


def _draw_profile_photos(
    gallery: Gallery, style: ClientStyle, faces: tuple[np.ndarray, ...], size: float
) -> None:
    """A round photo of someone in the middle of each camera-off tile, `size` of its height
    across, in place of the initials or the name."""
    for i, t in enumerate(gallery.tiles):
        if t.kind != "camera_off":
            continue
        tile, paint = _placeholder_area(gallery.image, t, style)
        tile[paint] = style.camera_off_tile
        r = t.rect
        d = max(8, round(r.h * size))
        photo = cv2.cvtColor(cv2.resize(faces[-1 - i % len(faces)], (d, d)), cv2.COLOR_GRAY2BGR)
        mask = np.zeros((d, d), np.uint8)
        cv2.circle(mask, (d // 2, d // 2), d // 2, 255, -1, cv2.LINE_AA)
        x0, y0 = r.x + (r.w - d) // 2, r.y + (r.h - d) // 2
        roi = gallery.image[y0 : y0 + d, x0 : x0 + d]
        np.copyto(roi, photo, where=mask[:, :, None] > 0)


def _draw_dark_rooms(
    gallery: Gallery,
    style: ClientStyle,
    slots: frozenset[int],
    faces: tuple[np.ndarray, ...],
    seed: int,
) -> Gallery:
    """Each of `slots`, drawn as a placeholder, becomes a live camera in a dark room: a plain
    wall within a few levels of the placeholder's colour, shoulders in a dark shirt and a
    darkened dataset face. Only the placeholder's own flat colour and its initials are
    painted over, so the tile keeps its rounded corners and its name label."""
    tiles = list(gallery.tiles)
    rng = np.random.default_rng(seed)
    placeholder = np.array(style.camera_off_tile, np.int16)
    for slot in sorted(slots):
        t = tiles[slot]
        r = t.rect
        wall = np.clip(placeholder + rng.integers(-4, 5, 3), 0, 255)
        room, face = _dark_room(faces[(seed + slot) % len(faces)], r.w, r.h, wall, rng)
        roi, paint = _placeholder_area(gallery.image, t, style)
        np.copyto(roi, room, where=paint[:, :, None])
        tiles[slot] = dataclasses.replace(
            t, kind="video", faces=(Rect(r.x + face.x, r.y + face.y, face.w, face.h),)
        )
    return dataclasses.replace(gallery, tiles=tiles)


def _dark_room(
    face: np.ndarray, w: int, h: int, wall: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, Rect]:
    """A w x h dark-room webcam picture and its face box: the face 35-55 % of the height, its
    shoulders 2.6 face widths wide reaching the bottom edge, a webcam's faint sensor noise."""
    img = np.empty((h, w, 3), np.float32)
    img[:] = wall
    fh = max(8, round(h * rng.uniform(0.35, 0.55)))
    fw = max(6, round(fh * 0.8))
    cx, cy = round(w * rng.uniform(0.45, 0.55)), round(h * rng.uniform(0.4, 0.48))
    box = Rect(int(np.clip(cx - fw // 2, 0, w - fw)), max(0, cy - fh // 2), fw, fh)
    shirt = (wall * rng.uniform(0.35, 0.55)).tolist()  # a dark shirt on a dark wall
    chin = box.y + fh
    cv2.ellipse(img, (cx, chin + fh // 3), (round(1.3 * fw), fh // 3), 0, 180, 360, shirt, -1)
    cv2.rectangle(img, (cx - round(1.3 * fw), chin + fh // 3), (cx + round(1.3 * fw), h), shirt, -1)
    skin = cv2.resize(face, (fw, fh), interpolation=cv2.INTER_AREA).astype(np.float32) * 0.5
    alpha = np.zeros((fh, fw), np.float32)
    cv2.ellipse(alpha, (fw // 2, fh // 2), (fw // 2, fh // 2), 0, 0, 360, (1.0,), -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(1.0, fw / 16))[:, :, None]
    part = img[box.y : box.y + fh, box.x : box.x + fw]
    part[:] = skin[:, :, None] * alpha + part * (1 - alpha)
    img += rng.normal(0.0, 1.5, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), box


def _draw_self_view(
    image: np.ndarray, gallery: Gallery, face: np.ndarray, rng: np.random.Generator
) -> tuple[Rect, ...]:
    """The user's own camera, floating in the empty space right of a short last row."""
    last = gallery.tiles[-1].rect
    right = max(t.rect.x + t.rect.w for t in gallery.tiles)
    room = right - (last.x + last.w) - 2 * max(4, last.w // 20)
    if room < last.w // 2:
        raise ValueError("the self-view needs a short last row to float beside")
    sw = min(room, round(last.w * 0.7))
    sh = round(sw * 9 / 16)
    x, y = right - sw, last.y + last.h - sh
    content, boxes = webcam_frame([face], sw, sh, rng)
    image[y : y + sh, x : x + sw] = content
    return tuple(Rect(x + b.x, y + b.y, b.w, b.h) for b in boxes)
