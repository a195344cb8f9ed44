"""The community map page: every layer, for everyone (no personal data).

The map (layers only) is rendered once per loaded community; its script is served as a file
(``/map/map.js``, no inline script) and ``static/map.js`` adds what changes: station popups
with the stock and open-now state of ``/api/stations``, and labels shown by zoom level.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, url_for

from geo_app.maps.base import MapParts, render_map_parts
from geo_app.maps.community import LABEL_MIN_ZOOM, build_community_map
from geo_app.maps.delivery import external_script_parts, map_script_response
from geo_app.state.cache import per_community
from geo_app.state.community import get_community
from geo_app.stations.navigation import links_json, navigation_links
from geo_app.web.access import public
from layers import Community
from layers.schema import ITEM_LABELS

bp = Blueprint("map_page", __name__)


def _community_map_parts() -> MapParts:
    """The rendered map (about 0.1 s a render), made once per loaded community."""
    config = current_app.config

    def render(community: Community) -> MapParts:
        return external_script_parts(render_map_parts(build_community_map(
            community, basemap=config["BASEMAP"], tianditu_key=config["TIANDITU_KEY"],
        )))

    return per_community("community_map", render)


def station_links(community: Community) -> dict[str, list[dict[str, str]]]:
    """Station id → its 「去这里」 links (walking, in each map app's coordinates)."""
    return {
        str(row.id): links_json(navigation_links(row.geometry.x, row.geometry.y, str(row.name)))
        for row in community.stations.itertuples()
    }


@bp.get("/map")
@public
def community_map() -> str:
    """社区地图：网格、楼栋、服务站、歇歇角、步行路网与便民设施。"""
    community = get_community()
    parts = _community_map_parts()
    counts = {
        "buildings": len(community.buildings),
        "stations": len(community.stations),
        "grids": len(community.grids),
        "pois": len(community.pois),
    }
    page_config = {
        "mapName": parts.map_name,
        "api": {"stations": url_for("public_api.stations")},
        "labelMinZoom": LABEL_MIN_ZOOM,
        "itemLabels": ITEM_LABELS,
        "navLinks": per_community("station_nav_links", station_links),
    }
    return render_template("map.html", map=parts, counts=counts, page_config=page_config)


@bp.get("/map/map.js")
@public
def map_script() -> Response:
    """The community map's Leaflet script (served apart: the page has no inline script)."""
    return map_script_response(_community_map_parts())
