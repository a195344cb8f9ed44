"""The monthly report's chart as inline SVG (no script, no CDN): views per category, stacked by
where they stand now. Every label is escaped."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from geo_app.governance.lifecycle import UNANSWERED_STATES
from geo_app.governance.reports import MonthlyReport

WIDTH = 560
LEFT, RIGHT, TOP, ROW, BAR, LEGEND = 80, 40, 28, 26, 16, 24
#: Stacked segments: (label, colour, states).
SEGMENTS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("结案", "#2e7d32", frozenset({"closed"})),
    ("已反馈", "#81c784", frozenset({"answered"})),
    ("办理中", "#ef6c00", UNANSWERED_STATES),
    ("不予受理/重复", "#9e9e9e", frozenset({"rejected", "duplicate"})),
)


def category_chart(report: MonthlyReport, *, categories: Mapping[str, Any]) -> Markup:
    """Views received per category, each bar split by state; empty categories omitted."""
    rows = []
    for code, spec in categories.items():
        counts = [sum(v.category == code and v.state in states for v in report.views)
                  for _, _, states in SEGMENTS]
        if sum(counts):
            rows.append((spec["label"], counts))
    height = TOP + LEGEND + ROW * max(len(rows), 1) + 10
    parts = [
        f'<svg class="report-chart" data-testid="report-chart" viewBox="0 0 {WIDTH} {height}"'
        ' role="img" aria-labelledby="report-chart-title" preserveAspectRatio="xMidYMid meet">',
        f'<title id="report-chart-title">{escape(report.label)} 各类意见数量及办理状态</title>',
    ]
    for number, (label, colour, _) in enumerate(SEGMENTS):
        lx = LEFT + number * 110
        parts.append(f'<rect x="{lx}" y="4" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 16}" y="15">{escape(label)}</text>')
    if not rows:
        parts.append(f'<text x="{LEFT}" y="{TOP + LEGEND + 12}">本月没有收到意见</text></svg>')
        return Markup("".join(parts))
    top = max(sum(c) for _, c in rows)
    scale = (WIDTH - LEFT - RIGHT) / top
    for index, (label, counts) in enumerate(rows):
        y = TOP + LEGEND + index * ROW
        parts.append(f'<text x="{LEFT - 6}" y="{y + BAR - 3}" text-anchor="end">'
                     f"{escape(label)}</text>")
        x = float(LEFT)
        for (segment, colour, _), count in zip(SEGMENTS, counts, strict=True):
            if count:
                width = count * scale
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR}" '
                    f'fill="{colour}"><title>{escape(label)} {escape(segment)}：{count} 条'
                    "</title></rect>"
                )
                x += width
        parts.append(f'<text x="{x + 4:.1f}" y="{y + BAR - 3}">{sum(counts)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
