"""The resident page (the service's home page): where am I, what do I need, the nearest station.

The page is a light Folium map of the community's own layers (readable with no tiles) plus our
own script, ``static/resident.js``, which asks ``/api/nearest``, ``/api/buildings`` and draws
the walking route. The rendered map is built once per loaded community.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for

from geo_app.maps.base import MapParts, render_map_parts
from geo_app.maps.resident import build_resident_map
from geo_app.state.cache import per_community
from geo_app.stations.levels import get_stock_levels
from geo_app.web.access import public
from layers import Community
from layers.schema import ITEM_LABELS, STATION_KINDS

bp = Blueprint("resident", __name__)

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
        "maxDistanceM": config["NEAREST_MAX_DISTANCE_M"],
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
