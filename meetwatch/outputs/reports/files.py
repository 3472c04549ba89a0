"""Writing report files: a clear error for a folder we cannot use, and no half-written file.

Each file is written beside its target under a temporary name and renamed into place, so a
reader (or a sync client) never picks up a truncated report, and a failure leaves the
previous version intact.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from meetwatch.errors import ConfigError, OutputError
from meetwatch.private_files import make_private

FORMATS = ("html", "pdf", "csv", "json")  # what a report is unless asked otherwise
ALL_FORMATS = (*FORMATS, "parquet")


def check_formats(formats: Iterable[str], allowed: tuple[str, ...] = FORMATS) -> list[str]:
    """The requested formats in a fixed order; an unknown one is named in the error."""
    wanted = {f.strip().lower() for f in ([formats] if isinstance(formats, str) else formats)}
    wanted.discard("")
    unknown = sorted(wanted - set(allowed))
    if unknown:
        raise ConfigError(
            f"unknown report format {', '.join(unknown)}; choose from {', '.join(allowed)}"
        )
    if not wanted:
        raise ConfigError(f"no report format given; choose from {', '.join(allowed)}")
    return [f for f in allowed if f in wanted]


def output_dir(out_dir: Path | str) -> Path:
    path = Path(out_dir).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(
            f"cannot use {path} as the report folder: {e.strerror or e}; choose a writable folder"
        ) from e
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"the report folder {path} is not writable; choose a writable folder")
    return path


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call write(temporary path), then move the result to path."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        make_private(tmp)  # a report names who was attentive when: the user's eyes only
        os.replace(tmp, path)
    except OSError as e:
        raise OutputError(f"cannot write the report file {path}: {e.strerror or e}") from e
    finally:
        tmp.unlink(missing_ok=True)  # gone after the rename; left over only on failure
    return path


def write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
