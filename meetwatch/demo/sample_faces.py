"""Real faces for the demo from sample images that ship inside installed packages.

The demo must run offline and must not ship anyone's photo, so it reuses the two portraits
bundled with scikit-image (the astronaut Eileen Collins) and matplotlib (Grace Hopper). Their
face boxes were found once with mediapipe's full-range detector; the images are fixed, so the
boxes are constants rather than a detector run at start-up.
"""

from __future__ import annotations

import cv2
import numpy as np

from meetwatch.errors import DataError
from meetwatch.geometry import Rect

_ASTRONAUT_FACE = Rect(173, 67, 103, 103)
_HOPPER_FACE = Rect(165, 128, 200, 200)


def _portraits() -> list[tuple[np.ndarray, Rect]]:
    try:
        import matplotlib.cbook as cbook
        import skimage.data

        astronaut = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
        hopper = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    except (OSError, ValueError, ImportError) as exc:
        raise DataError(f"demo faces need scikit-image and matplotlib sample data: {exc}") from exc
    if hopper is None:
        raise DataError("matplotlib's sample image grace_hopper.jpg is missing or unreadable")
    return [(astronaut, _ASTRONAUT_FACE), (hopper, _HOPPER_FACE)]


def _variant(image: np.ndarray, face: Rect, rng: np.random.Generator) -> np.ndarray:
    """The face cropped a little loosely, then flipped, rotated, rescaled and re-lit."""
    cx, cy = face.center
    angle = rng.uniform(-8.0, 8.0)
    m = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    rotated = cv2.warpAffine(
        image, m, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REFLECT
    )
    half = face.w * rng.uniform(0.55, 0.65)
    x0, y0 = max(0, int(cx - half)), max(0, int(cy - half * 1.1))
    crop = rotated[y0 : int(cy + half * 1.1), x0 : int(cx + half)]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    side = int(rng.integers(96, 192))
    crop = cv2.resize(
        crop, (side, int(side * crop.shape[0] / crop.shape[1])), interpolation=cv2.INTER_AREA
    )
    gain = rng.uniform(0.75, 1.2)
    return np.clip(crop.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def demo_faces(n: int = 8, rng: np.random.Generator | None = None) -> list[np.ndarray]:
    """n varied BGR face crops (tight like dataset crops), alternating the two portraits."""
    if n < 1:
        raise DataError(f"asked for {n} demo faces; need at least 1")
    rng = rng if rng is not None else np.random.default_rng(0)
    portraits = _portraits()
    return [_variant(*portraits[i % len(portraits)], rng) for i in range(n)]
