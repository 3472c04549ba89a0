"""`meetwatch analyze PATH...`: a batch of recordings and images, one model load for all.

Each input is analysed in turn; a file that fails gets its one `error:` line and the batch
goes on, and the exit code says whether any failed. Videos are recorded as sessions (so
`meetwatch report` works on them); images only with --store, because a single frame is
not a meeting and must not become "the latest session". With --report, every input gets
its report (images too: their session then lives in a throw-away store). --json prints one
JSON object per input (JSON Lines) as soon as it is done.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from meetwatch.app import App, AppOptions, report_options, store_path
from meetwatch.config import Config
from meetwatch.errors import ConfigError, MeetwatchError
from meetwatch.offline import Analyser, AnalysisResult, is_image, media_files
from meetwatch.outputs.text import percent
from meetwatch.session.store import SessionStore
from meetwatch.shared import SCHEMA_VERSION


class FailedInput(BaseModel):
    """The JSON line of an input that could not be analysed."""

    model_config = ConfigDict(extra="forbid")
    schema_version: int = SCHEMA_VERSION
    path: str
    error: str = Field(description="The same message as the `error:` line on stderr")


class AnalysedInput(AnalysisResult):
    """The JSON line of an analysed input: the result, where it came from, its report."""

    path: str
    report: list[str] = Field(default_factory=list, description="Report files written")


def run_batch(args: argparse.Namespace, config: Config) -> int:
    if args.report and args.no_store:
        raise ConfigError("--report builds the report from the recorded session: drop --no-store")
    paths = media_files(args.paths)
    if not paths:
        folders = ", ".join(str(p) for p in args.paths)
        raise ConfigError(f"no image or video file found in {folders}")
    if not args.no_store:  # an unusable session folder is one error before any analysis
        SessionStore.open(store_path(config)).close()
    done: list[AnalysedInput | FailedInput] = []
    failed_code = 0  # the first failure's
    with ExitStack() as stack:
        progress = stack.enter_context(_progress(args.json or not sys.stderr.isatty()))
        batch = progress.add_task("files", total=len(paths))
        analyser = stack.enter_context(Analyser(config))  # one model load for every input
        for path in paths:
            task = progress.add_task(path.name, total=None)
            keep = not args.no_store and (args.store or not is_image(path))
            try:
                with ExitStack() as recording:
                    app = _recording(recording, config, keep, args.report is not None)
                    bus = None if app is None else app.bus
                    result = analyser.analyse(path, bus, args.rate, _updates(progress, task))
                    files = [] if app is None else _recorded(app, result, args.report, config)
                outcome: AnalysedInput | FailedInput = AnalysedInput(
                    **result.model_dump(),
                    path=str(path),
                    report=[str(f) for f in files],
                )
                if not keep:
                    outcome = outcome.model_copy(update={"session_id": None})
            except MeetwatchError as exc:
                outcome = FailedInput(path=str(path), error=_message(path, exc))
                print(f"error: {outcome.error}", file=sys.stderr, flush=True)
                failed_code = failed_code or exc.exit_code
            progress.remove_task(task)
            progress.advance(batch)
            done.append(outcome)
            if args.json:
                print(outcome.model_dump_json(), flush=True)
    if not args.json:
        _print_summary(done)
    return failed_code


def _updates(progress: Progress, task: TaskID) -> Callable[[int, int], None]:
    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return update


def _message(path: Path, exc: MeetwatchError) -> str:
    """The error names the file; most already do, the rest get it in front."""
    text = str(exc)
    return text if path.name in text else f"{path}: {text}"


def _recording(stack: ExitStack, config: Config, keep: bool, report: bool) -> App | None:
    """The core that records one input the way `run` records a session (the store and its
    recorder on the bus): into the user's store when the input is kept, into a throw-away
    store when only its report needs the session (an image without --store), or nowhere."""
    if not keep and not report:
        return None
    if not keep:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="meetwatch-")))
        store = config.store.model_copy(update={"data_dir": folder, "retention_days": 0})
        config = config.model_copy(update={"store": store})
    app = App(config, AppOptions(server=False))
    app.start()
    stack.callback(app.stop)  # on a failure too; stopping twice is harmless
    return app


def _recorded(app: App, result: AnalysisResult, out: Path | None, config: Config) -> list[Path]:
    """End the recording of an analysed input and build its report (with --report). A session
    whose samples did not all reach the store fails its input (StoreError) rather than being
    reported as analysed."""
    app.stop()  # the recorder writes what is queued: every sample is in the store
    if app.recorder is not None:
        app.recorder.raise_if_lost()
    if out is None or app.store is None:
        return []
    from meetwatch.outputs.reports import build_report

    with SessionStore.open(app.store.path) as store:
        return build_report(
            store, result.session_id or "latest", out_dir=out, options=report_options(config)
        )


@contextmanager
def _progress(disabled: bool) -> Iterator[Progress]:
    """One bar for the batch and one for the file being analysed, on stderr."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    console = Console(stderr=True)
    with Progress(*columns, console=console, transient=True, disable=disabled) as progress:
        yield progress


def _print_summary(done: list[AnalysedInput | FailedInput]) -> None:
    analysed = [d for d in done if isinstance(d, AnalysedInput)]
    if len(done) == 1 and analysed:
        _print_result(analysed[0])
        return
    table = Table(title=f"{len(analysed)} of {len(done)} files analysed")
    for name, right in (
        ("file", False),
        ("frames", True),
        ("participants", True),
        ("attentive", True),
        ("engagement", True),
        ("session", False),
    ):
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    for d in done:
        if isinstance(d, FailedInput):
            table.add_row(Path(d.path).name, "–", "–", "–", "–", "failed (error above)")
            continue
        attentive, engagement = _means(d)
        table.add_row(
            Path(d.path).name,
            str(d.frames_analysed),
            str(len(d.participants)),
            percent(attentive),
            percent(engagement),
            d.session_id[:8] if d.session_id else "not stored",
        )
    Console(soft_wrap=False).print(table)


def _means(d: AnalysisResult) -> tuple[float | None, float | None]:
    """Mean attentive share (of the seconds with a face) and engagement over participants."""
    looked = [
        p.attention.get("on_screen", 0.0)
        / sum(v for k, v in p.attention.items() if k in ("on_screen", "away", "eyes_closed"))
        for p in d.participants
        if any(k in p.attention for k in ("on_screen", "away", "eyes_closed"))
    ]
    engaged = [p.mean_engagement for p in d.participants if p.mean_engagement is not None]
    return (
        sum(looked) / len(looked) if looked else None,
        sum(engaged) / len(engaged) if engaged else None,
    )


def _print_result(result: AnalysedInput) -> None:
    room = result.room
    print(
        f"{result.source}: {result.frames_analysed} frame(s), "
        f"{result.tiles} tile(s) ({result.layout}), "
        f"{result.faces} face(s) in the last frame"
    )
    if room is not None:
        print(
            f"room engagement {percent(room.engagement)}, attentive {percent(room.attention_share)}"
        )
        if room.attention_only:
            print("attention-only: emotion not analysed; engagement from attention and presence")
    for p in result.participants:
        states = ", ".join(f"{k} {v:.0%}" for k, v in p.attention.items())
        eng = "–" if p.mean_engagement is None else f"{p.mean_engagement:.0%}"
        print(f"  {p.label} (tile {p.slot}): engagement {eng}, {states}")
    if not result.participants and room is not None:
        for q in room.participants:
            print(f"  {q.label} (tile {q.slot}): {q.attention}")
    if result.report:
        print("report: " + ", ".join(result.report))
    if result.session_id:
        print(f"recorded as session {result.session_id} (meetwatch report {result.session_id})")
