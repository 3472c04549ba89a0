"""The PDF report: the HTML report's content as vector A4 pages, drawn with matplotlib.

Using matplotlib for the text too (rather than a PDF library) keeps the dependency list as it
is and lets plots and tables share one page flow: `PageFlow` stacks blocks down the page and
starts a new one when the next block does not fit, repeating a table's header after a break.
Fonts are embedded as TrueType (pdf.fonttype 42) so the text can be searched and copied.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from meetwatch.outputs.reports import clock, figures, tables
from meetwatch.outputs.reports.data import ReportData
from meetwatch.outputs.reports.definitions import definition_lines
from meetwatch.outputs.reports.html import DISCLOSURE, KIND_TITLE, Draw, title
from meetwatch.outputs.reports.sentences import NO_FACES
from meetwatch.outputs.reports.summary import ReportOptions, ReportSummary
from meetwatch.outputs.text import percent as pct

PAGE_W, PAGE_H = 8.27, 11.69  # A4, inches
MARGIN = 0.6
CONTENT_W = PAGE_W - 2 * MARGIN
CHAR_W = 0.6 / 72  # average glyph width per point of font size, inches
MUTED = "#5b616b"
PLOT_H = 2.3


class PageFlow:
    def __init__(self, pdf: PdfPages) -> None:
        self._pdf = pdf
        self._fig: Figure | None = None
        self._y = MARGIN  # inches from the top of the page

    def _page(self) -> Figure:
        if self._fig is None:
            self._fig = Figure(figsize=(PAGE_W, PAGE_H))
            self._y = MARGIN
        return self._fig

    def _room(self, height: float) -> Figure:
        if self._fig is not None and self._y + height > PAGE_H - MARGIN:
            self.finish_page()
        return self._page()

    def finish_page(self) -> None:
        if self._fig is not None:
            self._pdf.savefig(self._fig)
            self._fig = None

    def _text(self, x: float, text: str, size: float, **kw: Any) -> None:
        self._page().text(x / PAGE_W, 1 - self._y / PAGE_H, text, fontsize=size, va="top", **kw)

    def space(self, inches: float) -> None:
        self._y += inches

    def heading(self, text: str, size: float = 13, keep: float = 0.3) -> None:
        """`keep`: inches of what follows that must fit on the heading's page."""
        self._room(size * 1.9 / 72 + keep)
        self.space(size * 0.4 / 72)
        self._text(MARGIN, text, size, fontweight="bold")
        self.space(size * 1.5 / 72)

    def paragraph(
        self, text: str, size: float = 9, bullet: bool = False, color: str = "#1d2129"
    ) -> None:
        indent = 0.18 if bullet else 0.0
        width = int((CONTENT_W - indent) / (size * CHAR_W))
        for i, line in enumerate(textwrap.wrap(text, width) or [""]):
            self._room(size * 1.45 / 72)
            if bullet and i == 0:
                self._text(MARGIN, "•", size)
            self._text(MARGIN + indent, line, size, color=color)
            self.space(size * 1.45 / 72)

    def table(self, t: tables.Table, size: float = 8) -> None:
        if not t.rows:
            self.paragraph(t.empty, size, color=MUTED)
            return
        lengths = [
            min(40, max(len(h), *(len(r[i]) for r in t.rows))) + 3 for i, h in enumerate(t.headers)
        ]
        scale = min(1.4, CONTENT_W / (sum(lengths) * size * CHAR_W))  # fill the width, not more
        widths = [n * size * CHAR_W * scale for n in lengths]
        row_h = size * 1.55 / 72

        def row(cells: list[str], bold: bool) -> None:
            x = MARGIN
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
                fit = int(w / (size * CHAR_W)) - 1
                text = cell if len(cell) <= fit else cell[: max(1, fit - 1)] + "…"
                right = i in t.numeric
                self._text(
                    x + w - 0.06 if right else x,
                    text,
                    size,
                    ha="right" if right else "left",
                    fontweight="bold" if bold else "normal",
                    color=MUTED if bold else "#1d2129",
                )
                x += w
            self.space(row_h)

        self._room(row_h * 2)
        row(t.headers, True)
        for cells in t.rows:
            if self._y + row_h > PAGE_H - MARGIN:
                self.finish_page()
                self._page()
                row(t.headers, True)
            row(cells, False)
        self.space(0.08)

    def axes(self, height: float, legend_w: float = 0.0) -> Axes:
        """Axes of `height` inches; tick labels and an outside legend get room around them."""
        left, bottom, top = 0.75, 0.35, 0.1
        fig = self._room(height + bottom + top)
        rect = (
            (MARGIN + left) / PAGE_W,
            1 - (self._y + top + height) / PAGE_H,
            (CONTENT_W - left - legend_w) / PAGE_W,
            height / PAGE_H,
        )
        self.space(height + bottom + top)
        return fig.add_axes(rect)

    def plot(
        self,
        draw: Draw,
        view: figures.PlotView,
        s: ReportSummary,
        height: float,
        legend_w: float = 0.0,
    ) -> None:
        draw(self.axes(height, legend_w), view, s)


def write_pdf(data: ReportData, s: ReportSummary, options: ReportOptions, path: Path) -> None:
    tl = data.facts.timeline(options.zone)
    x = s.session
    metadata = {"Title": title(s, tl), "Creator": "meetwatch", "CreationDate": None}
    with rc_context({"pdf.fonttype": 42}), PdfPages(path, metadata=metadata) as pdf:
        flow = PageFlow(pdf)
        heading = KIND_TITLE[x.kind] + (
            "  (partial: no end recorded, report so far)" if x.partial else ""
        )
        flow.heading(heading, 16)
        flow.paragraph(f"{clock.day(x.started_at, tl.tz)} · {x.source}", 9, color=MUTED)
        flow.space(0.05)
        flow.table(tables.Table(["", ""], [list(kv) for kv in tables.facts(s, tl)]), 9)
        flow.heading("Summary")
        for sentence in s.summary:
            flow.paragraph(sentence, 9.5, bullet=True)
        if x.kind == "image":
            _image_pages(flow, data, s)
        else:
            _timeline_pages(flow, data, s, options, tl)
        flow.heading("Alerts")
        flow.table(tables.alerts(s, tl))
        flow.space(0.1)
        for line in definition_lines():
            flow.paragraph(line, 8, color=MUTED)
        flow.paragraph(DISCLOSURE, 8, color=MUTED)
        flow.finish_page()


def _timeline_pages(
    flow: PageFlow, data: ReportData, s: ReportSummary, options: ReportOptions, tl: clock.Timeline
) -> None:
    view = figures.plot_view(data, options)
    measured = s.overall.seconds_with_faces > 0
    if s.sections:
        flow.heading("Sections")
        flow.table(tables.sections(s, tl))
    flow.heading("Room engagement over time", keep=PLOT_H + 0.45)
    if measured:
        flow.plot(figures.draw_engagement, view, s, PLOT_H)
    else:
        flow.paragraph(NO_FACES, 9, color=MUTED)
    flow.paragraph("Lowest moments (L)", 9, color=MUTED)
    flow.table(tables.moments(s.low_moments, "L", tl))
    flow.paragraph("Highest moments (H)", 9, color=MUTED)
    flow.table(tables.moments(s.high_moments, "H", tl))
    flow.heading("Share of participants attentive", keep=PLOT_H + 0.45)
    if measured:
        flow.plot(figures.draw_attention, view, s, PLOT_H, legend_w=1.3)
    flow.paragraph(f"Attention below {pct(s.parameters.low_attention_threshold)}", 9, color=MUTED)
    flow.table(tables.low_attention(s, tl))
    flow.heading("Emotion mix over time", keep=PLOT_H + 0.45)
    if s.session.attention_only:
        flow.paragraph(tables.NOT_ANALYSED, 9, color=MUTED)
    elif measured:
        flow.plot(figures.draw_emotions, view, s, PLOT_H, legend_w=0.9)
    else:
        flow.paragraph(NO_FACES, 9, color=MUTED)
    people = tables.participants(s, tl)
    if people is not None and view.states is not None:
        heat_h = figures.heatmap_height(view) - 0.6
        flow.heading("Attention by participant", keep=heat_h + 0.45)
        flow.plot(figures.draw_heatmap, view, s, heat_h, 1.1)
        flow.heading("Participants")
        flow.table(people)


def _image_pages(flow: PageFlow, data: ReportData, s: ReportSummary) -> None:
    image = figures.ImageFigures.of(data)
    flow.heading("What the image shows", keep=1.8)
    image.draw_attention(flow.axes(1.3))
    if image.has_emotion(s.session.attention_only):
        image.draw_emotions(flow.axes(1.7))
    elif s.session.attention_only:
        flow.paragraph(tables.NOT_ANALYSED, 9, color=MUTED)
    faces = tables.image_faces(s)
    if faces is not None:
        flow.heading("Faces")
        flow.table(faces)
