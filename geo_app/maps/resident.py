"""The resident page's map: the community drawn lightly, so the walking route stands out."""

from __future__ import annotations

import folium
from markupsafe import escape

from geo_app.maps.base import feature_collection, offline_map, text_tooltip
from geo_app.maps.styles import BOUNDARY_STYLE, PATH_STYLES, station_badge_html
from layers import Community
from layers.schema import STATION_KINDS

#: The paths drawn lighter than on the full community map: the route must stand out.
LIGHT_PATH_OPACITY = 0.55


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
        feature_collection(community.boundary[["name", "geometry"]], "boundary"),
        name="社区边界",
        style_function=lambda f: {**BOUNDARY_STYLE, "weight": 2, "fillOpacity": 0.7},
        interactive=False,
    ).add_to(m)
    folium.GeoJson(
        feature_collection(
            community.buildings[["name", "compound", "geometry"]], "buildings",
            tooltip=lambda p: p["name"],
        ),
        name="楼栋",
        style_function=lambda f: {
            "color": "#9e9384",
            "weight": 1,
            "fillColor": "#e0d6c8",
            "fillOpacity": 0.8,
        },
        tooltip=text_tooltip(),
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
    for row in community.stations.itertuples():
        folium.Marker(
            [row.geometry.y, row.geometry.x],
            icon=folium.DivIcon(
                html=station_badge_html(row.kind),
                icon_size=(30, 30),
                icon_anchor=(15, 15),
                class_name=f"station-icon station-{row.kind}",
            ),
            tooltip=str(escape(f"{row.name}（{STATION_KINDS[row.kind]}）")),
        ).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m
