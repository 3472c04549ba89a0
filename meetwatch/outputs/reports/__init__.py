"""Session reports: HTML, PDF, CSV and JSON of one session, and a side-by-side comparison.

build_report(store_or_path, session="latest", formats=FORMATS, out_dir=".") -> list[Path]
combine_reports(store_or_path, sessions, out_dir=".") -> list[Path]
load_report_data(store_or_path, session) -> ReportData; summarize(data, options)
"""

from meetwatch.outputs.reports.build import build_report
from meetwatch.outputs.reports.combine import combine_reports
from meetwatch.outputs.reports.data import ReportData, load_report_data
from meetwatch.outputs.reports.files import FORMATS
from meetwatch.outputs.reports.summary import (
    SUMMARY_SCHEMA_VERSION,
    ReportOptions,
    ReportSummary,
    summarize,
)

__all__ = [
    "FORMATS",
    "SUMMARY_SCHEMA_VERSION",
    "ReportData",
    "ReportOptions",
    "ReportSummary",
    "build_report",
    "combine_reports",
    "load_report_data",
    "summarize",
]
