"""The coverage-against-threshold chart as inline SVG (no script, no CDN)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 560, 260
LEFT, RIGHT, TOP, BOTTOM = 46, 16, 16, 40
SERIES = (("network_share", "实际步行", "#2e7d32", ""), ("buffer_share", "按直线距离", "#ef6c00",
                                                           "6 4"))


def _threshold(point: Mapping[str, float | None]) -> float:
    """A curve point's threshold (only the shares may be None, when nobody lives there)."""
    metres = point["threshold_m"]
    if metres is None:
        raise ValueError(f"coverage curve point without threshold_m: {point!r}")
    return metres


def coverage_chart(curve: Sequence[dict[str, float | None]], *, marks: Sequence[float] = (),
                   current: float | None = None) -> Markup:
    """Share of residents covered against the walking threshold, walk and buffer as two lines.

    ``marks`` (the configured thresholds) get a tick label; ``current`` a vertical line.
    """
    if not curve:
        return Markup("")
    top_m = max(_threshold(point) for point in curve)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(metres: float) -> float:
        return LEFT + plot_w * metres / top_m

    def y(share: float) -> float:
        return TOP + plot_h * (1 - share)

    parts = [
        f'<svg class="coverage-chart" data-testid="coverage-chart" viewBox="0 0 {WIDTH} {HEIGHT}"'
        ' role="img" aria-labelledby="coverage-chart-title" preserveAspectRatio="xMidYMid meet">',
        '<title id="coverage-chart-title">居民覆盖率随步行距离阈值的变化</title>',
    ]
    for share in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(share):.1f}" '
                     f'y2="{y(share):.1f}" class="grid-line"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(share) + 4:.1f}" text-anchor="end">'
                     f"{share:.0%}</text>")
    for metres in marks:
        parts.append(f'<text x="{x(metres):.1f}" y="{HEIGHT - BOTTOM + 16}" '
                     f'text-anchor="middle">{metres:g}</text>')
    parts.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 6}" text-anchor="middle">'
                 "步行距离阈值（米）</text>")
    if current is not None:
        parts.append(f'<line x1="{x(current):.1f}" x2="{x(current):.1f}" y1="{TOP}" '
                     f'y2="{HEIGHT - BOTTOM}" class="current"/>')
    for key, label, colour, dash in SERIES:
        points = [(x(_threshold(p)), y(p[key] or 0.0)) for p in curve]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"'
                     f' stroke-dasharray="{dash}"><title>{escape(label)}</title></polyline>')
        for (px, py), p in zip(points, curve, strict=True):
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"><title>'
                         f"{escape(label)} {p['threshold_m']:g} 米：{(p[key] or 0):.1%}"
                         "</title></circle>")
    for number, (_, label, colour, dash) in enumerate(SERIES):
        lx = LEFT + 10 + number * 130
        parts.append(f'<line x1="{lx}" x2="{lx + 24}" y1="{TOP + 8}" y2="{TOP + 8}" '
                     f'stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/>')
        parts.append(f'<text x="{lx + 30}" y="{TOP + 12}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
