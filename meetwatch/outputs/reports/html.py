"""The HTML report: one self-contained file a person can open, mail, or print.

Nothing is fetched: CSS is inline, plots are inline SVG, and a Content-Security-Policy forbids
the page from loading anything, so the file works offline and leaks nothing when opened.
The layout is one column that narrows to a phone screen; print CSS drops the card styling
and keeps each plot on one page.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from meetwatch import __version__
from meetwatch.outputs.reports import clock, figures, tables
from meetwatch.outputs.reports.data import ReportData
from meetwatch.outputs.reports.definitions import definition_lines
from meetwatch.outputs.reports.sentences import NO_FACES
from meetwatch.outputs.reports.summary import ReportOptions, ReportSummary
from meetwatch.outputs.reports.svg import to_svg
from meetwatch.outputs.text import percent as pct

WIDTH_IN = 8.0  # at 96 px/in: about the desktop column, so 8 pt text reads as ~11 px
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
DISCLOSURE = (
    "Engagement, attention and emotion are estimates from faces on screen, made on this "
    "device; they can be wrong (lighting, glasses, camera angle) and describe how a meeting "
    "went, not how any person is. Do not use them to judge or rank individuals."
)

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: #1d2129; line-height: 1.45;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 16px; }
header h1 { margin: 0 0 4px; font-size: 1.6em; }
header p { margin: 0; color: #5b616b; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: .8em;
  font-weight: 600; vertical-align: middle; background: #f5a623; color: #1d2129; }
section { background: #fff; border-radius: 8px; padding: 12px 16px; margin: 14px 0;
  box-shadow: 0 1px 3px rgba(0, 0, 0, .08); }
h2 { font-size: 1.15em; margin: 0 0 8px; }
h3 { font-size: 1em; margin: 12px 0 4px; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
  gap: 6px 16px; margin: 0; }
dl.facts div { min-width: 0; }
dl.facts dt { font-size: .8em; color: #5b616b; }
dl.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
ul.summary { margin: 0; padding-left: 1.2em; }
ul.summary li { margin: 2px 0; }
figure { margin: 0; }
figure svg { display: block; width: 100%; height: auto; }
figure.phone { display: none; }
header p { overflow-wrap: anywhere; }
figcaption { font-size: .85em; color: #5b616b; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e5e8;
  white-space: nowrap; }
th { font-weight: 600; color: #5b616b; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
p.empty, footer { color: #5b616b; }
footer { font-size: .85em; padding: 0 4px 24px; }
@media (max-width: 640px) {
  main { padding: 8px; }
  section { padding: 10px; border-radius: 6px; }
  header h1 { font-size: 1.3em; }
  .grid2 { grid-template-columns: 1fr; }
  figure.desk { display: none; }
  figure.phone { display: block; }
  /* tables become cards of "header: value" lines instead of scrolling sideways */
  table, tbody, tr, td { display: block; width: 100%; }
  thead { display: none; }
  tr { border-bottom: 1px solid #e3e5e8; padding: 4px 0; }
  td, td.num { display: flex; justify-content: space-between; gap: 12px; border: 0;
    padding: 1px 0; white-space: normal; text-align: right; overflow-wrap: anywhere; }
  td::before { content: attr(data-label); color: #5b616b; font-weight: 600;
    text-align: left; flex: none; }
}
@media print {
  @page { size: A4; margin: 12mm; }
  body { background: #fff; font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  section { box-shadow: none; border-radius: 0; padding: 0; margin: 0 0 10pt; }
  figure, .keep { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .table-wrap { overflow: visible; }
  th, td { white-space: normal; }
}
"""

Draw = Callable[[Axes, figures.PlotView, ReportSummary], None]
PHONE_WIDTH_IN = 4.2  # at 96 px/in about a phone's 400 px, so 7 pt text stays readable
PHONE_EXTRA_H = 0.9  # inches for the legend under a phone plot


def _plot(
    draw: Draw, view: figures.PlotView, s: ReportSummary, name: str, label: str, height: float = 2.6
) -> str:
    """The plot twice: for a page (legend beside it) and for a phone (legend below it). CSS
    shows one; scaling one wide plot down to a phone would make its text unreadable."""

    def one(v: figures.PlotView, width: float, h: float) -> Figure:
        fig = Figure(figsize=(width, h), layout="constrained")
        draw(fig.add_subplot(), v, s)
        return fig

    return figure_pair(
        one(view, WIDTH_IN, height),
        one(view.for_phone(), PHONE_WIDTH_IN, height + PHONE_EXTRA_H),
        name,
        label,
    )


def figure_pair(desk: Figure, phone: Figure, name: str, label: str) -> str:
    return (
        f'<figure class="desk">{to_svg(desk, name, escape(label))}</figure>'
        f'<figure class="phone">{to_svg(phone, name + "-phone", escape(label))}</figure>'
    )


def table_html(t: tables.Table) -> str:
    """On a phone each row becomes a card of `header: value` lines (the data-label
    attributes), so the table never scrolls sideways."""
    if not t.rows:
        return f'<p class="empty">{escape(t.empty)}</p>'

    def cls(i: int) -> str:
        return ' class="num"' if i in t.numeric else ""

    labels = [escape(h, quote=True) for h in t.headers]
    head = "".join(f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(t.headers))
    body = "".join(
        "<tr>"
        + "".join(
            f'<td{cls(i)} data-label="{labels[i]}">{escape(c)}</td>' for i, c in enumerate(row)
        )
        + "</tr>"
        for row in t.rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="table-wrap">{table}</div>'


def section_html(title: str, body: str, ident: str) -> str:
    return f'<section id="{ident}"><h2>{escape(title)}</h2>{body}</section>'


def render_html(data: ReportData, s: ReportSummary, options: ReportOptions) -> str:
    tl = data.facts.timeline(options.zone)
    parts = [_header(s, tl)]
    facts = "".join(
        f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in tables.facts(s, tl)
    )
    parts.append(section_html("Session", f'<dl class="facts">{facts}</dl>', "facts"))
    sentences = "".join(f"<li>{escape(x)}</li>" for x in s.summary)
    parts.append(section_html("Summary", f'<ul class="summary">{sentences}</ul>', "summary"))
    if s.session.kind == "image":
        parts += _image_sections(data, s)
    else:
        parts += _timeline_sections(data, s, options, tl)
    parts.append(section_html("Alerts", table_html(tables.alerts(s, tl)), "alerts"))
    parts.append(_footer(s))
    return page(title(s, tl), parts)


def title(s: ReportSummary, tl: clock.Timeline) -> str:
    x = s.session
    if x.kind != "live":
        return f"{KIND_TITLE[x.kind]}: {tables.source_name(x.source)}"
    return f"Meeting report {clock.day(x.started_at, tl.tz)} {tl.short(x.started_at)}"


KIND_TITLE = {"live": "Meeting report", "recording": "Recording report", "image": "Image report"}


def _timeline_sections(
    data: ReportData, s: ReportSummary, options: ReportOptions, tl: clock.Timeline
) -> list[str]:
    parts = []
    view = figures.plot_view(data, options)
    if s.sections:
        parts.append(section_html("Sections", table_html(tables.sections(s, tl)), "sections"))
    bin_note = (
        f"<figcaption>Each point is the mean over {view.bin_s} s.</figcaption>"
        if view.bin_s > 1
        else ""
    )
    measured = s.overall.seconds_with_faces > 0
    no_data = f'<p class="empty">{escape(NO_FACES)}</p>'
    parts.append(
        section_html(
            "Room engagement over time",
            (
                _plot(figures.draw_engagement, view, s, "engagement", "Room engagement over time")
                + bin_note
                if measured
                else no_data
            )
            + '<div class="grid2"><div class="keep"><h3>Lowest moments (L)</h3>'
            + table_html(tables.moments(s.low_moments, "L", tl))
            + '</div><div class="keep"><h3>Highest moments (H)</h3>'
            + table_html(tables.moments(s.high_moments, "H", tl))
            + "</div></div>",
            "engagement",
        )
    )
    parts.append(
        section_html(
            "Share of participants attentive",
            (
                _plot(figures.draw_attention, view, s, "attention", "Share of faces on screen")
                if measured
                else ""
            )
            + f"<h3>Attention below {pct(s.parameters.low_attention_threshold)}</h3>"
            + table_html(tables.low_attention(s, tl)),
            "attention",
        )
    )
    if s.session.attention_only:
        emotions = f"<p>{tables.NOT_ANALYSED}</p>"
    elif measured:
        emotions = _plot(figures.draw_emotions, view, s, "emotions", "Room emotion mix over time")
    else:
        emotions = no_data
    parts.append(section_html("Emotion mix over time", emotions, "emotions"))
    people = tables.participants(s, tl)
    if people is not None and view.states is not None:
        parts.append(
            section_html(
                "Attention by participant",
                _plot(
                    figures.draw_heatmap,
                    view,
                    s,
                    "heatmap",
                    "Attention state per participant",
                    figures.heatmap_height(view),
                ),
                "heatmap",
            )
        )
        parts.append(section_html("Participants", table_html(people), "participants"))
    return parts


def _image_sections(data: ReportData, s: ReportSummary) -> list[str]:
    """One frame has no timeline: the faces, the attention states and the emotion mix."""
    parts = []
    image = figures.ImageFigures.of(data)
    bars = figure_pair(
        image.figure(WIDTH_IN, s.session.attention_only),
        image.figure(PHONE_WIDTH_IN, s.session.attention_only),
        "image",
        "Attention states and emotion mix in the image",
    )
    parts.append(section_html("What the image shows", bars, "image"))
    if s.session.attention_only:
        parts.append(section_html("Emotion", f"<p>{tables.NOT_ANALYSED}</p>", "emotions"))
    faces = tables.image_faces(s)
    if faces is not None:
        parts.append(section_html("Faces", table_html(faces), "participants"))
    return parts


def page(title: str, parts: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(parts)}</main></body></html>\n"
    )


def _header(s: ReportSummary, tl: clock.Timeline) -> str:
    x = s.session
    tz = tl.tz
    badge = ' <span class="badge" id="partial">partial</span>' if x.partial else ""
    end = x.ended_at if x.ended_at is not None else x.started_at + x.duration_s
    if x.kind == "live":
        when = f"{clock.day(x.started_at, tz)}, {tl.short(x.started_at)}–{tl.short(end)}" + (
            " (so far: no end recorded)" if x.partial else ""
        )
    elif x.kind == "recording":
        when = (
            f"{tl.long(x.started_at)}–{tl.long(end)} of the file · analysed "
            f"{clock.day(x.started_at, tz)} {clock.hhmm(x.started_at, tz)}"
        )
    else:
        when = f"analysed {clock.day(x.started_at, tz)} {clock.hhmm(x.started_at, tz)}"
    return (
        f"<header><h1>{KIND_TITLE[x.kind]}{badge}</h1>"
        f"<p>{escape(when)} · {escape(x.source)}</p></header>"
    )


def _footer(s: ReportSummary) -> str:
    p = s.parameters
    rules = (
        f"Low attention: attentive share under {pct(p.low_attention_threshold)} for at least "
        f"{p.low_attention_min_seconds} s. Moments: {p.moment_window_s} s windows."
    )
    meanings = "".join(f"<p>{escape(line)}</p>" for line in definition_lines())
    return (
        f"<footer>{meanings}<p>{escape(DISCLOSURE)}</p><p>{escape(rules)}</p>"
        f"<p>Made by meetwatch {escape(__version__)} on this device; nothing was uploaded.</p>"
        "</footer>"
    )
