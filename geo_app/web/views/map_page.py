"""The community map page: every layer, for everyone (no personal data)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from geo_app.maps.base import MapParts, render_map_parts
from geo_app.maps.community import build_community_map
from geo_app.state.cache import per_community
from geo_app.state.community import get_community
from geo_app.stations.levels import get_stock_levels, levels_key
from geo_app.web.access import public

bp = Blueprint("map_page", __name__)


def _community_map_parts() -> MapParts:
    """The rendered map (about 0.1 s a render), made once per loaded community and stock."""
    stock = get_stock_levels()
    config = current_app.config
    return per_community(
        ("community_map", levels_key(stock)),
        lambda community: render_map_parts(
            build_community_map(
                community, stock=stock,
                basemap=config["BASEMAP"], tianditu_key=config["TIANDITU_KEY"],
            )
        ),
    )


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
    return render_template("map.html", map=_community_map_parts(), counts=counts)
