"""The resident page (the service's home page): where am I, what do I need, the nearest station.

The page is a light Folium map of the community's own layers (readable with no tiles) plus our
own script, ``static/resident.js``, which asks ``/api/nearest``, ``/api/buildings`` and draws
the walking route. The rendered map is built once per loaded community; its script is served
apart (``/resident/map.js``): the page has no inline script.

Deep links (from a QR code on a door or a shared link) need no geolocation:
``/?b=<building id>&item=<item>`` starts from that building's entrance, ``/?s=<station id>``
shows that station. An unknown id or item answers the Chinese error page naming it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from geo_app.maps.base import MapParts, render_map_parts
from geo_app.maps.delivery import external_script_parts, map_script_response
from geo_app.maps.resident import build_resident_map
from geo_app.state.cache import per_community
from geo_app.state.community import get_community
from geo_app.stations.levels import get_stock_levels
from geo_app.stations.places import Place, current_place_index
from geo_app.web.access import public
from geo_app.web.errors import ApiError
from geo_app.web.views.map_page import station_links
from layers import Community
from layers.schema import ITEM_LABELS, STATION_KINDS

bp = Blueprint("resident", __name__)


def building_place(building_id: str) -> Place:
    """The building's place to walk from (its entrance), or a 404 naming the id."""
    place = current_place_index().buildings.get(building_id)
    if place is not None:
        return place
    msg = f"没有编号为“{building_id}”的楼栋，请检查二维码或链接，或在首页搜索楼栋名称"
    raise ApiError("b", msg, status=404)


def _station_id(station_id: str) -> str:
    if station_id not in set(get_community().stations["id"].astype(str)):
        raise ApiError("s", f"没有编号为“{station_id}”的服务站，请检查二维码或链接", status=404)
    return station_id


def _deep_link() -> dict[str, Any]:
    """What the query string asks to start from: a building (``b``), a station (``s``), an item."""
    args = request.args
    item = args.get("item") or None
    if item not in (None, "any") and item not in ITEM_LABELS:
        known = "、".join(f"{k}={v}" for k, v in ITEM_LABELS.items())
        raise ApiError("item", f"不认识的物资“{item}”，可选：any（任意）、{known}")
    start = None
    if args.get("b"):
        place = building_place(args["b"])
        start = {"lon": place.lon, "lat": place.lat, "label": place.name, "building": place.id}
    station = _station_id(args["s"]) if args.get("s") else None
    return {"start": start, "station": station, "item": None if item == "any" else item}


def _first_question(deep_link: dict[str, Any]) -> str | None:
    """For a building deep link, the ``/api/nearest`` URL the page will ask first, so the
    browser fetches it while the map loads (``resident.js`` builds the same URL: lon, lat, k,
    item; a resident in 长者模式 asks with their pace, and this preload is simply unused)."""
    start = deep_link["start"]
    if start is None:
        return None
    params: dict[str, Any] = {"lon": repr(start["lon"]), "lat": repr(start["lat"]), "k": 3}
    if deep_link["item"]:
        params["item"] = deep_link["item"]
    return url_for("public_api.nearest", **params)


def _resident_map_parts() -> MapParts:
    config = current_app.config

    def render(community: Community) -> MapParts:
        return external_script_parts(render_map_parts(build_resident_map(
            community, basemap=config["BASEMAP"], tianditu_key=config["TIANDITU_KEY"]
        )))

    return per_community("resident_map", render)


@bp.get("/")
@public
def home() -> str:
    """找服务站：定位、扫码或选位置，选物资，看最近的开放站点和步行路线。"""
    deep_link = _deep_link()
    parts = _resident_map_parts()
    stock = get_stock_levels()
    stocked = {item for items in stock.values() for item, count in items.items() if count > 0}
    items = [(item, label) for item, label in ITEM_LABELS.items() if item in stocked]
    config = current_app.config
    page_config = {
        "mapName": parts.map_name,
        "api": {
            "nearest": url_for("public_api.nearest"),
            "buildings": url_for("public_api.buildings"),
            "stations": url_for("public_api.stations"),
        },
        "home": url_for("resident.home", _external=True),
        "speedKmh": config["WALK_SPEED_KMH"],
        "elderlySpeedKmh": config["ELDERLY_WALK_SPEED_KMH"],
        "maxDistanceM": config["NEAREST_MAX_DISTANCE_M"],
        "itemLabels": ITEM_LABELS,
        "kindLabels": STATION_KINDS,
        "navLinks": per_community("station_nav_links", station_links),
        **deep_link,
    }
    return render_template(
        "resident.html",
        preload=_first_question(deep_link),
        map=parts,
        items=items,
        chosen_item=deep_link["item"],
        page_config=page_config,
        elderly_speed=config["ELDERLY_WALK_SPEED_KMH"],
    )


@bp.get("/resident/map.js")
@public
def map_script() -> Response:
    """The resident map's Leaflet script (served apart: the page has no inline script)."""
    return map_script_response(_resident_map_parts())
