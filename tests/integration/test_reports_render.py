"""The reports as a person sees them: the HTML rendered by headless Chromium (desktop, phone,
print) and the PDF rasterised by poppler. Screenshots and pages go to the artifacts folder.

Needs the `chromium` and `poppler-utils` system packages; skips with the reason when absent.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from meetwatch.outputs.live.palette import ATTENTION_COLORS, EMOTION_COLORS, RGB
from tests.factories.browser import CHROMIUM, chromium_command
from tests.integration.test_web_overlay import DevTools, browser
from tests.unit.reports import fixtures

Reports = dict[str, dict[str, Path]]
demo_store, reports = fixtures.demo_store, fixtures.reports  # the unit tests' demo reports
__all__ = ["browser", "demo_store", "reports"]  # fixtures used here
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
    assert "15:12:40–15:13:10" in text  # an away stretch in the table, as clock times


@needs_poppler
def test_pdf_reports_partial_and_aggregate_sessions(reports: Reports) -> None:
    assert "partial" in pdf_text(reports["running"]["pdf"])
    aggregate = pdf_text(reports["agg"]["pdf"])
    assert "Aggregate only" in aggregate and "16:12:40" in aggregate  # room findings stay
    assert not re.search(r"Participant \d", aggregate)


# -- what a reader sees at desktop and phone width (DevTools protocol) --------------------------

LAYOUT_JS = """JSON.stringify((() => {
  const width = document.documentElement.clientWidth;
  const shown = [...document.querySelectorAll("figure")].filter((f) => f.offsetParent !== null);
  const texts = shown.flatMap((f) => [...f.querySelectorAll("text")]);
  const inside = (t) => {
    const r = t.getBoundingClientRect();
    return r.width > 0 && r.left >= 0 && r.right <= width;
  };
  return {
    width,
    scrollWidth: document.documentElement.scrollWidth,
    figures: shown.map((f) => f.className),
    legend: texts
      .filter((t) => LEGEND.includes(t.textContent))
      .map((t) => [t.textContent, inside(t)]),
    ticks: texts.map((t) => t.textContent).filter((s) => /^\\d\\d:\\d\\d:\\d\\d$/.test(s)),
  };
})())"""
LEGEND = ["on screen", "away", "eyes closed", "no face", "camera off", "happy", "neutral"]


def _layout(browser: DevTools, html: Path, width: int, shot: Path) -> dict[str, Any]:
    """Open `html` in a viewport `width` px wide, save a full-page screenshot to `shot`."""
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=900,
        deviceScaleFactor=1,
        mobile=width < 600,
    )
    browser.call("Page.navigate", url=html.as_uri())
    deadline = time.monotonic() + 30
    while browser.evaluate("document.readyState") != "complete":
        assert time.monotonic() < deadline, "the report did not load"
        time.sleep(0.1)
    size = browser.call("Page.getLayoutMetrics")["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1}
    png = browser.call("Page.captureScreenshot", clip=clip, captureBeyondViewport=True)
    shot.write_bytes(base64.b64decode(png["data"]))
    js = LAYOUT_JS.replace("LEGEND", json.dumps(LEGEND))
    return dict(json.loads(browser.evaluate(js)))


@needs_chromium
@pytest.mark.parametrize("width", [1280, 400])
def test_recording_report_fits_the_screen(
    reports: Reports, browser: DevTools, width: int, artifacts_dir: Path
) -> None:
    shot = artifacts_dir / f"report-recording-{width}.png"
    seen = _layout(browser, reports["lecture"]["html"], width, shot)
    assert seen["width"] == width
    assert seen["scrollWidth"] <= width, "the page scrolls sideways"
    # one version of each plot is shown: the phone's below 640 px
    assert set(seen["figures"]) == {"phone" if width < 640 else "desk"}
    assert len(seen["figures"]) == 4
    # every attention state and the emotions in a legend a reader can see whole
    labels = {label for label, _ in seen["legend"]}
    assert set(LEGEND) <= labels, labels
    assert all(whole for _, whole in seen["legend"]), seen["legend"]
    # the time axes speak positions in the recording
    assert {"00:00:00", "00:01:00", "00:02:00"} <= set(seen["ticks"]), seen["ticks"]
    image = np.asarray(Image.open(shot).convert("RGB")).astype(np.int16)
    assert image.shape[1] == width
    # camera off and no face have their own colours: the camera-off row is painted
    assert pixels_of(image, ATTENTION_COLORS["camera_off"]) > 500
