"""`meetwatch` command line: run | demo | analyze | report | eval | list-windows | ...

Every command imports its heavy dependencies lazily, and every user-caused failure ends as
one `error:` line and a non-zero exit code (see meetwatch.errors), never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from meetwatch import __version__
from meetwatch.errors import MeetwatchError
from meetwatch.native_logs import quiet_native_logs


def _region(text: str) -> tuple[int, int, int, int]:
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected X,Y,W,H in pixels") from exc
    if w < 1 or h < 1:
        raise argparse.ArgumentTypeError("width and height must be at least 1 pixel")
    return (x, y, w, h)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected a port number, 1-65535") from exc
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: choose 1-65535")
    return port


def _add_source(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--window", metavar="TITLE", help='title pattern of the meeting window, e.g. "Zoom"'
    )
    g.add_argument("--screen", type=int, metavar="N", help="capture monitor N (1 = first)")
    g.add_argument("--region", type=_region, metavar="X,Y,W,H", help="capture a screen region")
    g.add_argument(
        "--video", type=Path, metavar="FILE", help="analyse a recorded meeting video live"
    )


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="config file (default: the user config file)")
    p.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")


def _yes_no(text: str) -> bool:
    answers = {"yes": True, "y": True, "no": False, "n": False}
    if text.lower() not in answers:
        raise argparse.ArgumentTypeError("answer yes or no")
    return answers[text.lower()]


def _add_privacy(p: argparse.ArgumentParser) -> None:
    """The privacy switches of every command that analyses people (run, demo, analyze)."""
    p.add_argument(
        "--attention-only",
        action="store_true",
        help="never analyse emotion (the model is not loaded): attention and presence only",
    )
    p.add_argument(
        "--aggregate-only", action="store_true", help="room figures only, nobody individually"
    )
    p.add_argument(
        "--used-in",
        choices=["education", "workplace", "other"],
        help="answer the first-run question for this run (with --in-eu)",
    )
    p.add_argument(
        "--in-eu",
        type=_yes_no,
        metavar="yes|no",
        help="whether the people analysed are in the EU (with --used-in)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meetwatch",
        description="On-device meeting engagement: emotion, attention and engagement "
        "per participant.",
    )
    parser.add_argument("--version", action="version", version=f"meetwatch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="watch a meeting window (or screen, region, video) live")
    _add_source(p)
    _add_common(p)
    p.add_argument("--rate", type=float, help="analysed frames per second (default from config: 1)")
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    p.add_argument(
        "--vcam", choices=["annotated", "dashboard", "emoji"], help="publish a virtual camera"
    )
    p.add_argument("--no-server", action="store_true", help="do not serve the websocket feed")
    p.add_argument("--port", type=_port, help="websocket/overlay port (1-65535)")
    _add_privacy(p)
    p.add_argument("--quiet", action="store_true", help="no live terminal view")

    p = sub.add_parser("demo", help="run the whole live path on a built-in gallery of faces")
    _add_common(p)
    p.add_argument(
        "--frames", type=int, default=0, help="stop after N analysed frames (0: until Ctrl-C)"
    )
    p.add_argument("--rate", type=float, help="analysed frames per second")
    p.add_argument("--no-display", action="store_true", help="replay the gallery as a video source")
    _add_privacy(p)
    p.add_argument("--quiet", action="store_true", help="no live terminal view")

    p = sub.add_parser(
        "analyze", help="analyse recorded meeting videos and images (files or folders)"
    )
    p.add_argument(
        "paths", type=Path, nargs="+", metavar="PATH", help="files, or folders searched recursively"
    )
    _add_common(p)
    p.add_argument("--json", action="store_true", help="print one JSON line per input")
    p.add_argument(
        "--rate", type=float, default=1.0, help="video frames analysed per second of video"
    )
    p.add_argument(
        "--report", type=Path, metavar="DIR", help="also write each input's report to DIR"
    )
    stored = p.add_mutually_exclusive_group()
    stored.add_argument(
        "--store", action="store_true", help="record images as sessions too (videos always are)"
    )
    stored.add_argument("--no-store", action="store_true", help="record nothing, not even videos")
    _add_privacy(p)

    p = sub.add_parser("report", help="write a session report (HTML, PDF, CSV, JSON, Parquet)")
    p.add_argument("session", nargs="?", default="latest", help='session id or "latest"')
    _add_common(p)
    p.add_argument(
        "--format",
        default="html,pdf,csv,json",
        help="comma-separated formats: html, pdf, csv, json, parquet",
    )
    p.add_argument("--out", type=Path, default=Path("."), help="output folder")
    p.add_argument("--combine", nargs="+", metavar="SESSION", help="compare several sessions")
    p.add_argument("--store", type=Path, help="session database (default: the user data folder)")

    p = sub.add_parser("eval", help="evaluate a shipped model on the shared datasets")
    p.add_argument("what", choices=["emotion"])
    p.add_argument("--data", type=Path, help="shared data folder (default: $MEETWATCH_DATA)")
    p.add_argument("--out", type=Path, default=Path("eval"), help="where confusion matrices go")
    p.add_argument("--tta", action="store_true", help="average each face with its mirror image")
    p.add_argument("--limit", type=int, default=0, help="first N PrivateTest images only")
    p.add_argument("--json", action="store_true", help="print JSON (schema: docs/eval.schema.json)")

    p = sub.add_parser("list-windows", help="list windows; meeting windows are marked")
    p.add_argument("--all", action="store_true", help="include invisible windows")

    p = sub.add_parser("validate-config", help="check a config file")
    p.add_argument("path", nargs="?", type=Path)

    p = sub.add_parser("token", help="show (or rotate) the websocket token")
    p.add_argument("--rotate", action="store_true")

    # The Qt commands parse their own options (meetwatch.qt.*.main), so this module never
    # imports PyQt6; `meetwatch overlay --help` shows them.
    for name, text in (
        ("overlay", "open the presenter overlay (connects to a running meetwatch)"),
        ("tray", "start the tray app"),
    ):
        sub.add_parser(name, help=text, add_help=False)
    return parser


def _cmd_eval(args: argparse.Namespace) -> int:
    from meetwatch.analysis.emotion import EmotionModel
    from meetwatch.training.data import data_root
    from meetwatch.training.eval_command import run_eval

    model = EmotionModel()
    root = data_root(args.data)
    run_eval(model, root, args.out, tta=args.tta, limit=args.limit, as_json=args.json)
    return 0


def _cmd_validate_config(args: argparse.Namespace) -> int:
    from meetwatch.config import default_config_path, load_config

    path = args.path or default_config_path()
    load_config(args.path)
    print(f"{path}: valid" if path.exists() else f"{path} does not exist: defaults apply")
    return 0


def _cmd_list_windows(args: argparse.Namespace) -> int:
    from meetwatch.capture.display import WAYLAND_PICKS, is_wayland
    from meetwatch.capture.windows import list_windows

    if is_wayland():
        print(WAYLAND_PICKS)
        return 0

    windows = [w for w in list_windows() if args.all or w.visible]
    if not windows:
        print("no windows found")
        return 0
    for w in sorted(windows, key=lambda w: (w.meeting_app is None, w.title.lower())):
        mark = f"[{w.meeting_app}]" if w.meeting_app else ""
        print(f"{mark:8} {w.title!r:60} {w.app:20} {w.w}x{w.h}+{w.x}+{w.y}")
    return 0


def _cmd_token(args: argparse.Namespace) -> int:
    from meetwatch.config import config_dir
    from meetwatch.outputs.feed.token import load_or_create_token, rotate_token

    token = rotate_token(config_dir()) if args.rotate else load_or_create_token(config_dir())
    print(token)
    return 0


def _lazy(module: str, func: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        import importlib

        return int(getattr(importlib.import_module(module), func)(args))

    return run


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _lazy("meetwatch.commands", "cmd_run"),
    "demo": _lazy("meetwatch.commands", "cmd_demo"),
    "analyze": _lazy("meetwatch.commands", "cmd_analyze"),
    "report": _lazy("meetwatch.commands", "cmd_report"),
    "eval": _cmd_eval,
    "list-windows": _cmd_list_windows,
    "validate-config": _cmd_validate_config,
    "token": _cmd_token,
}


QT_COMMANDS = {"overlay": "meetwatch.qt.overlay", "tray": "meetwatch.qt.tray"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    quiet_native_logs()  # before logging picks its stream and before mediapipe loads
    if argv and argv[0] in QT_COMMANDS:
        import importlib

        return int(importlib.import_module(QT_COMMANDS[argv[0]]).main(argv[1:]))
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return COMMANDS[args.command](args)
    except MeetwatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
