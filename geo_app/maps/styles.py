"""Colours and line styles shared by every map of the service."""

from __future__ import annotations

from collections.abc import Iterable

#: Fill colours of the grids (and of their buildings), in grid order.
GRID_PALETTE = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf",
                "#17becf", "#bcbd22", "#7f7f7f")

#: The community's outline, dashed red over a warm paper fill (readable with no tiles).
BOUNDARY_STYLE: dict[str, object] = {
    "color": "#b71c1c", "weight": 3, "dashArray": "8 6", "fill": True,
    "fillColor": "#fffdf7", "fillOpacity": 0.6,
}

PATH_STYLES: dict[str, dict[str, object]] = {
    "street": {"color": "#8d8d8d", "weight": 5, "opacity": 0.9},
    "crossing": {"color": "#555555", "weight": 3, "dashArray": "4 4", "opacity": 0.9},
    "footpath": {"color": "#2e7d32", "weight": 3, "opacity": 0.8},
    "internal": {"color": "#c9b68a", "weight": 2.5, "opacity": 0.9},
    "gate": {"color": "#ef6c00", "weight": 5, "opacity": 1.0},
}

#: Marker badge text and colour per station kind.
STATION_BADGES: dict[str, tuple[str, str]] = {
    "party_service_station": ("站", "#c62828"),
    "rest_post": ("歇", "#ef6c00"),
}

#: POI colours by class (基本保障类 / 品质提升类 / 五分钟生活圈配套).
POI_CLASS_COLOURS: dict[str, str] = {
    "基本保障类": "#1565c0",
    "品质提升类": "#6a1b9a",
    "五分钟生活圈配套": "#00897b",
}


def grid_colours(grid_ids: Iterable[str]) -> dict[str, str]:
    """Grid id → its fill colour, by grid order."""
    return {gid: GRID_PALETTE[i % len(GRID_PALETTE)] for i, gid in enumerate(grid_ids)}


def station_badge_html(kind: str) -> str:
    """The round badge of a station marker (站 / 歇); the text is ours, never data."""
    text, colour = STATION_BADGES[kind]
    return f'<div class="station-badge" style="background:{colour}">{text}</div>'
