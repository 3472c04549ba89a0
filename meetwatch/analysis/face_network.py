"""A shipped ONNX network over 48x48 face crops, checked against its manifest before use.

A stale or damaged model would otherwise produce plausible-looking but wrong scores, which is
worse than refusing to start. The emotion and the attention networks go through the same
checks: the file's sha256, its input and output, its class order and the preprocessing version
of meetwatch.analysis.face_crop, which both share with their training.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from meetwatch.analysis.face_crop import PREPROCESS_VERSION, normalize
from meetwatch.errors import ModelError


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class ModelManifest:
    file: str
    sha256: str
    input_name: str
    input_shape: tuple[int | str, ...]
    output_name: str
    classes: tuple[str, ...]
    preprocess_version: int
    temperature: float = 1.0  # fitted at export; 1.0 for an uncalibrated file

    @classmethod
    def read(cls, path: Path, what: str) -> ModelManifest:
        if not path.is_file():
            raise ModelError(f"{what} manifest not found at {path}")
        try:
            raw = tomllib.loads(path.read_text())
            m = raw["model"]
            return cls(
                file=m["file"],
                sha256=m["sha256"],
                input_name=m["input"]["name"],
                input_shape=tuple(m["input"]["shape"]),
                output_name=m["output"]["name"],
                classes=tuple(m["classes"]),
                preprocess_version=int(m["preprocess_version"]),
                temperature=float(m.get("calibration", {}).get("temperature", 1.0)),
            )
        except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{what} manifest {path} is invalid: {exc}") from exc


class FaceNetwork:
    """One verified onnxruntime session; `what` names the model in every error message."""

    def __init__(
        self, manifest_path: Path, what: str, classes: tuple[str, ...], threads: int
    ) -> None:
        import onnxruntime as ort  # imported here so `--help` stays fast

        self.manifest = m = ModelManifest.read(manifest_path, what)
        path = manifest_path.parent / m.file
        if not path.is_file():
            raise ModelError(
                f"{what} {path} is missing: reinstall meetwatch or export it again with its "
                "training script"
            )
        digest = sha256_of(path)
        if digest != m.sha256:
            raise ModelError(
                f"{what} {path} does not match its manifest (sha256 {digest[:12]}... "
                f"expected {m.sha256[:12]}...): the file is corrupt or from another build"
            )
        if m.classes != classes:
            raise ModelError(f"{what} classes {m.classes} differ from {classes}")
        if m.preprocess_version != PREPROCESS_VERSION:
            raise ModelError(
                f"{what} expects preprocessing v{m.preprocess_version}, "
                f"this meetwatch provides v{PREPROCESS_VERSION}"
            )
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # Idle pool threads would spin after each batch: twice the CPU of a 25-face batch
        # between the frames of a live session, for no gain in latency.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(
                str(path), opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"{what} {path} cannot be loaded: {exc}") from exc
        inp = self._session.get_inputs()[0]
        out = self._session.get_outputs()[0]
        if inp.name != m.input_name or list(inp.shape[1:]) != list(m.input_shape[1:]):
            raise ModelError(
                f"{what} input {inp.name}{inp.shape} does not match the manifest "
                f"{m.input_name}{list(m.input_shape)}"
            )
        if out.name != m.output_name:
            raise ModelError(f"{what} output {out.name} is not {m.output_name}")

    def run(self, faces: np.ndarray) -> np.ndarray:
        """(N, 48, 48) uint8 crops -> (N, classes) float32: what the file outputs."""
        if len(faces) == 0:
            return np.zeros((0, len(self.manifest.classes)), np.float32)
        out = self._session.run(
            [self.manifest.output_name], {self.manifest.input_name: normalize(faces)}
        )[0]
        return np.asarray(out, np.float32)
