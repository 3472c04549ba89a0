"""The reports as a person sees them: the HTML rendered by headless Chromium (desktop, phone,
print) and the PDF rasterised by poppler. Screenshots and pages go to the artifacts folder.

Needs the `chromium` and `poppler-utils` system packages; skips with the reason when absent.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from meetwatch.outputs.palette import ATTENTION_COLORS, EMOTION_COLORS, RGB
from tests.factories.browser import CHROMIUM, chromium_command
from tests.unit.reports import fixtures

Reports = dict[str, dict[str, Path]]
demo_store, reports = fixtures.demo_store, fixtures.reports  # the unit tests' demo reports
POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt)")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed (apt)")


def chromium(tmp_path: Path, url: str, *args: str) -> None:
    cmd = chromium_command(tmp_path / "chromium-profile", *args, url)
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def screenshot(tmp_path: Path, html: Path, out: Path, width: int, height: int) -> np.ndarray:
    chromium(tmp_path, html.as_uri(), f"--screenshot={out}", f"--window-size={width},{height}")
    return np.asarray(Image.open(out).convert("RGB")).astype(np.int16)


def pixels_of(image: np.ndarray, color: RGB, tolerance: int = 10) -> int:
    return int((np.abs(image - np.array(color)).max(axis=2) <= tolerance).sum())


def pdf_pages(pdf: Path, prefix: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(prefix)], check=True, timeout=60)
    return sorted(prefix.parent.glob(prefix.name + "-*.png"))


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
    )
    return out.stdout.decode("utf-8")


@needs_chromium
def test_html_report_on_a_desktop_screen(
    reports: Reports, tmp_path: Path, artifacts_dir: Path
) -> None:
    image = screenshot(
        tmp_path, reports["demo"]["html"], artifacts_dir / "report-desktop.png", 1200, 3000
    )
    # the heatmap shows participants 2 and 3 away (amber) for 30 of 120 s: 2 of 4 rows x 1/4
    assert pixels_of(image, ATTENTION_COLORS["away"]) > 5_000
    # the emotion mix shows happy and neutral bands
    assert pixels_of(image, EMOTION_COLORS["happy"]) > 5_000
    assert pixels_of(image, EMOTION_COLORS["neutral"]) > 5_000


@needs_chromium
def test_html_report_on_a_phone_has_no_heatmap_in_aggregate_mode(
    reports: Reports, tmp_path: Path, artifacts_dir: Path
) -> None:
    individual = screenshot(
        tmp_path, reports["demo"]["html"], artifacts_dir / "report-phone.png", 390, 4600
    )
    aggregate = screenshot(
        tmp_path, reports["agg"]["html"], artifacts_dir / "report-phone-aggregate.png", 390, 4600
    )
    assert individual.shape[1] == 390
    # drawn for the phone's width, the heatmap is still there; without it, no amber at all
    away = ATTENTION_COLORS["away"]
    assert pixels_of(individual, away) > 1_000
    assert pixels_of(aggregate, away) < pixels_of(individual, away) / 5


@needs_chromium
@needs_poppler
def test_html_report_prints_to_pages(reports: Reports, tmp_path: Path, artifacts_dir: Path) -> None:
    printed = tmp_path / "printed.pdf"
    chromium(tmp_path, reports["demo"]["html"].as_uri(), f"--print-to-pdf={printed}")
    pages = pdf_pages(printed, tmp_path / "print")
    assert 2 <= len(pages) <= 6
    for i, page in enumerate(pages, start=1):
        shutil.copy(page, artifacts_dir / f"report-printed-{i}.png")
    text = pdf_text(printed)
    assert "Attention fell below 50% from 15:12:40 to 15:13:10" in re.sub(r"\s+", " ", text)


@needs_poppler
def test_pdf_report_pages_and_text(reports: Reports, tmp_path: Path, artifacts_dir: Path) -> None:
    pages = pdf_pages(reports["demo"]["pdf"], tmp_path / "page")
    assert len(pages) >= 2
    for i, page in enumerate(pages, start=1):
        shutil.copy(page, artifacts_dir / f"report-pdf-{i}.png")
        image = np.asarray(Image.open(page).convert("RGB"))
        assert image.min() < 100  # something is drawn on every page
    text = re.sub(r"\s+", " ", pdf_text(reports["demo"]["pdf"]))
    assert "Attention fell below 50% from 15:12:40 to 15:13:10 (30 s)." in text
    assert re.search(r"15:12:40 15:13:10 30 s 33%", text)
    assert "Introduction" in text and "Questions" in text
    assert re.search(r"Participant 4 2 min 00 s 0 ?s 2 min 00 s", text)  # pdftotext kerns "0 s"


@needs_poppler
def test_pdf_reports_partial_and_aggregate_sessions(reports: Reports) -> None:
    assert "partial" in pdf_text(reports["running"]["pdf"])
    aggregate = pdf_text(reports["agg"]["pdf"])
    assert "Aggregate only" in aggregate and "16:12:40" in aggregate  # room findings stay
    assert not re.search(r"Participant \d", aggregate)
