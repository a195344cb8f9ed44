"""The planner's map: coverage shading, uncovered buildings, isochrones and proposed sites.

Every tooltip's text is escaped here: Leaflet inserts tooltip text as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import numpy as np
from markupsafe import escape
from shapely.geometry import mapping

from geo_app.maps.base import offline_map
from geo_app.planning.report import PlannerReport
from geo_app.walking import Isochrone
from layers import Community
from layers.schema import STATION_KINDS

COVERED, BUFFER_ONLY, UNCOVERED = "#2e7d32", "#ef6c00", "#c62828"
MAXIMAL_SITE, COVERING_SITE = "#1565c0", "#6a1b9a"


def coverage_colour(share: float | None) -> str:
    """Red (nobody covered) through yellow to green (everyone), for a grid's shading."""
    if share is None:
        return "#bdbdbd"
    share = min(max(share, 0.0), 1.0)
    red = round(220 if share < 0.5 else 220 - (share - 0.5) * 2 * 174)
    green = round(60 + share * 2 * 120 if share < 0.5 else 180)
    return f"#{red:02x}{green:02x}40"


def build_planner_map(
    community: Community,
    report: PlannerReport,
    isochrones: Sequence[tuple[str, Isochrone]],
    *,
    basemap: str = "none",
    tianditu_key: str = "",
) -> folium.Map:
    """A Folium map of the report, one toggleable layer per theme."""
    bounds = community.boundary.total_bounds
    centre = ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2)
    m = offline_map(location=centre, zoom_start=15, basemap=basemap, tianditu_key=tianditu_key)
    _add_grid_shading(m, community, report)
    _add_paths(m, community)
    _add_building_coverage(m, community, report)
    _add_missing_categories(m, community, report)
    _add_isochrones(m, isochrones)
    _add_stations(m, community)
    _add_sites(m, report)
    folium.LayerControl(collapsed=True).add_to(m)
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return m


def _collection(features: list[dict[str, object]]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": features}


def _add_grid_shading(m: folium.Map, community: Community, report: PlannerReport) -> None:
    figures = {g.grid_id: g for g in report.stations.grids}
    features = []
    for grid_id, name, outline in zip(community.grids["id"], community.grids["name"],
                                      community.grids.geometry, strict=True):
        grid = figures[grid_id]
        walk, line = grid.network.residents_share, grid.buffer.residents_share
        features.append({"type": "Feature", "geometry": mapping(outline), "properties": {
            "label": str(
                escape(f"{name}：步行覆盖 {_percent(walk)}（直线缓冲区 {_percent(line)}）")
            ),
            "fill": coverage_colour(walk),
        }})
    folium.GeoJson(
        _collection(features),
        name=f"网格步行覆盖率（{report.threshold_m:g} 米）",
        style_function=lambda f: {"color": "#37474f", "weight": 2, "fillColor":
                                  f["properties"]["fill"], "fillOpacity": 0.25},
        tooltip=folium.GeoJsonTooltip(["label"], labels=False),
    ).add_to(m)


def _add_paths(m: folium.Map, community: Community) -> None:
    features = [{"type": "Feature", "geometry": mapping(line), "properties": {}}
                for line in community.paths.geometry]
    folium.GeoJson(
        _collection(features),
        name="步行路网",
        style_function=lambda f: {"color": "#757575", "weight": 1.5, "opacity": 0.8},
        interactive=False,
    ).add_to(m)


def _add_building_coverage(m: folium.Map, community: Community, report: PlannerReport) -> None:
    uncovered = {b.building_id: b for b in report.stations.uncovered}
    buffer_only = {b.building_id for b in report.stations.buffer_only}
    features = []
    for bid, name, footprint in zip(community.buildings["id"], community.buildings["name"],
                                    community.buildings.geometry, strict=True):
        if bid not in uncovered:
            colour, label = COVERED, f"{name}：步行可达"
        else:
            row = uncovered[bid]
            walk = "无法步行到达" if row.distance_m is None else f"步行 {row.distance_m:,.0f} 米"
            line = f"直线 {row.buffer_distance_m:,.0f} 米" if row.buffer_distance_m else ""
            if bid in buffer_only:
                colour, label = BUFFER_ONLY, f"{name}：缓冲区算覆盖，但{walk}（{line}）"
            else:
                colour, label = UNCOVERED, f"{name}：未覆盖，{walk}"
        features.append({"type": "Feature", "geometry": mapping(footprint),
                         "properties": {"label": str(escape(label)), "fill": colour}})
    folium.GeoJson(
        _collection(features),
        name="楼栋：步行覆盖 / 仅缓冲区覆盖 / 未覆盖",
        style_function=lambda f: {"color": "#424242", "weight": 1, "fillColor":
                                  f["properties"]["fill"], "fillOpacity": 0.8},
        tooltip=folium.GeoJsonTooltip(["label"], labels=False),
    ).add_to(m)


def _add_missing_categories(m: folium.Map, community: Community, report: PlannerReport) -> None:
    circle = report.circle
    features = []
    for row, (name, footprint) in enumerate(zip(community.buildings["name"],
                                                community.buildings.geometry, strict=True)):
        missing = circle.missing_basic(row)
        if not missing:
            continue
        grade = circle.building_grades[row]
        features.append({"type": "Feature", "geometry": mapping(footprint), "properties": {
            "label": str(escape(f"{name}（{grade}）15 分钟步行到不了：{'、'.join(missing)}")),
            "count": len(missing),
        }})
    if not features:
        return
    most = max(f["properties"]["count"] for f in features)
    folium.GeoJson(
        _collection(features),
        name="15 分钟生活圈缺项（基本保障类）",
        show=False,
        style_function=lambda f: {"color": "#4a148c", "weight": 1, "fillColor": "#8e24aa",
                                  "fillOpacity": 0.2 + 0.7 * f["properties"]["count"] / most},
        tooltip=folium.GeoJsonTooltip(["label"], labels=False),
    ).add_to(m)


def _add_isochrones(m: folium.Map, isochrones: Sequence[tuple[str, Isochrone]]) -> None:
    group = folium.FeatureGroup(name="各站点 15 分钟步行范围", show=True)
    for station_id, shape in isochrones:
        if shape.polygon.is_empty:
            continue
        folium.GeoJson(
            mapping(shape.polygon),
            style_function=lambda f: {"color": "#0277bd", "weight": 1, "fillColor": "#4fc3f7",
                                      "fillOpacity": 0.06, "dashArray": "4 3"},
            tooltip=str(
                escape(f"{station_id}：{shape.minutes:g} 分钟步行（{shape.reach_m:,.0f} 米）")
            ),
        ).add_to(group)
    group.add_to(m)


def _add_stations(m: folium.Map, community: Community) -> None:
    group = folium.FeatureGroup(name="现有站点")
    for name, kind, point in zip(community.stations["name"], community.stations["kind"],
                                 community.stations.geometry, strict=True):
        colour = UNCOVERED if kind == "party_service_station" else BUFFER_ONLY
        folium.CircleMarker(
            [point.y, point.x], radius=9, color="#fff", weight=2, fill=True, fill_color=colour,
            fill_opacity=1, tooltip=str(escape(f"{STATION_KINDS[kind]}：{name}")),
        ).add_to(group)
    group.add_to(m)


def _add_sites(m: folium.Map, report: PlannerReport) -> None:
    siting = report.siting
    layers = (
        (siting.shown_maximal, MAXIMAL_SITE, f"建议新增站点：最大覆盖（{siting.k} 处）"),
        (siting.shown_covering, COVERING_SITE, "建议新增站点：全覆盖最少站点"),
    )
    for answer, colour, title in layers:
        group = folium.FeatureGroup(name=title, show=answer is siting.shown_maximal)
        for number, site in enumerate(siting.sites(answer), start=1):
            folium.Marker(
                [site["lat"], site["lon"]],
                icon=folium.DivIcon(
                    html=f'<div class="site-diamond" style="background:{colour}">{number}</div>',
                    icon_size=(22, 22), icon_anchor=(11, 11), class_name="site-icon",
                ),
                tooltip=str(escape(f"{title} #{number}（候选点 {site['candidate']}）")),
            ).add_to(group)
        group.add_to(m)


def _percent(share: float | None) -> str:
    return "—" if share is None or np.isnan(share) else f"{share:.0%}"
