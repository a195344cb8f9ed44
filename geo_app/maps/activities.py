"""The activities' maps: upcoming activities on the community, and the reach of activities
(buildings with none within a ten-minute walk shaded)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import folium
from markupsafe import escape

from geo_app.maps.base import HtmlPopup, bounded_map, feature_collection, fit_to, text_tooltip
from geo_app.maps.styles import BOUNDARY_STYLE, PATH_STYLES, PLAIN_BUILDING_STYLE
from layers import Community

#: Marker colour per activity kind (志愿服务, 文体活动, 宣讲).
KIND_COLOURS = {"service": "#2e7d32", "culture": "#6a1b9a", "talk": "#c62828"}
UNREACHED, REACHED = "#e53935", "#c8e6c9"


@dataclass(frozen=True)
class ActivityPin:
    activity_id: int
    title: str
    kind: str
    kind_label: str
    when: str
    place: str
    lon: float
    lat: float


def _add_frame(m: folium.Map, community: Community) -> None:
    """The boundary and the paths under the buildings (not interactive)."""
    folium.GeoJson(
        feature_collection(community.boundary[["name", "geometry"]], "boundary"),
        name="社区边界",
        style_function=lambda f: BOUNDARY_STYLE,
        interactive=False,
    ).add_to(m)
    folium.GeoJson(
        feature_collection(community.paths[["kind", "geometry"]], "paths"),
        name="步行路网",
        style_function=lambda f: {**PATH_STYLES[f["properties"]["kind"]], "opacity": 0.5},
        interactive=False,
    ).add_to(m)


def _add_pins(m: folium.Map, pins: Sequence[ActivityPin], link: Callable[[int], str]) -> None:
    for pin in pins:
        popup = (
            f'<div class="popup"><h4>{escape(pin.title)}</h4>'
            f"<p>{escape(pin.kind_label)} · {escape(pin.when)}</p><p>{escape(pin.place)}</p>"
            f'<p><a href="{escape(link(pin.activity_id))}">查看与报名</a></p></div>'
        )
        folium.CircleMarker(
            [pin.lat, pin.lon],
            radius=9,
            color="#fff",
            weight=2,
            fill=True,
            fill_opacity=0.95,
            fill_color=KIND_COLOURS.get(pin.kind, "#455a64"),
            tooltip=str(escape(f"{pin.title}（{pin.when}）")),
        ).add_child(HtmlPopup(popup, max_width=260)).add_to(m)


def _plain_buildings(community: Community) -> folium.GeoJson:
    return folium.GeoJson(
        feature_collection(
            community.buildings[["name", "geometry"]], "buildings", tooltip=lambda p: p["name"]
        ),
        name="楼栋",
        style_function=lambda f: PLAIN_BUILDING_STYLE,
        tooltip=text_tooltip(),
    )


def _reach_buildings(community: Community, unreached: Collection[str]) -> folium.GeoJson:
    return folium.GeoJson(
        feature_collection(
            community.buildings[["id", "name", "residents", "geometry"]],
            "buildings",
            extra=lambda p: {"reached": p["id"] not in unreached},
            tooltip=lambda p: (
                f"{p['name']}：{p['residents']} 人"
                + ("" if p["id"] not in unreached else "，步行 10 分钟内没有活动")
            ),
        ),
        name="楼栋（红色：步行范围内没有活动）",
        style_function=lambda f: {
            "color": "#555",
            "weight": 1,
            "fillOpacity": 0.75,
            "fillColor": REACHED if f["properties"]["reached"] else UNREACHED,
        },
        tooltip=text_tooltip(),
    )


def build_activities_map(
    community: Community,
    pins: Sequence[ActivityPin],
    *,
    link: Callable[[int], str],
    unreached: Collection[str] | None = None,
    basemap: str = "none",
    tianditu_key: str = "",
) -> folium.Map:
    """Activities as coloured pins (popups link to each activity's page) over the buildings.

    With ``unreached`` (building ids; the reach of activities), the buildings with no activity
    within the walk are red and the others pale green.
    """
    bounds = community.boundary.total_bounds
    m = bounded_map(bounds, zoom_start=15, basemap=basemap, tianditu_key=tianditu_key)
    _add_frame(m, community)
    fit_to(m, bounds)
    buildings = (
        _plain_buildings(community) if unreached is None
        else _reach_buildings(community, unreached)
    )
    buildings.add_to(m)
    _add_pins(m, pins, link)
    return m
