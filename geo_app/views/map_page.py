"""The community map page: every layer, for everyone (no personal data)."""

from __future__ import annotations

import threading

from flask import Blueprint, current_app, render_template, request

from geo_app.access import public
from geo_app.community_map import build_community_map
from geo_app.community_state import get_community
from geo_app.maps import MapParts, render_map_parts
from layers import Community

bp = Blueprint("map_page", __name__)

CACHE_KEY = "geo_app.community_map_parts"
_render_lock = threading.Lock()


def _community_map_parts(community: Community) -> MapParts:
    """The rendered map, made once per loaded community and base map (about 0.1 s a render)."""
    config = current_app.config
    key = (request.script_root, config["BASEMAP"], config["TIANDITU_KEY"])
    with _render_lock:
        cached = current_app.extensions.get(CACHE_KEY)
        if cached is not None and cached[0] is community and cached[1] == key:
            return cached[2]
        m = build_community_map(
            community, basemap=config["BASEMAP"], tianditu_key=config["TIANDITU_KEY"]
        )
        parts = render_map_parts(m)
        current_app.extensions[CACHE_KEY] = (community, key, parts)
        return parts


@bp.get("/map")
@public
def community_map() -> str:
    """社区地图：网格、楼栋、服务站、歇歇角、步行路网与便民设施。"""
    community = get_community()
    counts = {
        "buildings": len(community.buildings),
        "stations": len(community.stations),
        "grids": len(community.grids),
        "pois": len(community.pois),
    }
    return render_template("map.html", map=_community_map_parts(community), counts=counts)
