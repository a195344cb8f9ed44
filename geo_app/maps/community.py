"""The community map: every layer of 金宁社区 drawn with Folium, readable with no tiles.

Station popups show the store's current stock (what is on the shelf now), not the layer file's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import folium
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import escape

from geo_app.maps.base import feature_collection, offline_map, text_tooltip
from geo_app.maps.styles import (
    BOUNDARY_STYLE,
    PATH_STYLES,
    POI_CLASS_COLOURS,
    STATION_BADGES,
    grid_colours,
    station_badge_html,
)
from geo_app.stations.hours import describe_hours, parse_hours
from layers import Community
from layers.schema import (
    ITEM_LABELS,
    PATH_KINDS,
    POI_CATEGORIES,
    STATION_KINDS,
)

Stock = Mapping[str, Mapping[str, int]]
#: Grid fields never sent to this public page: the 网格长's real name (people are named only
#: on the logged-in grid pages; the public map names the grid).
PRIVATE_GRID_FIELDS = ("leader",)


def format_stock(items: Mapping[str, int] | None) -> str:
    """Stock as ``雨伞 12、急救药箱 0（缺货）``."""
    if not items:
        return "暂无物资信息"
    parts = []
    for key, count in items.items():
        label = ITEM_LABELS.get(key, key)
        parts.append(f"{label} {count}" + ("（缺货）" if count == 0 else ""))
    return "、".join(parts)


def _popup_table(title: str, rows: Iterable[tuple[str, object]]) -> str:
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<div class="popup"><h4>{escape(title)}</h4><table>{cells}</table></div>'


def build_community_map(
    community: Community, *, stock: Stock, basemap: str = "none", tianditu_key: str = ""
) -> folium.Map:
    """A Folium map with one toggleable layer per GeoJSON layer and a POI legend.

    ``stock`` is station id → item → count now (the store's levels).
    """
    bounds = community.boundary.total_bounds  # minx, miny, maxx, maxy in lon/lat
    centre = ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2)
    m = offline_map(location=centre, zoom_start=15, basemap=basemap, tianditu_key=tianditu_key)
    colours = grid_colours(community.grids["id"])
    grid_names = dict(zip(community.grids["id"], community.grids["name"], strict=True))

    folium.GeoJson(
        feature_collection(community.boundary, "boundary"),
        name="社区边界",
        style_function=lambda f: BOUNDARY_STYLE,
        interactive=False,
    ).add_to(m)
    _add_grids(m, community, colours)
    if not community.compounds.empty:
        folium.GeoJson(
            feature_collection(community.compounds, "compounds", tooltip=lambda p: p["name"]),
            name="小区围墙",
            style_function=lambda f: {"color": "#5d4037", "weight": 2, "dashArray": "2 4",
                                      "fill": False},
            tooltip=text_tooltip(),
        ).add_to(m)
    _add_paths(m, community)
    folium.GeoJson(
        feature_collection(
            community.buildings,
            "buildings",
            tooltip=lambda p: p["name"],
            extra=lambda p: {
                "popup_html": _popup_table(
                    p["name"],
                    [
                        ("小区", p["compound"]),
                        ("层数", p["floors"]),
                        ("单元", p["units"]),
                        ("户数", p["households"]),
                        ("常住人口", p["residents"]),
                        ("所属网格", grid_names.get(p["grid_id"], p["grid_id"])),
                    ],
                ),
                "fill": colours.get(p["grid_id"], "#999999"),
            },
        ),
        name="楼栋",
        style_function=lambda f: {"color": "#555", "weight": 1, "fillColor":
                                  f["properties"]["fill"], "fillOpacity": 0.55},
        highlight_function=lambda f: {"weight": 3, "color": "#000"},
        popup=folium.GeoJsonPopup(["popup_html"], labels=False),
        tooltip=text_tooltip(),
    ).add_to(m)
    _add_stations(m, community, grid_names, stock)
    _add_pois(m, community)
    folium.LayerControl(collapsed=True).add_to(m)
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return m


def _add_grids(m: folium.Map, community: Community, colours: dict[str, str]) -> None:
    folium.GeoJson(
        feature_collection(
            community.grids.drop(columns=list(PRIVATE_GRID_FIELDS)), "grids",
            extra=lambda p: {"fill": colours[p["id"]]},
            tooltip=lambda p: f"网格：{p['name']}",
        ),
        name="网格",
        style_function=lambda f: {"color": f["properties"]["fill"], "weight": 2,
                                  "fillColor": f["properties"]["fill"], "fillOpacity": 0.08},
        tooltip=text_tooltip(),
    ).add_to(m)
    labels = folium.FeatureGroup(name="网格名称")
    for row in community.grids.itertuples():
        point = row.geometry.representative_point()
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(
                html=f'<div class="grid-label" style="border-color:{colours[row.id]}">'
                f"{escape(row.name)}</div>",
                icon_size=(0, 0),
                class_name="grid-label-icon",
            ),
            interactive=False,
        ).add_to(labels)
    labels.add_to(m)


def _add_paths(m: folium.Map, community: Community) -> None:
    folium.GeoJson(
        feature_collection(
            community.paths, "paths", tooltip=lambda p: p.get("name") or PATH_KINDS[p["kind"]]
        ),
        name="步行路网",
        style_function=lambda f: PATH_STYLES[f["properties"]["kind"]],
        tooltip=text_tooltip(),
    ).add_to(m)


def _add_stations(
    m: folium.Map, community: Community, grid_names: dict[str, str], stock: Stock
) -> None:
    for kind, label in STATION_KINDS.items():
        subset = community.stations[community.stations["kind"] == kind]
        if subset.empty:
            continue
        folium.GeoJson(
            feature_collection(
                subset,
                "stations",
                tooltip=lambda p: p["name"],
                extra=lambda p: {
                    "popup_html": _popup_table(
                        p["name"],
                        [
                            ("类型", STATION_KINDS[p["kind"]]),
                            ("开放时间", describe_hours(parse_hours(p["hours"]))),
                            ("物资", format_stock(stock.get(p["id"]))),
                            ("联系电话", p["contact"]),
                            ("所属网格", grid_names.get(p["grid_id"], p["grid_id"])),
                        ],
                    )
                },
            ),
            name=f"{label}（{len(subset)}）",
            marker=folium.Marker(
                icon=folium.DivIcon(
                    html=station_badge_html(kind),
                    icon_size=(30, 30),
                    icon_anchor=(15, 15),
                    class_name=f"station-icon station-{kind}",
                )
            ),
            popup=folium.GeoJsonPopup(["popup_html"], labels=False),
            tooltip=text_tooltip(),
        ).add_to(m)


def _add_pois(m: folium.Map, community: Community) -> None:
    pois = community.pois
    folium.GeoJson(
        feature_collection(
            pois,
            "pois",
            extra=lambda p: {"colour": POI_CLASS_COLOURS[POI_CATEGORIES[p["category"]]]},
            tooltip=lambda p: f'{p["name"]}（{p["category"]}）',
        ),
        name=f"便民设施（{len(pois)}）",
        marker=folium.CircleMarker(radius=6, weight=2, fill=True, fill_opacity=0.85),
        style_function=lambda f: {"color": "#fff", "fillColor": f["properties"]["colour"]},
        tooltip=text_tooltip(),
    ).add_to(m)
    Legend(sorted(set(pois["category"]), key=list(POI_CATEGORIES).index)).add_to(m)


class Legend(MacroElement):
    """A collapsible legend of the POI classes and the categories present on the map."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <details class="map-legend" data-testid="poi-legend">
          <summary>图例</summary>
          {% for label, text, colour in this.stations %}
          <div class="legend-row">
            <span class="badge" style="background:{{ colour }}">{{ text }}</span>{{ label }}
          </div>
          {% endfor %}
          {% for cls, colour, cats in this.groups %}
          <div class="legend-class">
            <span class="dot" style="background:{{ colour }}"></span>{{ cls }}
          </div>
          <div class="legend-cats">{{ cats | join('、') }}</div>
          {% endfor %}
        </details>
        {% endmacro %}
        """
    )

    def __init__(self, categories: list[str]) -> None:
        super().__init__()
        self.stations = [(STATION_KINDS[k], *STATION_BADGES[k]) for k in STATION_KINDS]
        self.groups = [
            (cls, colour, [c for c in categories if POI_CATEGORIES[c] == cls])
            for cls, colour in POI_CLASS_COLOURS.items()
            if any(POI_CATEGORIES[c] == cls for c in categories)
        ]
