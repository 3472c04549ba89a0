"""Files that hold what meetwatch measured about people are readable by their owner only.

Sessions, logs and reports say who was attentive when; on a shared computer (a school's,
a family's) other accounts must not read them. Folders meetwatch keeps them in are 0700,
the files 0600, whatever the umask. Only POSIX permissions are set: on Windows the user's
profile folders are private already.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
_POSIX = os.name == "posix"


def private_folder(path: Path) -> Path:
    """Create `path` (and missing parents) and make it the owner's only; parents that
    existed already are left as they are."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    make_private(path)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty if it is missing, owner-only from its first moment, and make an
    existing one owner-only."""
    if _POSIX:
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    else:
        path.touch()
    make_private(path)
    return path


def make_private(path: Path) -> None:
    """Take group and others' permissions away, if the path exists (a store's -wal and
    -shm files come and go). The owner's own bits stay: a folder or file the user made
    read-only stays read-only. A path of another owner is left alone."""
    if not _POSIX:
        return
    with contextlib.suppress(FileNotFoundError, PermissionError):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & 0o700)
