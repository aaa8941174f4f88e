"""Server-side SVG charts for the dashboard: no script, no inline style, no third-party host.

``bar_chart(chart, direction)`` draws a ``dashboard.Chart`` as horizontal bars, one row
per ``Row``: the label at the inline start, the bar, the count; each row is a link
(``<a href>``) to the list behind it, with a ``<title>`` tooltip. Colours and fonts come
from ``raqib.css`` through class names (the CSP forbids inline styles). In a
right-to-left page the x axis is mirrored, so bars grow from the right. Text is escaped
(``django.utils.html.escape``) and bidi-neutralised; the counts shown are in the UI's
language (``review_ui.l10n.shown_number``), ``data-value`` stays a plain integer. To add
a chart type: a function here returning ``SafeString`` built the same way.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from review_ui.l10n import shown_number
from review_ui.templatetags.raqib_ui import bidi_safe

WIDTH = 640
ROW_HEIGHT = 26
LABEL_WIDTH = 210
VALUE_WIDTH = 56
BAR_GAP = 6
MAX_LABEL = 34  # characters; longer labels are cut with an ellipsis (the table has them whole)


def _label(text: str) -> str:
    text = bidi_safe(text)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def bar_chart(chart: object, direction: str = "rtl") -> SafeString:
    """The chart's rows as an SVG of horizontal bars, each a link to its list."""
    rows = list(chart.rows)  # type: ignore[attr-defined]
    height = max(1, len(rows)) * ROW_HEIGHT + 8
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 2 * BAR_GAP
    top = max([row.value for row in rows] + [1])
    rtl = direction == "rtl"
    parts = [f'<svg class="chart bar-chart" xmlns="http://www.w3.org/2000/svg" role="group" '
             f'viewBox="0 0 {WIDTH} {height}" width="100%" direction="ltr" '
             f'aria-label="{escape(str(chart.title))}" data-chart="{escape(chart.name)}">']  # type: ignore[attr-defined]
    for index, row in enumerate(rows):
        y = 4 + index * ROW_HEIGHT
        bar = 0 if row.value == 0 else max(2, round(area * row.value / top))
        bar_start = LABEL_WIDTH + BAR_GAP
        label_x, label_anchor = LABEL_WIDTH, "end"
        value_x, value_anchor = bar_start + bar + BAR_GAP, "start"
        bar_x = bar_start
        if rtl:  # mirror: the label at the right, bars growing leftwards
            label_x, label_anchor = WIDTH - LABEL_WIDTH, "start"
            bar_x = WIDTH - bar_start - bar
            value_x, value_anchor = bar_x - BAR_GAP, "end"
        value = shown_number(row.value)
        title = f"{_label(row.display)}: {value}"
        link_open = (f'<a href="{escape(row.href)}" class="chart-link" '
                     f'data-value="{row.value}" data-key="{escape(row.key)}">'
                     if row.href else '<g class="chart-row">')
        parts.append(
            f'{link_open}<title>{escape(title)}</title>'
            f'<rect class="chart-hit" x="0" y="{y}" width="{WIDTH}" height="{ROW_HEIGHT - 2}"/>'
            f'<text class="chart-label{" as-entered" if row.entered else ""}" '
            f'x="{label_x}" y="{y + 17}" '
            f'text-anchor="{label_anchor}">{escape(_label(row.display))}</text>'
            f'<rect class="chart-bar" x="{bar_x}" y="{y + 4}" width="{bar}" '
            f'height="{ROW_HEIGHT - 10}"/>'
            f'<text class="chart-value" x="{value_x}" y="{y + 17}" '
            f'text-anchor="{value_anchor}">{escape(value)}</text>'
            f'{"</a>" if row.href else "</g>"}')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every piece of text above is escaped
