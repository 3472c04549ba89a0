"""The HTML report: one self-contained file a person can open, mail, or print.

Nothing is fetched: CSS is inline, plots are inline SVG, and a Content-Security-Policy forbids
the page from loading anything, so the file works offline and leaks nothing when opened.
The layout is one column that narrows to a phone screen; print CSS drops the card styling
and keeps each plot on one page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from html import escape

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from meetwatch import __version__
from meetwatch.outputs.reports import clock, figures, tables
from meetwatch.outputs.reports.data import ReportData
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
  figure { overflow-x: auto; }
  figure svg { min-width: 600px; }  /* scroll a plot sideways rather than shrink its text */
  table { font-size: .85em; }
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


def _plot(
    draw: Draw, view: figures.PlotView, s: ReportSummary, name: str, label: str, height: float = 2.6
) -> str:
    fig = Figure(figsize=(WIDTH_IN, height), layout="constrained")
    draw(fig.add_subplot(), view, s)
    return f"<figure>{to_svg(fig, name, escape(label))}</figure>"


def table_html(t: tables.Table) -> str:
    if not t.rows:
        return f'<p class="empty">{escape(t.empty)}</p>'

    def cls(i: int) -> str:
        return ' class="num"' if i in t.numeric else ""

    head = "".join(f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(t.headers))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{escape(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in t.rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="table-wrap">{table}</div>'


def section_html(title: str, body: str, ident: str) -> str:
    return f'<section id="{ident}"><h2>{escape(title)}</h2>{body}</section>'


def render_html(data: ReportData, s: ReportSummary, options: ReportOptions) -> str:
    tz = options.zone
    view = figures.plot_view(data, options)
    parts = [_header(s, tz)]
    facts = "".join(
        f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in tables.facts(s, tz)
    )
    parts.append(section_html("Session", f'<dl class="facts">{facts}</dl>', "facts"))
    sentences = "".join(f"<li>{escape(x)}</li>" for x in s.summary)
    parts.append(section_html("Summary", f'<ul class="summary">{sentences}</ul>', "summary"))
    if s.sections:
        parts.append(section_html("Sections", table_html(tables.sections(s, tz)), "sections"))
    bin_note = (
        f"<figcaption>Each point is the mean over {view.bin_s} s.</figcaption>"
        if view.bin_s > 1
        else ""
    )
    parts.append(
        section_html(
            "Room engagement over time",
            _plot(figures.draw_engagement, view, s, "engagement", "Room engagement over time")
            + bin_note
            + '<div class="grid2"><div class="keep"><h3>Lowest moments (L)</h3>'
            + table_html(tables.moments(s.low_moments, "L", tz))
            + '</div><div class="keep"><h3>Highest moments (H)</h3>'
            + table_html(tables.moments(s.high_moments, "H", tz))
            + "</div></div>",
            "engagement",
        )
    )
    parts.append(
        section_html(
            "Share of participants attentive",
            _plot(figures.draw_attention, view, s, "attention", "Share of faces on screen")
            + f"<h3>Attention below {pct(s.parameters.low_attention_threshold)}</h3>"
            + table_html(tables.low_attention(s, tz)),
            "attention",
        )
    )
    parts.append(
        section_html(
            "Emotion mix over time",
            f"<p>{tables.NOT_ANALYSED}</p>"
            if s.session.attention_only
            else _plot(figures.draw_emotions, view, s, "emotions", "Room emotion mix over time"),
            "emotions",
        )
    )
    people = tables.participants(s)
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
    parts.append(section_html("Alerts", table_html(tables.alerts(s, tz)), "alerts"))
    parts.append(_footer(s))
    started = s.session.started_at
    return page(f"Meeting report {clock.day(started, tz)} {clock.hhmm(started, tz)}", parts)


def page(title: str, parts: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(parts)}</main></body></html>\n"
    )


def _header(s: ReportSummary, tz: tzinfo) -> str:
    x = s.session
    badge = ' <span class="badge" id="partial">partial</span>' if x.partial else ""
    end = x.ended_at if x.ended_at is not None else x.started_at + x.duration_s
    when = (
        f"{clock.day(x.started_at, tz)}, {clock.hhmm(x.started_at, tz)}–{clock.hhmm(end, tz)}"
        + (" (so far: no end recorded)" if x.partial else "")
    )
    return (
        f"<header><h1>Meeting report{badge}</h1><p>{escape(when)} · {escape(x.source)}</p></header>"
    )


def _footer(s: ReportSummary) -> str:
    p = s.parameters
    rules = (
        f"Low attention: attentive share under {pct(p.low_attention_threshold)} for at least "
        f"{p.low_attention_min_seconds} s. Moments: {p.moment_window_s} s windows."
    )
    return (
        f"<footer><p>{escape(DISCLOSURE)}</p><p>{escape(rules)}</p>"
        f"<p>Made by meetwatch {escape(__version__)} on this device; nothing was uploaded.</p>"
        "</footer>"
    )
