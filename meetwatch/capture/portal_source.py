"""Capture on Wayland: the window or screen the user shares through the desktop portal.

The portal's dialog picks (meetwatch cannot list windows on Wayland); its restore token is
kept in the user state folder so the next session shares the same window without asking.
Frames come from the portal's PipeWire stream through GStreamer's pipewiresrc, as `Frame`s
like every other source, with the same blank-frame watch (a protected window).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
from platformdirs import user_state_dir

from meetwatch.capture.frame import Frame
from meetwatch.capture.gst_frames import GstFrames
from meetwatch.capture.portal import ScreenCastPortal
from meetwatch.capture.source import SourceBase
from meetwatch.errors import CaptureError
from meetwatch.private_files import private_file, private_folder
from meetwatch.runtime.clock import Clock, SystemClock

log = logging.getLogger(__name__)

TOKEN_FILE = "screencast-restore-token"
DEFAULT_SIZE = (1920, 1080)
FIRST_FRAME_TIMEOUT_S = 10.0
KEEPALIVE_MS = 1000
# pipewiresrc repeats the last picture every KEEPALIVE_MS while the stream lives, even on a
# still screen; this long without any picture means the desktop took the stream away.
STREAM_GONE_S = 10.0


def token_path() -> Path:
    return Path(user_state_dir("meetwatch")) / TOKEN_FILE


def load_token(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def save_token(path: Path, token: str | None) -> None:
    """Tokens are single-use: each session's new one replaces the last."""
    if token is None:
        return
    try:
        private_folder(path.parent)
        private_file(path).write_text(token + "\n")  # owner-only before the token is in it
    except OSError as e:  # the dialog will simply ask again next time
        log.warning("could not keep the screen-sharing restore token in %s: %s", path, e)


class PortalSource(SourceBase):
    """What the user shares in the portal's dialog (a window or a screen)."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        token_file: Path | None = None,
        rate_hz: int = 2,
        portal: ScreenCastPortal | None = None,
    ) -> None:
        super().__init__()
        self._clock = clock or SystemClock()
        self._token_file = token_file or token_path()
        self._rate = rate_hz
        self._given_portal = portal
        self._portal: ScreenCastPortal | None = None
        self._frames: GstFrames | None = None

    def describe(self) -> str:
        return "portal:shared window or screen"

    def read(self) -> Frame | None:
        """The newest shared frame; None once sharing has stopped (the user ended it from
        the desktop's sharing indicator, or the window closed), which ends the session."""
        self._require_open()
        assert self._frames is not None and self._portal is not None
        if self._portal.closed():
            log.info("screen sharing ended: the desktop closed the portal session")
            return None
        image = self._frames.latest()
        failure = self._frames.failure()
        if failure is not None:
            log.info("screen sharing ended: %s", failure)
            return None
        silent = self._frames.seconds_since_frame()
        if silent is not None and silent > STREAM_GONE_S:
            log.info("screen sharing ended: no picture for %.0f s", silent)
            return None
        if image is None:
            w, h = self._frames.size
            return self._frame(np.zeros((h, w, 3), np.uint8), self._clock.now(), missing=True)
        return self._screen_frame(image, self._clock.now())

    def _open(self) -> None:
        portal = self._given_portal or ScreenCastPortal()
        try:
            cast = portal.start(load_token(self._token_file))
            save_token(self._token_file, cast.restore_token)
            stream = cast.streams[0]
            size = stream.size or DEFAULT_SIZE
            try:
                # keepalive: PipeWire sends a still window's picture once; repeat it
                source = ["pipewiresrc", f"fd={cast.pipewire_fd}", f"path={stream.node_id}"]
                source += ["always-copy=true", f"keepalive-time={KEEPALIVE_MS}"]
                self._frames = GstFrames(
                    source,
                    size,
                    self._rate,
                    pass_fds=[cast.pipewire_fd],
                )
            finally:
                os.close(cast.pipewire_fd)  # the child has its own copy
            if self._frames.latest(FIRST_FRAME_TIMEOUT_S) is None:
                reason = self._frames.failure() or "no frame within 10 s"
                self._frames.close()
                raise CaptureError(f"The shared window gave no picture: {reason}")
        except BaseException:
            portal.close()
            raise
        self._portal = portal

    def _close(self) -> None:
        assert self._frames is not None and self._portal is not None
        self._frames.close()
        self._portal.close()
        self._frames = self._portal = None
