"""The resident page (the service's home page): where am I, what do I need, the nearest station.

The page is a light Folium map of the community's own layers (readable with no tiles) plus our
own script, ``static/resident.js``, which asks ``/api/nearest``, ``/api/buildings`` and draws
the walking route. The rendered map is built once per loaded community.
"""

from __future__ import annotations

import folium
from flask import Blueprint, current_app, render_template, url_for
from markupsafe import escape

from geo_app.access import public
from geo_app.community_map import PATH_STYLES, STATION_BADGES
from geo_app.maps import MapParts, offline_map, render_map_parts
from geo_app.station_finder import DEFAULT_MAX_DISTANCE_M, per_community
from geo_app.stock import get_stock_levels
from layers import Community
from layers.schema import ITEM_LABELS, STATION_KINDS

bp = Blueprint("resident", __name__)

#: The paths drawn lighter than on the full community map: the route must stand out.
LIGHT_PATH_OPACITY = 0.55


@bp.get("/")
@public
def home() -> str:
    """找服务站：定位或选位置，选物资，看最近的开放站点和步行路线。"""
    parts = per_community("resident_map", _render_resident_map)
    stock = get_stock_levels()
    stocked = {item for items in stock.values() for item, count in items.items() if count > 0}
    items = [(item, label) for item, label in ITEM_LABELS.items() if item in stocked]
    config = current_app.config
    page_config = {
        "mapName": parts.map_name,
        "api": {
            "nearest": url_for("public_api.nearest"),
            "buildings": url_for("public_api.buildings"),
        },
        "speedKmh": config["WALK_SPEED_KMH"],
        "elderlySpeedKmh": config["ELDERLY_WALK_SPEED_KMH"],
        "maxDistanceM": config.get("NEAREST_MAX_DISTANCE_M", DEFAULT_MAX_DISTANCE_M),
        "itemLabels": ITEM_LABELS,
        "kindLabels": STATION_KINDS,
    }
    return render_template(
        "resident.html",
        map=parts,
        items=items,
        page_config=page_config,
        elderly_speed=config["ELDERLY_WALK_SPEED_KMH"],
    )


def _render_resident_map(community: Community) -> MapParts:
    config = current_app.config
    return render_map_parts(
        build_resident_map(
            community, basemap=config["BASEMAP"], tianditu_key=config["TIANDITU_KEY"]
        )
    )


def build_resident_map(
    community: Community, *, basemap: str = "none", tianditu_key: str = ""
) -> folium.Map:
    """The community drawn lightly: boundary, paths (gates marked), buildings, stations."""
    west, south, east, north = community.boundary.total_bounds
    m = offline_map(
        location=((south + north) / 2, (west + east) / 2),
        zoom_start=16,
        basemap=basemap,
        tianditu_key=tianditu_key,
        zoom_control=False,
    )
    folium.GeoJson(
        community.boundary[["name", "geometry"]].to_json(drop_id=True),
        name="社区边界",
        style_function=lambda f: {
            "color": "#b71c1c",
            "weight": 2,
            "dashArray": "6 5",
            "fill": True,
            "fillColor": "#fffdf7",
            "fillOpacity": 0.7,
        },
        interactive=False,
    ).add_to(m)
    folium.GeoJson(
        community.buildings[["name", "compound", "geometry"]].to_json(drop_id=True),
        name="楼栋",
        style_function=lambda f: {
            "color": "#9e9384",
            "weight": 1,
            "fillColor": "#e0d6c8",
            "fillOpacity": 0.8,
        },
        tooltip=folium.GeoJsonTooltip(["name"], labels=False),
    ).add_to(m)
    folium.GeoJson(
        community.paths[["kind", "geometry"]].to_json(drop_id=True),
        name="步行路网",
        style_function=lambda f: {
            **PATH_STYLES[f["properties"]["kind"]],
            "opacity": LIGHT_PATH_OPACITY if f["properties"]["kind"] != "gate" else 1.0,
        },
        interactive=False,
    ).add_to(m)
    for row in community.stations.itertuples():
        text, colour = STATION_BADGES[row.kind]
        folium.Marker(
            [row.geometry.y, row.geometry.x],
            icon=folium.DivIcon(
                html=f'<div class="station-badge" style="background:{colour}">{text}</div>',
                icon_size=(30, 30),
                icon_anchor=(15, 15),
                class_name=f"station-icon station-{row.kind}",
            ),
            tooltip=str(escape(f"{row.name}（{STATION_KINDS[row.kind]}）")),
        ).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m
