"""Error hierarchy.

Every failure a user can cause (bad input, missing model, no window) is raised as a
MeetwatchError subclass so the CLI can print one clear line and exit non-zero instead of
showing a traceback.
"""

import sys
from collections.abc import Callable


class MeetwatchError(Exception):
    """Base class: the message is shown to the user as-is."""

    exit_code = 1


class ConfigError(MeetwatchError):
    exit_code = 2


class CaptureError(MeetwatchError):
    exit_code = 3


class ModelError(MeetwatchError):
    exit_code = 4


class ProtocolError(MeetwatchError):
    exit_code = 5


class StoreError(MeetwatchError):
    exit_code = 6


class DataError(MeetwatchError):
    """A dataset or input file is missing, unreadable or has the wrong shape."""

    exit_code = 7


class OutputError(MeetwatchError):
    """A live output (virtual camera, overlay feed) cannot be opened; the core keeps running."""

    exit_code = 8


def exit_code_of(command: Callable[[], object]) -> int:
    """Run a script's body: 0, or one `error:` line and the error's own exit code."""
    try:
        command()
    except MeetwatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0
