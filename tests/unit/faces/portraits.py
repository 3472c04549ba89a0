"""Real faces for the face and signal tests, found the way the product finds them.

The portraits ship inside installed packages (scikit-image's astronaut, matplotlib's Grace
Hopper), so these tests run on a fresh machine; dataset faces come through `data_dir`.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
import skimage.data
from matplotlib.cbook import get_sample_data

from meetwatch.capture.frame import Frame
from meetwatch.faces.faces import Faces
from meetwatch.faces.finder import FaceFinder
from meetwatch.geometry import Rect
from meetwatch.layout.tiles import Tile, Tiles
from meetwatch.training.attention_data import framed_face

PORTRAITS = ("astronaut", "hopper")


def portrait(name: str) -> np.ndarray:
    """The whole BGR portrait image."""
    if name == "astronaut":
        return cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    with get_sample_data("grace_hopper.jpg") as f:
        return cv2.imdecode(np.frombuffer(f.read(), np.uint8), cv2.IMREAD_COLOR)


@functools.cache
def finder() -> FaceFinder:
    return FaceFinder()


def whole_image_tiles(image: np.ndarray) -> Tiles:
    h, w = image.shape[:2]
    return Tiles(0, 0.0, (w, h), (Tile(0, Rect(0, 0, w, h)),), "single")


def find(image: np.ndarray) -> Faces:
    """Faces in an image treated as one single-tile window, found afresh: the shared finder
    would otherwise follow the previous image's face in the same slot."""
    frame = Frame(np.ascontiguousarray(image), 0.0, 0, "test")
    finder().reset()
    return finder().find(frame, whole_image_tiles(image))


def find_one(image: np.ndarray) -> np.ndarray:
    """(1, 478, 3) landmarks of the one face an image must show."""
    faces = find(image)
    assert len(faces) == 1, f"expected one face, found {len(faces)}"
    return faces.landmarks


def flipped(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image[:, ::-1])


def rotated(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotated in-plane about the image centre (positive: counter-clockwise on screen)."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


def dataset_face(gray: np.ndarray) -> np.ndarray:
    """A 48x48 dataset face framed as the attention network's training faces are."""
    return framed_face(gray)
