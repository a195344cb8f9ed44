"""The resident page's map: the community drawn lightly, so the walking route stands out.

Only the station markers take the keyboard focus (buildings and paths are decoration here: a
start is set by a tap, a search or a deep link); big +/− buttons are styled by
``static/resident.css`` (bigger still in 长者模式).
"""

from __future__ import annotations

import folium

from geo_app.maps.base import bounded_map, feature_collection, fit_to
from geo_app.maps.stations import add_station_layers
from geo_app.maps.styles import BOUNDARY_STYLE, PATH_STYLES, PLAIN_BUILDING_STYLE
from layers import Community
from layers.schema import STATION_KINDS

#: The paths drawn lighter than on the full community map: the route must stand out.
LIGHT_PATH_OPACITY = 0.55


def build_resident_map(
    community: Community, *, basemap: str = "none", tianditu_key: str = ""
) -> folium.Map:
    """The community drawn lightly: boundary, paths (gates marked), buildings, stations."""
    bounds = community.boundary.total_bounds
    m = bounded_map(
        bounds,
        zoom_start=16,
        basemap=basemap,
        tianditu_key=tianditu_key,
        zoom_control=True,
        zoom_snap=0.25,
    )
    # No icon font on this page (its badges are text): one stylesheet less before the answer.
    m.default_css = [(name, url) for name, url in m.default_css
                     if name != "awesome_markers_font_css"]
    folium.GeoJson(
        feature_collection(community.boundary[["name", "geometry"]], "boundary"),
        name="社区边界",
        style_function=lambda f: {**BOUNDARY_STYLE, "weight": 2, "fillOpacity": 0.7},
        interactive=False,
    ).add_to(m)
    folium.GeoJson(
        feature_collection(community.buildings[["id", "name", "geometry"]], "buildings"),
        name="楼栋",
        style_function=lambda f: PLAIN_BUILDING_STYLE,
        interactive=False,  # decoration: out of the tab order, taps reach the map
    ).add_to(m)
    folium.GeoJson(
        feature_collection(community.paths[["kind", "geometry"]], "paths"),
        name="步行路网",
        style_function=lambda f: {
            **PATH_STYLES[f["properties"]["kind"]],
            "opacity": LIGHT_PATH_OPACITY if f["properties"]["kind"] != "gate" else 1.0,
        },
        interactive=False,
    ).add_to(m)
    add_station_layers(
        m,
        community.stations,
        layer_name=lambda label, _count: label,
        tooltip=lambda p: f"{p['name']}（{STATION_KINDS[p['kind']]}）",
    )
    fit_to(m, bounds)
    return m
