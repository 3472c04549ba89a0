"""Keep the C++ libraries' log lines off the terminal.

mediapipe, TFLite and absl write straight to file descriptor 2 from their own threads, at
graph start and at first inference ("Created TensorFlow Lite XNNPACK delegate", "All log
messages before absl::InitializeLog()", "W0000 ... inference_feedback_manager.cc ..."), and
the environment variables glog and TensorFlow read do not reach absl's logger. So the process's
fd 2 becomes a pipe read by a thread that sends recognised library lines to the `meetwatch.
native` logger at debug level (the log file keeps them when it logs debug) and passes every
other line to the real stderr unchanged: Python's own output, tracebacks and fatal library
errors are never swallowed. Python's `sys.stderr` writes to a duplicate of the real stderr,
so meetwatch's own messages take no detour.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading

# glog/absl prefix (severity letter, MMDD, time, thread, file:line]) and TFLite's "INFO: ..."
# lines; a fatal line (F...) is not chatter and passes through. Then what libpng and libjpeg
# print about a damaged picture (meetwatch says so itself, in one line) and OpenCV's own log.
CHATTER = re.compile(
    rb"^(?:[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^\]]+\] "
    rb"|INFO: |WARNING: All log messages before absl::InitializeLog\(\)"
    rb"|Created TensorFlow Lite XNNPACK delegate"  # its "INFO: " can land on another line
    rb"|libpng (?:warning|error): |Corrupt JPEG data: |Premature end of JPEG file"
    rb"|Invalid SOS parameters for sequential JPEG|Warning: unknown JFIF revision number"
    rb"|\[ ?(?:WARN|ERROR|INFO|DEBUG):\d)"
)
LOGGER = "meetwatch.native"

_lock = threading.Lock()
_installed = False


def _quiet_environment() -> None:
    os.environ.setdefault("GLOG_minloglevel", "2")  # glog, where a library still uses it
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # ffmpeg's own lines ("moov atom not found") would precede our one error line on bad videos
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")  # read once, when cv2 is first imported


def quiet_native_logs() -> bool:
    """Install the filter once per process, before mediapipe or onnxruntime is imported;
    True when fd 2 is now filtered. A harness that replaced sys.stderr (a test runner
    capturing output) is left alone: the filter would take its descriptor from under it."""
    global _installed
    _quiet_environment()
    with _lock:
        if _installed:
            return True
        if sys.stderr is not sys.__stderr__ or sys.stderr is None:
            return False
        try:
            sys.stderr.flush()
            real = os.dup(2)
            read_end, write_end = os.pipe()
        except (OSError, ValueError):
            return False
        sys.stderr = os.fdopen(
            real, "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace"
        )
        os.dup2(write_end, 2)
        os.close(write_end)
        reader = threading.Thread(
            target=_forward, args=(read_end, real), name="meetwatch-native-logs", daemon=True
        )
        reader.start()
        _installed = True
        return True


def _forward(read_end: int, real: int) -> None:
    log = logging.getLogger(LOGGER)
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        for line in iter(pipe.readline, b""):
            if CHATTER.match(line):
                log.debug("%s", line.rstrip().decode("utf-8", "replace"))
            else:
                os.write(real, line)
