"""Matplotlib figures as inline SVG for a self-contained HTML page.

Text stays text (svg.fonttype "none"): the page's font renders it, a reader can search and
copy times from the plots, and the file is several times smaller than glyph outlines. Each
figure gets its own hash salt so the ids of two inline SVGs never collide, and no creation
date, so the same session gives the same plots. The fixed width and height are dropped so
CSS can fit the plot to a phone screen.
"""

from __future__ import annotations

import io
import re

from matplotlib import rc_context
from matplotlib.figure import Figure

NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_SIZE = re.compile(r'\s(?:width|height)="[^"]*"')


def to_svg(fig: Figure, name: str, label: str) -> str:
    buf = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": name}):
        fig.savefig(buf, format="svg", metadata=NO_METADATA)
    text = buf.getvalue()
    svg = text[text.index("<svg") :]
    head, rest = svg.split(">", 1)
    head = _SIZE.sub("", head)
    return f'{head} role="img" aria-label="{label}">{rest}'
