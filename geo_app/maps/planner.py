"""The planner's map: coverage shading, uncovered buildings, isochrones and proposed sites.

Words a 社区 planner uses ("500 米（约 8 分钟）步行范围内", "超出 500 米"), colours by meaning
against the configured targets (short red, near orange, met blue: safe for colour-blind
eyes). Every tooltip's and popup's text is escaped here: Leaflet inserts it as HTML.
:func:`print_map_svg` draws the same community as an SVG for the one-page printed report.

The big layers (walking paths, every building twice: coverage and 生活圈 gaps, the
isochrones) are not written into the map's script: at 24,576 buildings they made 14 of the
page's 15 MB. :func:`planner_layer_data` sends them as data (coordinates as small integer
steps, a style table, label text shared between features) which ``static/map_layers.js``
draws into the empty groups :func:`build_planner_map` leaves in the layer control, in the
same order and colours (``benchmarks/bench_planner_page.py`` measures both).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup, escape
from pyproj import CRS
from shapely.geometry import mapping

from geo_app.maps.base import PAGE_DECIMALS, HtmlPopup, bounded_map, delta_shapes, fit_to, rounded
from geo_app.planning.report import PlannerReport
from geo_app.walking import Isochrone
from layers import Community
from layers.schema import STATION_KINDS

#: Blue / light orange / dark red (ColorBrewer RdYlBu): told apart with red-green colour
#: blindness too, by lightness as well as hue (the former green and red looked alike to a
#: deuteranope: ΔE 16 under Machado's simulation, now ≥ 39; tests/test_qa_plan3_colours.py).
COVERED, BUFFER_ONLY, UNCOVERED = "#2166ac", "#fdae61", "#b2182b"
#: The proposed sites are near-black (the former blue turned into the covering sites' purple
#: for a deuteranope); the what-if diamond carries a "?".
MAXIMAL_SITE, COVERING_SITE, WHATIF_SITE = "#212121", "#6a1b9a", "#00838f"
#: A share judged against the targets: its level, colour and word (the buildings' scale).
LEVEL_COLOURS = {"short": UNCOVERED, "near": BUFFER_ONLY, "met": COVERED, "none": "#9e9e9e"}
LEVEL_WORDS = {"short": "未达目标", "near": "接近目标", "met": "达到目标", "none": "无居民"}
DEFAULT_SPEED_KMH = 4.0  # the default pace, for "约 N 分钟"
#: The isochrones' outline (each station's 15-minute walk).
ISOCHRONE_LINE = "#0277bd"


def legend_entries(threshold_m: float) -> list[tuple[str, str, str]]:
    """The map's legend as (shape, colour, words): every mark the planner map draws, in the
    colours it draws them (``shape`` is a CSS class: square, dot, diamond, outline)."""
    limit = f"{threshold_m:g} 米"
    return [
        ("square", COVERED, f"楼栋：{limit}步行范围内"),
        ("square", BUFFER_ONLY, "楼栋：超出，但按直线距离会误算为已覆盖"),
        ("square", UNCOVERED, f"楼栋：超出 {limit}"),
        ("dot", UNCOVERED, STATION_KINDS["party_service_station"]),
        ("dot", BUFFER_ONLY, STATION_KINDS["rest_post"]),
        ("diamond", MAXIMAL_SITE, "建议新增站点（编号同下表）"),
        ("diamond", COVERING_SITE, "全覆盖最少站点（在图层按钮中打开）"),
        ("diamond", WHATIF_SITE, "您试算的站点"),
        ("outline", ISOCHRONE_LINE, "各站点 15 分钟步行范围（虚线）"),
    ]


def target_level(share: float | None, targets: Sequence[float]) -> str:
    """"short" below the first target, "near" below the last, "met" at or above it."""
    if share is None or np.isnan(share):
        return "none"
    if share < targets[0]:
        return "short"
    return "met" if share >= targets[-1] else "near"


def coverage_colour(share: float | None, targets: Sequence[float] = (0.85, 0.99)) -> str:
    """A grid's shading: red short of the first target, orange short of the last, else blue."""
    return LEVEL_COLOURS[target_level(share, targets)]


def walk_words(threshold_m: float, speed_kmh: float = DEFAULT_SPEED_KMH) -> str:
    """"500 米（约 8 分钟）": minutes rounded up, as the page says them."""
    minutes = math.ceil(threshold_m * 60 / (speed_kmh * 1000) - 1e-9)
    return f"{threshold_m:,.0f} 米（约 {minutes} 分钟）"


#: From this many buildings the map is drawn on a canvas: at 24,576 buildings (two layers of
#: footprints) Chromium redraws a zoom in 0.09 s on a canvas against 0.47 s in SVG.
CANVAS_FROM_BUILDINGS = 2_000


def build_planner_map(
    community: Community,
    report: PlannerReport,
    *,
    sites: Sequence[Mapping[str, Any]] | None = None,
    targets: Sequence[float] = (0.85, 0.99),
    basemap: str = "none",
    tianditu_key: str = "",
) -> folium.Map:
    """A Folium map of the report, one toggleable layer per theme.

    ``sites`` are the proposed sites with ``near`` and ``gain`` (see
    :func:`geo_app.planning.whatif.site_summaries`); without them the report's bare sites are
    drawn. The layers of :data:`DATA_LAYERS` (the fewest sites covering all among them) are
    left empty here, for :func:`planner_layer_data` to fill in the browser.
    """
    bounds = community.boundary.total_bounds
    m = bounded_map(bounds, zoom_start=15, basemap=basemap, tianditu_key=tianditu_key,
                    prefer_canvas=len(community.buildings) >= CANVAS_FROM_BUILDINGS)
    shading = _add_grid_shading(m, community, report, targets)
    slots = {key: folium.FeatureGroup(name=title, show=show)
             for key, title, show in data_layer_titles(report)}
    for key in SHAPE_LAYERS:
        slots[key].add_to(m)
    stations = _add_stations(m, community)
    proposed = _add_sites(m, report, sites)
    slots["covering"].add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    order = [shading, *(slots[key] for key in SHAPE_LAYERS), stations, proposed,
             slots["covering"]]
    DataLayerSlots(slots, front=[stations], order=order).add_to(m)
    fit_to(m, bounds)
    return m


#: The shape layers sent as data, bottom to top (above the grid shading, below the stations).
SHAPE_LAYERS = ("paths", "buildings", "missing", "isochrones")
#: Every layer sent as data: the shapes, then the markers of the fewest sites covering all.
DATA_LAYERS = (*SHAPE_LAYERS, "covering")


def data_layer_titles(report: PlannerReport) -> list[tuple[str, str, bool]]:
    """(key, name in the layer control, shown at first) of each of :data:`DATA_LAYERS`."""
    return [
        ("paths", "步行路网", True),
        ("buildings", "楼栋：步行范围内 / 按直线会误算 / 超出范围", True),
        ("missing", "15 分钟生活圈缺项（基本保障类）", False),
        ("isochrones", "各站点 15 分钟步行范围", True),
        ("covering", COVERING_TITLE, False),
    ]


#: The layer control's name of the set-covering sites (hidden at first: many at district scale).
COVERING_TITLE = "建议新增站点（让所有楼栋都在范围内的最少站点）"


class DataLayerSlots(MacroElement):
    """Names, for ``static/map_layers.js``, the map's groups that data layers fill
    (``map.dataLayers``), the groups to keep on top of them (``map.frontLayers``) and every
    overlay bottom to top (``map.layerOrder``: a layer turned back on in the layer control
    would otherwise be drawn over the ones meant to be above it, e.g. buildings over the
    stations)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.dataLayers = {
          {%- for key, group in this.slots.items() %}
          {{ key | tojson }}: {{ group.get_name() }},
          {%- endfor %}
        };
        {{ this._parent.get_name() }}.frontLayers = [
          {%- for group in this.front %}{{ group.get_name() }}, {% endfor %}];
        {{ this._parent.get_name() }}.layerOrder = [
          {%- for layer in this.order %}{{ layer.get_name() }}, {% endfor %}];
        {% endmacro %}
        """
    )

    def __init__(self, slots: Mapping[str, folium.FeatureGroup], *,
                 front: Sequence[folium.FeatureGroup], order: Sequence[Any]) -> None:
        super().__init__()
        self._name = "DataLayerSlots"
        self.slots = dict(slots)
        self.front = list(front)
        self.order = list(order)


class _TextTable:
    """Label text shared between features: each distinct text once, features by index."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if text not in self._index:
            self._index[text] = len(self.texts)
            self.texts.append(text)
        return self._index[text]


#: The paths' and isochrones' styles (one each); buildings are styled by coverage.
PATH_STYLE = {"color": "#757575", "weight": 1.5, "opacity": 0.8}
ISOCHRONE_STYLE = {"color": ISOCHRONE_LINE, "weight": 1, "fillColor": "#4fc3f7",
                   "fillOpacity": 0.06, "dashArray": "4 3"}
BUILDING_CLASSES = (COVERED, BUFFER_ONLY, UNCOVERED)


def planner_layer_data(
    community: Community,
    report: PlannerReport,
    isochrones: Sequence[tuple[str, Isochrone]],
    *,
    covering_sites: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The :data:`DATA_LAYERS` of the planner map as JSON-ready data.

    ``origin`` and ``decimals`` decode the shapes (:func:`~geo_app.maps.base.delta_shapes`).
    Each layer has ``shapes`` (or ``rows`` into the ``of`` layer's shapes: the 生活圈 gaps
    reuse the building outlines), ``styles`` (Leaflet path options) with ``style`` (each
    feature's index, absent when one style fits all) and ``labels``: each feature's tooltip
    as parts to join, a string or an index into ``texts``. Text is plain (the page sets it as
    ``textContent``). The ``covering`` layer is markers: ``shapes`` are points, ``marker``
    the numbered diamond's class and colour, ``popups`` each marker's lines of text (the
    first in bold); ``covering_sites`` are the named set-covering sites (else the report's).
    """
    west, south = community.boundary.total_bounds[:2]
    scale = 10 ** PAGE_DECIMALS
    origin = (round(west * scale), round(south * scale))
    text = _TextTable()

    def shapes(geometries: Any) -> list[list[Any]]:
        return delta_shapes(list(geometries), origin=origin)

    layers = [
        {"key": "paths", "shapes": shapes(community.paths.geometry), "styles": [PATH_STYLE],
         "interactive": False},
        _building_layer(community, report, text, shapes(community.buildings.geometry)),
        _missing_layer(community, report, text),
        _isochrone_layer(community, isochrones, shapes),
        _covering_layer(report, covering_sites, shapes),
    ]
    return {"decimals": PAGE_DECIMALS, "origin": origin, "texts": text.texts,
            "layers": layers}


def _building_layer(community: Community, report: PlannerReport, text: _TextTable,
                    shapes: list[list[Any]]) -> dict[str, Any]:
    uncovered = {b.building_id: b for b in report.stations.uncovered}
    buffer_only = {b.building_id for b in report.stations.buffer_only}
    limit = f"{report.threshold_m:,.0f} 米"
    style, labels = [], []
    for bid, name in zip(community.buildings["id"], community.buildings["name"], strict=True):
        if bid not in uncovered:
            colour, words = COVERED, f"：在党群服务站 {limit}步行范围内"
        else:
            row = uncovered[bid]
            walk = ("路网上走不到任何党群服务站" if row.distance_m is None
                    else f"步行 {row.distance_m:,.0f} 米")
            line = f"直线 {row.buffer_distance_m:,.0f} 米" if row.buffer_distance_m else ""
            if bid in buffer_only:
                colour, words = BUFFER_ONLY, (f"：超出 {limit}（{walk}），"
                                              f"按直线距离会误算为已覆盖（{line}）")
            else:
                colour, words = UNCOVERED, f"：超出 {limit}，{walk}"
        style.append(BUILDING_CLASSES.index(colour))
        labels.append([str(name), text(words)])
    styles = [{"color": "#424242", "weight": 1, "fillColor": colour, "fillOpacity": 0.8}
              for colour in BUILDING_CLASSES]
    return {"key": "buildings", "shapes": shapes, "styles": styles, "style": style,
            "labels": labels, "interactive": True}


def _missing_layer(community: Community, report: PlannerReport,
                   text: _TextTable) -> dict[str, Any]:
    circle = report.circle
    rows, counts, labels = [], [], []
    for row, (name, missing) in enumerate(zip(community.buildings["name"],
                                              circle.missing_basic(), strict=True)):
        if missing:
            rows.append(row)
            counts.append(len(missing))
            grade = circle.building_grades[row]
            labels.append([str(name), text(f"（{grade}）15 分钟步行到不了：{'、'.join(missing)}")])
    most = max(counts, default=1)
    styles = [{"color": "#4a148c", "weight": 1, "fillColor": "#8e24aa",
               "fillOpacity": 0.2 + 0.7 * count / most} for count in range(1, most + 1)]
    return {"key": "missing", "of": "buildings", "rows": rows, "styles": styles,
            "style": [count - 1 for count in counts], "labels": labels, "interactive": True}


def _isochrone_layer(community: Community, isochrones: Sequence[tuple[str, Isochrone]],
                     shapes: Callable[[Any], list[list[Any]]]) -> dict[str, Any]:
    stations = community.stations
    names = dict(zip(stations["id"], stations["name"], strict=True))
    drawn = [(station_id, shape) for station_id, shape in isochrones
             if not shape.polygon.is_empty]
    labels = [[f"{names.get(station_id, station_id)}：{shape.minutes:g} 分钟步行"
               f"（{shape.reach_m:,.0f} 米）"] for station_id, shape in drawn]
    return {"key": "isochrones", "shapes": shapes(shape.polygon for _, shape in drawn),
            "styles": [ISOCHRONE_STYLE], "labels": labels, "interactive": True}


def _covering_layer(report: PlannerReport, named: Sequence[Mapping[str, Any]] | None,
                    shapes: Callable[[Any], list[list[Any]]]) -> dict[str, Any]:
    """The fewest sites that bring every coverable building within reach, as numbered
    diamonds with the popups and tooltips the map's own proposed sites have."""
    siting = report.siting
    chosen = list(named or siting.sites(siting.shown_covering))
    points = shapely.points(np.array([(s["lon"], s["lat"]) for s in chosen],
                                     dtype=float).reshape(-1, 2))  # none: every one covered
    return {"key": "covering", "shapes": shapes(points),
            "marker": {"className": "site-diamond", "color": COVERING_SITE, "numbered": True},
            "labels": [[site_tooltip(number, site)] for number, site in enumerate(chosen, 1)],
            "popups": [site_lines(number, site, siting.threshold_m)
                       for number, site in enumerate(chosen, 1)],
            "interactive": True}


def _collection(features: Sequence[Mapping[str, object]]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": features}


def _add_grid_shading(
    m: folium.Map, community: Community, report: PlannerReport, targets: Sequence[float]
) -> folium.GeoJson:
    figures = {g.grid_id: g for g in report.stations.grids}
    within = walk_words(report.threshold_m)
    features = []
    for number, (grid_id, name, outline) in enumerate(zip(
        community.grids["id"], community.grids["name"], community.grids.geometry, strict=True,
    )):
        grid = figures[grid_id]
        walk, line = grid.network.residents_share, grid.buffer.residents_share
        # the id keys folium's style switch (else it keys it on the long label)
        features.append({"type": "Feature", "id": number,
                         "geometry": mapping(rounded(outline)), "properties": {
            "label": str(
                escape(f"{name}：{_percent(walk)} 的居民在 {within}步行范围内，"
                       f"{LEVEL_WORDS[target_level(walk, targets)]}"
                       f"（按直线距离会算成 {_percent(line)}）")
            ),
            "fill": coverage_colour(walk, targets),
        }})
    shading = folium.GeoJson(
        _collection(features),
        name=f"各网格：{report.threshold_m:g} 米步行范围内的居民比例",
        style_function=lambda f: {"color": "#37474f", "weight": 2, "fillColor":
                                  f["properties"]["fill"], "fillOpacity": 0.25},
        tooltip=folium.GeoJsonTooltip(["label"], labels=False),
    )
    shading.add_to(m)
    return shading


def _add_stations(m: folium.Map, community: Community) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="现有站点")
    for name, kind, point in zip(community.stations["name"], community.stations["kind"],
                                 community.stations.geometry, strict=True):
        colour = UNCOVERED if kind == "party_service_station" else BUFFER_ONLY
        folium.CircleMarker(
            [point.y, point.x], radius=9, color="#fff", weight=2, fill=True, fill_color=colour,
            fill_opacity=1, tooltip=str(escape(f"{STATION_KINDS[kind]}：{name}")),
        ).add_to(group)
    group.add_to(m)
    return group


def site_lines(number: int, site: Mapping[str, Any], threshold_m: float) -> list[str]:
    """A proposed site's popup as lines of plain text: its number, where it is, its
    coordinates and what it adds."""
    gain = site.get("gain") or {}
    lines = [
        f"建议新增 #{number}",
        site.get("near") or "（未命名位置）",
        f"经纬度 {float(site['lon']):.6f}, {float(site['lat']):.6f}",
    ]
    if gain:
        lines.append(
            f"新增 {threshold_m:g} 米步行范围内：{gain.get('buildings', 0):,} 栋楼、"
            f"{gain.get('households', 0):,} 户、{gain.get('residents', 0):,} 人"
        )
        lines.extend(f"· {grid['name']}：{grid['residents']:,} 人"
                     for grid in gain.get("by_grid", []))
    return lines


def site_tooltip(number: int, site: Mapping[str, Any]) -> str:
    """A proposed site's tooltip (plain text)."""
    return f"建议新增 #{number}：{site.get('near') or ''}"


def site_popup(number: int, site: Mapping[str, Any], threshold_m: float) -> str:
    """A proposed site's popup as markup (:func:`site_lines`, escaped, the number bold)."""
    title, *rest = (str(escape(line)) for line in site_lines(number, site, threshold_m))
    return '<div class="site-popup">' + "<br>".join([f"<b>{title}</b>", *rest]) + "</div>"


def _add_sites(
    m: folium.Map, report: PlannerReport, sites: Sequence[Mapping[str, Any]] | None
) -> folium.FeatureGroup:
    """The proposed sites (shown at first; few: k of them) as numbered diamonds."""
    siting = report.siting
    group = folium.FeatureGroup(name=f"建议新增站点（{siting.k} 处，覆盖居民最多）", show=True)
    for number, site in enumerate(sites or siting.sites(siting.shown_maximal), start=1):
        popup = site_popup(number, site, siting.threshold_m)
        folium.Marker(
            [site["lat"], site["lon"]],
            icon=folium.DivIcon(
                html=f'<div class="site-diamond" style="background:{MAXIMAL_SITE}">{number}</div>',
                icon_size=(22, 22), icon_anchor=(11, 11), class_name="site-icon",
            ),
            tooltip=str(escape(site_tooltip(number, site))),
        ).add_child(HtmlPopup(popup)).add_to(group)
    group.add_to(m)
    return group


def _percent(share: float | None) -> str:
    return "—" if share is None or np.isnan(share) else f"{share:.0%}"


def print_map_svg(
    community: Community,
    report: PlannerReport,
    sites: Sequence[Mapping[str, Any]],
    *,
    crs: CRS | str,
    targets: Sequence[float],
    width: int = 640,
) -> Markup:
    """The community as an SVG for print: grids shaded by target, buildings by coverage,
    stations and the numbered proposed sites (measured in ``crs``, north up)."""
    frames = {
        "grids": community.grids.to_crs(crs),
        "buildings": community.buildings.to_crs(crs),
        "paths": community.paths.to_crs(crs),
        "stations": community.stations.to_crs(crs),
        "boundary": community.boundary.to_crs(crs),
    }
    minx, miny, maxx, maxy = frames["boundary"].total_bounds
    scale = width / max(maxx - minx, 1.0)
    height = round((maxy - miny) * scale)

    def path(geometry: Any) -> str:
        parts = []
        for ring in _rings(geometry):
            coords = shapely.get_coordinates(ring)
            points = " ".join(f"{(x - minx) * scale:.1f},{(maxy - y) * scale:.1f}"
                              for x, y in coords)
            parts.append(f"M{points}" + ("Z" if ring.geom_type == "LinearRing" else ""))
        return " ".join(parts)

    shares = {g.grid_id: g.network.residents_share for g in report.stations.grids}
    uncovered = {b.building_id for b in report.stations.uncovered}
    buffer_only = {b.building_id for b in report.stations.buffer_only}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'class="print-map" role="img" aria-label="社区地图：覆盖与建议站点">']
    for gid, geometry in zip(frames["grids"]["id"], frames["grids"].geometry, strict=True):
        out.append(f'<path d="{path(geometry)}" fill="{coverage_colour(shares.get(gid), targets)}" '
                   'fill-opacity="0.18" stroke="#37474f" stroke-width="1.5"/>')
    for geometry in frames["paths"].geometry:
        out.append(f'<path d="{path(geometry)}" fill="none" stroke="#9e9e9e" stroke-width="0.8"/>')
    for bid, geometry in zip(frames["buildings"]["id"], frames["buildings"].geometry, strict=True):
        colour = (COVERED if bid not in uncovered
                  else BUFFER_ONLY if bid in buffer_only else UNCOVERED)
        out.append(f'<path d="{path(geometry)}" fill="{colour}" stroke="#424242" '
                   'stroke-width="0.3"/>')
    for point in frames["stations"].geometry:
        x, y = (point.x - minx) * scale, (maxy - point.y) * scale
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#b71c1c" stroke="#fff"/>')
    site_frame = [(float(s["lon"]), float(s["lat"])) for s in sites]
    if site_frame:
        import geopandas as gpd

        projected = gpd.GeoSeries(shapely.points(site_frame), crs="EPSG:4326").to_crs(crs)
        for number, point in enumerate(projected, start=1):
            x, y = (point.x - minx) * scale, (maxy - point.y) * scale
            out.append(f'<g transform="translate({x:.1f},{y:.1f})"><rect x="-7" y="-7" '
                       f'width="14" height="14" transform="rotate(45)" fill="{MAXIMAL_SITE}" '
                       f'stroke="#fff"/><text y="4" text-anchor="middle" font-size="10" '
                       f'fill="#fff">{number}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))


def _rings(geometry: Any) -> list[Any]:
    """The exterior and interior rings of polygons, or the lines themselves."""
    rings = []
    for part in shapely.get_parts(geometry):
        if part.geom_type == "Polygon":
            rings.append(part.exterior)
            rings.extend(part.interiors)
        else:
            rings.append(part)
    return rings
