"""The demo meeting shown in a real window: `python -m meetwatch.qt.demo_window`.

`meetwatch demo` starts this as a separate process so the core captures it from the screen
exactly as it would capture Zoom.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence

from meetwatch.demo.scenario import DEMO_TITLE, DemoScenario
from meetwatch.qt.gallery_window import run_gallery


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--title", default=DEMO_TITLE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--interval-ms", type=int, default=500)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    scenario = DemoScenario(seed=args.seed)
    t0 = time.monotonic()
    return run_gallery(
        args.title, lambda: scenario.frame_at(time.monotonic() - t0), args.interval_ms, (0, 0)
    )


if __name__ == "__main__":
    sys.exit(main())
