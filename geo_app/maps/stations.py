"""Station markers as the community map and the resident page draw them: one layer per kind."""

from __future__ import annotations

from collections.abc import Callable

import folium
import geopandas as gpd

from geo_app.maps.base import Properties, feature_collection, text_tooltip
from geo_app.maps.styles import station_badge_html
from layers.schema import STATION_KINDS


def add_station_layers(
    m: folium.Map,
    stations: gpd.GeoDataFrame,
    *,
    layer_name: Callable[[str, int], str],
    tooltip: Callable[[Properties], str],
) -> None:
    """One toggleable layer per station kind present, each station its badge (站 / 歇).

    ``layer_name(kind label, number of stations)`` names the layer; ``tooltip(properties)`` is
    each marker's text (escaped by :func:`feature_collection`).
    """
    for kind, label in STATION_KINDS.items():
        subset = stations[stations["kind"] == kind]
        if subset.empty:
            continue
        folium.GeoJson(
            feature_collection(
                subset[["id", "name", "kind", "geometry"]], "stations", tooltip=tooltip
            ),
            name=layer_name(label, len(subset)),
            marker=folium.Marker(
                icon=folium.DivIcon(
                    html=station_badge_html(kind),
                    icon_size=(30, 30),
                    icon_anchor=(15, 15),
                    class_name=f"station-icon station-{kind}",
                )
            ),
            tooltip=text_tooltip(),
        ).add_to(m)
