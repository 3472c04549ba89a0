"""The commands that run the core: run, demo, analyze, report, overlay, tray.

Kept apart from cli.py so `meetwatch --help`, `token` and `list-windows` never pay for
importing mediapipe and onnxruntime.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from typing import Any

from meetwatch.app import AppOptions
from meetwatch.capture.source import FrameSource
from meetwatch.capture.spec import is_portal, open_source
from meetwatch.config import Config, load_config
from meetwatch.controller import CoreController, WatchTarget
from meetwatch.desktop.notice import presenter_notice
from meetwatch.errors import CaptureError, ConfigError, MeetwatchError
from meetwatch.first_run import note_if_unanswered, settle_usage


def _config(args: argparse.Namespace, **overrides: Any) -> Config:
    path = getattr(args, "config", None)
    config = load_config(path)
    if hasattr(args, "used_in"):  # the commands that analyse people: run, demo, analyze
        config = settle_usage(config, path, args.used_in, args.in_eu)
    capture = dict(config.capture)
    privacy = dict(config.privacy)
    if getattr(args, "rate", None):
        capture["rate_hz"] = args.rate
    if getattr(args, "aggregate_only", False):
        privacy["mode"] = "aggregate_only"
    if getattr(args, "attention_only", False):
        privacy["attention_only"] = True
    data = config.model_dump()
    data["capture"], data["privacy"] = capture, privacy
    for key, value in overrides.items():
        data[key] = {**data[key], **value}
    try:
        return Config.model_validate(data)
    except ValueError as exc:
        raise ConfigError(f"invalid option: {exc}") from exc


def _source_spec(args: argparse.Namespace) -> str:
    """The flags as the one source string every driver uses (see capture.spec)."""
    if args.window:
        return f"window:{args.window}"
    if args.screen is not None:
        return f"screen:{args.screen}"
    if args.region:
        x, y, w, h = args.region
        return f"region:{x},{y},{w}x{h}"
    if args.video:
        return f"video:{args.video}"
    raise ConfigError(
        "choose what to watch: --window TITLE, --screen N, --region X,Y,W,H or --video FILE"
    )


def _flags_target(args: argparse.Namespace, config: Config) -> WatchTarget:
    """What this run's sessions watch unless a feed client names another source in
    `StartSession` after stopping the first: the flags' source."""
    spec = _source_spec(args)

    def make() -> FrameSource:
        source = open_source(spec, video_rate=config.capture.rate_hz)
        if is_portal(source):
            print("Wayland: pick the meeting window (or screen) in the desktop's sharing dialog")
        return source

    return WatchTarget(spec, make)


def _sigterm_as_interrupt() -> None:
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _live(
    controller: CoreController,
    args: argparse.Namespace,
    title: str,
    duration: float | None = None,
    frames: int = 0,
    *,
    feed_required: bool = True,
) -> int:
    from meetwatch.terminal_view import TerminalView

    _sigterm_as_interrupt()
    ended = None
    try:
        controller.start(feed_required=feed_required)
        if controller.startup_problem:
            print(f"warning: {controller.startup_problem}")
        app = controller.app
        overlay = ""
        if app.feed is not None:
            overlay = app.feed.overlay_url()
            print(f"live feed: {app.feed.url()}  overlay: {overlay}")
        info = controller.start_session()
        print(presenter_notice(controller.config))
        note_if_unanswered(args.config, args.used_in)
        print(f"session {info.session_id} recording to {app.store.path if app.store else '-'}")
        if args.quiet:
            app.wait(duration, frames)
        else:
            with TerminalView(app.bus, title or info.source, overlay):
                app.wait(duration, frames)
    except KeyboardInterrupt:
        pass
    finally:
        ended = controller.shutdown()
    app = controller.app
    recorder = app.recorder
    saved = recorder is None or recorder.session_saved
    if ended is not None and ended.ended_at is not None:
        length = ended.ended_at - ended.started_at
        print(
            f"session {ended.session_id} ended after {length:.0f} s; "
            + (
                f"`meetwatch report {ended.session_id}` writes its report"
                if saved
                else "nothing of it could be saved"
            )
        )
    if app.capture_blocked is not None:
        raise app.capture_blocked
    if recorder is not None:
        recorder.raise_if_lost()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    config = _config(args)
    options = AppOptions(server=not args.no_server, vcam=args.vcam, port=args.port)
    controller = CoreController(config, options, target=_flags_target(args, config))
    return _live(controller, args, "", duration=args.duration)


def _display_available() -> bool:
    if not os.environ.get("DISPLAY"):
        return False
    try:
        from Xlib import display as xdisplay

        xdisplay.Display().close()
    except Exception:
        return False
    return True


def _wait_for_window(title: str, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    from meetwatch.capture.windows import list_windows

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CaptureError(f"the demo window could not be opened (exit code {proc.returncode})")
        if any(title in w.title and w.visible for w in list_windows()):
            time.sleep(0.5)  # let it paint
            return
        time.sleep(0.2)
    raise CaptureError("the demo window did not appear on the screen")


def cmd_demo(args: argparse.Namespace) -> int:
    from meetwatch.demo.scenario import DEMO_TITLE, DemoScenario, ScenarioSource

    config = _config(args)
    target: WatchTarget
    window: subprocess.Popen[bytes] | None = None
    if not args.no_display and _display_available():
        from meetwatch.capture.window_source import WindowSource

        env = dict(os.environ)
        if sys.platform.startswith("linux"):
            env["QT_QPA_PLATFORM"] = "xcb"  # on the X display we capture, never offscreen
        window = subprocess.Popen(
            [sys.executable, "-m", "meetwatch.qt.demo_window", "--title", DEMO_TITLE],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        _wait_for_window(DEMO_TITLE, window)
        target = WatchTarget("the demo window", lambda: WindowSource(DEMO_TITLE))
        print(
            f"demo: showing a meeting gallery in the window {DEMO_TITLE!r} "
            "and capturing it from the screen"
        )
    else:
        print("demo: no display available, replaying the demo gallery as a video source instead")
        target = WatchTarget(
            "the replayed demo gallery", lambda: ScenarioSource(DemoScenario(), args.frames)
        )
    controller = CoreController(config, AppOptions(server=True), target=target)
    try:  # a feed that cannot start (port in use) is a warning: the demo runs without it
        return _live(controller, args, "meetwatch demo", frames=args.frames, feed_required=False)
    finally:
        if window is not None:
            window.terminate()
            window.wait(5)


def cmd_analyze(args: argparse.Namespace) -> int:
    from meetwatch.analyze_cli import run_batch

    status = run_batch(args, _config(args))
    note_if_unanswered(args.config, args.used_in)
    return status


def cmd_report(args: argparse.Namespace) -> int:
    from meetwatch.app import report_options, store_path
    from meetwatch.outputs.reports import build_report, combine_reports
    from meetwatch.session.store import SessionStore

    config = _config(args)
    path = args.store or store_path(config)
    if not path.exists():
        raise MeetwatchError(f"no sessions recorded yet ({path} does not exist)")
    formats = {f.strip() for f in args.format.split(",") if f.strip()}
    store = SessionStore.open_readonly(path)  # a report never writes or upgrades the store
    try:
        if args.combine:
            paths = combine_reports(
                store, args.combine, args.out, formats=formats, options=report_options(config)
            )
        else:
            paths = build_report(
                store,
                args.session,
                formats=formats,
                out_dir=args.out,
                options=report_options(config),
            )
    finally:
        store.close()
    for p in paths:
        print(p)
    return 0
