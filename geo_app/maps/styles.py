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

#: Buildings drawn as a plain backdrop (no figures on them): warm grey on the paper fill.
PLAIN_BUILDING_STYLE: dict[str, object] = {
    "color": "#9e9384", "weight": 1, "fillColor": "#e0d6c8", "fillOpacity": 0.8,
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


#: Font Awesome 6 (served from xstatic) solid icon per 15-minute-circle category: a 药店 must not
#: look like a 便利店. The class colour (``POI_CLASS_COLOURS``) is the marker's background.
POI_ICONS: dict[str, str] = {
    "便利店": "store",
    "综合超市": "cart-shopping",
    "菜市场": "carrot",
    "生鲜超市/菜店": "apple-whole",
    "早餐店": "mug-hot",
    "洗染店": "shirt",
    "美容美发店": "scissors",
    "照相文印店": "print",
    "家政服务点": "broom",
    "维修点": "screwdriver-wrench",
    "药店": "prescription-bottle-medical",
    "邮政快递综合服务点": "box",
    "健身场所": "dumbbell",
    "书店": "book",
    "茶饮咖啡": "mug-saucer",
    "养老服务": "person-cane",
    "托育服务": "baby",
    "社区食堂": "utensils",
    "幼儿园": "children",
    "社区卫生服务站": "house-medical",
    "社区服务站": "people-roof",
    "垃圾收集点": "trash-can",
    "公交站": "bus",
}
#: Icon of a category not listed above.
POI_DEFAULT_ICON = "location-dot"

#: Zoom levels from which the community map shows road names and building numbers.
ROAD_LABEL_MIN_ZOOM = 14.5
BUILDING_LABEL_MIN_ZOOM = 17
#: A street's name is repeated every this many metres along it.
ROAD_LABEL_SPACING_M = 300.0


def poi_icon_html(category: str, colour: str) -> str:
    """A round POI marker with its category's icon (the names are ours, never data)."""
    icon = POI_ICONS.get(category, POI_DEFAULT_ICON)
    return (
        f'<span class="poi-badge" style="background:{colour}">'
        f'<i class="fa-solid fa-{icon}" aria-hidden="true"></i></span>'
    )
