"""build_report: one session from the store to report files."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from meetwatch.outputs.reports import clock
from meetwatch.outputs.reports.csv_export import write_csv
from meetwatch.outputs.reports.data import ReportData, StoreLike, load_report_data
from meetwatch.outputs.reports.files import (
    ALL_FORMATS,
    FORMATS,
    check_formats,
    output_dir,
    write_atomic,
    write_text,
)
from meetwatch.outputs.reports.html import render_html
from meetwatch.outputs.reports.parquet_export import write_parquet
from meetwatch.outputs.reports.pdf import write_pdf
from meetwatch.outputs.reports.summary import ReportOptions, ReportSummary, summarize


def report_stem(data: ReportData, options: ReportOptions) -> str:
    """meetwatch-20250114-1432-1a2b3c4d for a live session (sorts by time), meetwatch-
    lecture-03-1a2b3c4d for a recording (found by its file's name); unique per session."""
    f = data.facts
    if f.kind != "live":
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(f.source.split(":", 1)[-1]).stem)
        return f"meetwatch-{name.strip('-.')[:60] or f.kind}-{f.session_id[:8]}"
    started = clock.at(f.started_at, options.zone).strftime("%Y%m%d-%H%M")
    return f"meetwatch-{started}-{f.session_id[:8]}"


def summary_json(summary: ReportSummary) -> str:
    """The JSON file: `participants` is left out entirely in aggregate-only mode."""
    exclude = {"participants"} if summary.participants is None else None
    return summary.model_dump_json(indent=2, exclude=exclude) + "\n"


def build_report(
    store_or_path: StoreLike,
    session: str = "latest",
    formats: Iterable[str] = FORMATS,
    out_dir: Path | str = ".",
    *,
    options: ReportOptions | None = None,
) -> list[Path]:
    """Write the report of `session` (an id or "latest") in each format; returns the files.

    A session without an end is reported up to its last sample and marked partial.
    Raises StoreError (no store, unknown or empty session), ConfigError (unknown format),
    OutputError (folder or file not writable).
    """
    wanted = check_formats(formats, ALL_FORMATS)
    options = options or ReportOptions()
    folder = output_dir(out_dir)
    data = load_report_data(store_or_path, session)
    return write_report(data, wanted, folder, options)


def write_report(
    data: ReportData, formats: list[str], folder: Path, options: ReportOptions
) -> list[Path]:
    summary = summarize(data, options)
    stem = folder / report_stem(data, options)
    writers: dict[str, Callable[[Path], None]] = {
        "html": lambda p: write_text(p, render_html(data, summary, options)),
        "pdf": lambda p: write_pdf(data, summary, options, p),
        "csv": lambda p: _csv(p, data, data.facts.timeline(options.zone)),
        "json": lambda p: write_text(p, summary_json(summary)),
    }
    return write_files(
        stem, formats, writers, lambda: write_parquet(stem, [(data, summary)], options.zone)
    )


def write_files(
    stem: Path,
    formats: list[str],
    writers: dict[str, Callable[[Path], None]],
    parquet: Callable[[], list[Path]],
) -> list[Path]:
    """`stem.html`, `stem.pdf`... one file a format, except Parquet: a file a table."""
    paths = []
    for fmt in formats:
        if fmt == "parquet":
            paths += parquet()
        else:
            paths.append(write_atomic(stem.with_suffix(f".{fmt}"), writers[fmt]))
    return paths


def _csv(path: Path, data: ReportData, tl: clock.Timeline) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        write_csv(data, f, tl)
