"""The community map page: every layer, for everyone (no personal data)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from geo_app.access import public
from geo_app.community_map import build_community_map
from geo_app.community_state import get_community
from geo_app.maps import render_map_parts

bp = Blueprint("map_page", __name__)


@bp.get("/map")
@public
def community_map() -> str:
    """社区地图：网格、楼栋、服务站、歇歇角、步行路网与便民设施。"""
    community = get_community()
    m = build_community_map(
        community,
        basemap=current_app.config["BASEMAP"],
        tianditu_key=current_app.config["TIANDITU_KEY"],
    )
    counts = {
        "buildings": len(community.buildings),
        "stations": len(community.stations),
        "grids": len(community.grids),
        "pois": len(community.pois),
    }
    return render_template("map.html", map=render_map_parts(m), counts=counts)
