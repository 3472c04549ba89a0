"""Head pose (yaw, pitch, roll) from FaceMesh landmarks.

Sign convention, in degrees, for a face seen in a non-mirrored image:
  yaw   > 0: the face is turned to its own left (the nose points to the viewer's right)
  pitch > 0: the face looks up
  roll  > 0: the face is rotated counter-clockwise in the image as the viewer sees it (the top
             of the head leans to the viewer's left), the direction of a positive angle in
             `cv2.getRotationMatrix2D`
All zero for a face looking straight into its camera.
"""

from __future__ import annotations

import cv2
import numpy as np

# Stable landmarks and their place on mediapipe's canonical face model (canonical_face_model.obj,
# centimetres; x to the viewer's right, y up, z out of the face). Silhouette points are left out:
# they slide along the cheek when the head turns.
_MODEL_POINTS: dict[int, tuple[float, float, float]] = {
    1: (0.0, -1.126865, 7.475604),  # nose tip
    6: (0.0, 2.473255, 5.788627),  # nose bridge
    168: (0.0, 3.271027, 5.236015),  # between the eyebrows
    199: (0.0, -7.942194, 5.181173),  # below the lower lip
    152: (0.0, -9.403378, 4.264492),  # chin
    33: (-4.445859, 2.663991, 3.173422),  # outer corner, image-left eye
    133: (-1.856432, 2.585245, 3.757904),  # inner corner, image-left eye
    362: (1.856432, 2.585245, 3.757904),  # inner corner, image-right eye
    263: (4.445859, 2.663991, 3.173422),  # outer corner, image-right eye
    61: (-2.456206, -4.342621, 4.283884),  # mouth corner, image left
    291: (2.456206, -4.342621, 4.283884),  # mouth corner, image right
}
# FaceMesh places these landmarks on a real upright face as if the canonical model were pitched
# down by this much: the median pitch of the 118 CK+ subjects (lab recordings, camera at eye
# level, subjects facing it) came out at -11.0 degrees with the untilted model, FER-2013 faces
# at -12.8. Tilting the model by it makes a face that looks into its camera read pitch ~0.
_MODEL_TILT_DEGREES = 11.0


def _camera_axes_model() -> np.ndarray:
    """The model points in OpenCV camera axes (x right, y down, z away from the camera) for a
    face looking at the camera, so that a frontal face has the identity rotation; centred on
    their mean, so that the face's origin projects to the landmarks' mean, where the principal
    point goes."""
    model = np.array(list(_MODEL_POINTS.values()), np.float64) * np.array([1.0, -1.0, -1.0])
    t = np.radians(_MODEL_TILT_DEGREES)
    tilt = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(t), -np.sin(t)], [0.0, np.sin(t), np.cos(t)]])
    model = model @ tilt.T
    return model - model.mean(axis=0)


_INDICES = np.array(list(_MODEL_POINTS), np.intp)
_MODEL = _camera_axes_model()
_NO_DISTORTION = np.zeros(4)


def head_pose(landmarks: np.ndarray, frame_size: tuple[int, int]) -> np.ndarray:
    """(N, 478, 3) frame-pixel landmarks -> (N, 3) float64 yaw, pitch, roll in degrees.

    The focal length comes from the frame size, but the principal point is put on each face:
    every tile is a different webcam whose subject sits roughly in the middle of its picture,
    and a principal point at the frame centre would read an off-centre face as turned.
    Rows whose landmarks are degenerate (NaN, collapsed to a point) come back as NaN.
    """
    if landmarks.ndim != 3 or landmarks.shape[2] != 3 or landmarks.shape[1] <= _INDICES.max():
        raise ValueError(f"expected (N, 478, 3) landmarks, got {landmarks.shape}")
    focal = float(max(frame_size))
    if focal <= 0:
        raise ValueError(f"frame size must be positive, got {frame_size}")
    out = np.full((len(landmarks), 3), np.nan)
    for i, face in enumerate(landmarks):
        rotation = _solve_rotation(face[_INDICES, :2].astype(np.float64), focal)
        if rotation is not None:
            out[i] = _euler_degrees(rotation)
    return out


def _solve_rotation(points: np.ndarray, focal: float) -> np.ndarray | None:
    if not np.isfinite(points).all():
        return None
    centre = points.mean(axis=0)
    spread = np.ptp(points, axis=0)
    if spread.min() < 1e-3:
        return None
    camera = np.array([[focal, 0.0, centre[0]], [0.0, focal, centre[1]], [0.0, 0.0, 1.0]])
    # Start from a frontal face at the distance its size implies, so the iterative solver
    # cannot settle on the mirror solution behind the camera.
    distance = focal * np.ptp(_MODEL[:, 0]) / spread[0]
    rvec = np.zeros((3, 1))
    tvec = np.array([[0.0], [0.0], [distance]])
    try:
        ok, found, _ = cv2.solvePnP(
            _MODEL,
            points,
            camera,
            _NO_DISTORTION,
            rvec,
            tvec,
            useExtrinsicGuess=True,
            flags=cv2.SOLVEPNP_ITERATIVE,
        )
    except cv2.error:  # points OpenCV cannot fit at all (e.g. all on one line)
        return None
    found = np.asarray(found, np.float64)
    if not ok or not np.isfinite(found).all():
        return None
    rotation, _ = cv2.Rodrigues(found)
    return np.asarray(rotation)


def _euler_degrees(r: np.ndarray) -> np.ndarray:
    """Rotation (face -> camera axes) as yaw, pitch, roll in the convention of this module.

    R = Rz(c) @ Rx(a) @ Ry(b) in camera axes (y down, z away from the camera), decomposed. In
    those axes a positive b turns the nose to the viewer's left, a positive a tilts it down and a
    positive c turns the face clockwise on screen: all three are the opposite of the convention.
    """
    a = np.arcsin(np.clip(r[2, 1], -1.0, 1.0))
    b = np.arctan2(-r[2, 0], r[2, 2])
    c = np.arctan2(-r[0, 1], r[1, 1])
    return -np.degrees(np.array([b, a, c]))
