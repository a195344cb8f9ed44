"""The community map: every layer of 金宁社区 drawn with Folium, readable with no tiles.

Made for a phone first: the view fits the community; grid names, road names and building
numbers are labels that ``static/map.js`` shows by zoom level and declutters (a label that
would overlap a station or an earlier label is hidden until zoomed in); every 15-minute-circle
category has its own icon (Font Awesome, served by the app) and a line in the legend. Station
popups are filled by ``static/map.js`` from ``/api/stations`` when opened, so their stock and
open-now state are the API's, at that moment — the rendered map depends on the layers only.
"""

from __future__ import annotations

from collections.abc import Iterable

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import escape

from geo_app.maps.base import bounded_map, feature_collection, fit_to, text_tooltip
from geo_app.maps.stations import add_station_layers
from geo_app.maps.styles import (
    BOUNDARY_STYLE,
    BUILDING_LABEL_MIN_ZOOM,
    PATH_STYLES,
    POI_CLASS_COLOURS,
    POI_DEFAULT_ICON,
    POI_ICONS,
    ROAD_LABEL_MIN_ZOOM,
    ROAD_LABEL_SPACING_M,
    STATION_BADGES,
    grid_colours,
    poi_icon_html,
)
from geo_app.walking import local_crs
from layers import Community
from layers.schema import PATH_KINDS, POI_CATEGORIES, STATION_KINDS

#: Grid fields never sent to this public page: the 网格长's real name (people are named only
#: on the logged-in grid pages; the public map names the grid).
PRIVATE_GRID_FIELDS = ("leader",)
#: Label kinds, in the order ``static/map.js`` places them (earlier wins an overlap).
LABEL_PRIORITY = ("grid", "road", "building")


def _popup_table(title: str, rows: Iterable[tuple[str, object]]) -> str:
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<div class="popup"><h4>{escape(title)}</h4><table>{cells}</table></div>'


def _label_marker(
    lat: float, lon: float, text: str, kind: str, *, style: str = ""
) -> folium.Marker:
    """A non-interactive text label (out of the tab order), placed and shown by ``map.js``."""
    return folium.Marker(
        [lat, lon],
        icon=folium.DivIcon(
            html=f'<span class="map-label {kind}-label" data-label-kind="{kind}"'
            f'{f" style={style!r}" if style else ""}>{escape(text)}</span>',
            icon_size=(0, 0),
            class_name=f"label-icon label-{kind}",
        ),
        interactive=False,
        keyboard=False,
        z_index_offset=1000,  # above the POI markers
    )


def build_community_map(
    community: Community, *, basemap: str = "none", tianditu_key: str = ""
) -> folium.Map:
    """A Folium map with one toggleable layer per GeoJSON layer, labels and a legend."""
    bounds = community.boundary.total_bounds
    # Quarter zoom steps: the community fills a phone's screen instead of the next whole level.
    m = bounded_map(bounds, zoom_start=15, basemap=basemap, tianditu_key=tianditu_key,
                    zoom_snap=0.25)
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
            interactive=False,
        ).add_to(m)
    _add_paths(m, community)
    _add_buildings(m, community, colours, grid_names)
    _add_stations(m, community)
    _add_pois(m, community)
    folium.LayerControl(collapsed=True).add_to(m)
    fit_to(m, bounds)
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
        _label_marker(point.y, point.x, row.name, "grid",
                      style=f"border-color:{colours[row.id]}").add_to(labels)
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
    labels = folium.FeatureGroup(name="道路名称")
    paths = community.paths
    streets = paths[(paths["kind"] == "street") & paths["name"].notna()]
    if not streets.empty:
        west, south, east, north = streets.total_bounds
        metric = streets.to_crs(local_crs((west + east) / 2, (south + north) / 2))
        for name, group in metric.groupby("name", sort=True):
            for lon, lat in _road_label_points(group.geometry.to_numpy(), metric.crs):
                _label_marker(lat, lon, str(name), "road").add_to(labels)
    labels.add_to(m)


def _road_label_points(lines: np.ndarray, metric_crs: object) -> list[tuple[float, float]]:
    """Where a street's name is written: the middle of each ``ROAD_LABEL_SPACING_M`` stretch
    of its longest merged part (so a name is on screen wherever one zooms in along it)."""
    merged = shapely.line_merge(shapely.union_all(lines))
    longest = max(getattr(merged, "geoms", [merged]), key=lambda line: line.length)
    count = max(1, round(longest.length / ROAD_LABEL_SPACING_M))
    points = [longest.interpolate((i + 0.5) / count, normalized=True) for i in range(count)]
    lonlat = gpd.GeoSeries(points, crs=metric_crs).to_crs(4326)
    return [(p.x, p.y) for p in lonlat]


def building_number(name: str, compound: str) -> str:
    """The short label of a building on the map: "3栋" for "风格城市 3栋"."""
    short = name.removeprefix(compound).strip() if compound else name
    return short or name


def _add_buildings(
    m: folium.Map, community: Community, colours: dict[str, str], grid_names: dict[str, str]
) -> None:
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
    labels = folium.FeatureGroup(name="楼号")
    for row in community.buildings.itertuples():
        point = row.geometry.representative_point()
        compound = row.compound if isinstance(row.compound, str) else ""
        _label_marker(point.y, point.x, building_number(str(row.name), compound),
                      "building").add_to(labels)
    labels.add_to(m)


def _add_stations(m: folium.Map, community: Community) -> None:
    """Station markers; ``map.js`` gives each the popup of its ``/api/stations`` entry."""
    add_station_layers(
        m,
        community.stations,
        layer_name=lambda label, count: f"{label}（{count}）",
        tooltip=lambda p: p["name"],
    )


def _add_pois(m: folium.Map, community: Community) -> None:
    pois = community.pois
    if pois.empty:  # folium refuses a tooltip on a layer with no features
        return
    folium.GeoJson(
        feature_collection(
            pois,
            "pois",
            extra=lambda p: {"icon_html": poi_icon_html(
                p["category"], POI_CLASS_COLOURS[POI_CATEGORIES[p["category"]]])},
            tooltip=lambda p: f'{p["name"]}（{p["category"]}）',
        ),
        name=f"便民设施（{len(pois)}）",
        marker=folium.Marker(
            icon=folium.DivIcon(icon_size=(24, 24), icon_anchor=(12, 12), class_name="poi-icon"),
            keyboard=False,
        ),
        style_function=lambda f: {"html": f["properties"]["icon_html"]},
        tooltip=text_tooltip(),
    ).add_to(m)
    Legend(sorted(set(pois["category"]), key=list(POI_CATEGORIES).index)).add_to(m)


class Legend(MacroElement):
    """A collapsible legend: station badges, then every category present with its icon."""

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
          <div class="legend-class">{{ cls }}</div>
          {% for cat, icon in cats %}
          <div class="legend-row" data-category="{{ cat }}">
            <span class="poi-badge" style="background:{{ colour }}"><i
              class="fa-solid fa-{{ icon }}" aria-hidden="true"></i></span>{{ cat }}
          </div>
          {% endfor %}
          {% endfor %}
        </details>
        {% endmacro %}
        """
    )

    def __init__(self, categories: list[str]) -> None:
        super().__init__()
        self.stations = [(STATION_KINDS[k], *STATION_BADGES[k]) for k in STATION_KINDS]
        self.groups = [
            (cls, colour, [(c, POI_ICONS.get(c, POI_DEFAULT_ICON)) for c in categories
                           if POI_CATEGORIES[c] == cls])
            for cls, colour in POI_CLASS_COLOURS.items()
            if any(POI_CATEGORIES[c] == cls for c in categories)
        ]


#: Exposed to the page: zoom levels from which labels of each kind are shown.
LABEL_MIN_ZOOM = {"grid": 0, "road": ROAD_LABEL_MIN_ZOOM, "building": BUILDING_LABEL_MIN_ZOOM}
