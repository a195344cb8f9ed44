"""Folium maps that work with no internet, and their insertion into Jinja pages.

Folium links Leaflet, jQuery, Bootstrap and plugins from CDNs. :func:`offline_map` builds a map
with no tiles by default (the project's own layers are the map), and :func:`render_map_parts`
rewrites every asset link of every element to the copies the app serves under ``/vendor/``;
an asset we do not serve raises :class:`UnservedAssetError` instead of reaching for a CDN.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from flask import url_for
from folium.elements import JSCSSMixin
from jinja2 import Template
from markupsafe import escape

#: Folium asset name → (vendored package, file), or ``None`` for assets our maps do not use
#: (Bootstrap and awesome-markers: our markers are DivIcons styled by our own CSS).
LOCAL_ASSETS: dict[str, tuple[str, str] | None] = {
    "leaflet": ("leaflet", "leaflet.js"),
    "leaflet_css": ("leaflet", "leaflet.css"),
    "jquery": None,
    "bootstrap": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers": None,
    "awesome_markers_css": None,
    "awesome_markers_font_css": ("fontawesome", "css/all.min.css"),
    "awesome_rotate_css": None,
    "markerclusterjs": ("markercluster", "leaflet.markercluster.js"),
    "markerclustercss": ("markercluster", "MarkerCluster.css"),
    "markerclusterdefaultcss": ("markercluster", "MarkerCluster.Default.css"),
}

#: The default view: the centre of 金宁社区.
JINNING_CENTRE = (31.96, 117.26)

TIANDITU_URL = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)


#: 天地图 layers: (layer code, name in the layer control, overlay?).
TIANDITU_LAYERS = (("vec", "天地图 矢量底图", False), ("cva", "天地图 注记", True))


class UnservedAssetError(RuntimeError):
    """A map element needs a script or stylesheet the app does not serve."""


class BasemapConfigError(ValueError):
    """The configured base map cannot be offered."""


@dataclass(frozen=True)
class MapParts:
    """A rendered map, split for a Jinja page: ``<head>`` links, body markup and script."""

    header: str
    html: str
    script: str
    map_name: str


#: The data credit shown on every map of the service.
DATA_CREDIT = "地图数据 © 金宁社区"


class NeutralAttribution(MacroElement):
    """Leaflet's attribution prefix as plain text "Leaflet" (linked), plus the data credit
    (Leaflet 1.9's own prefix carries a national flag)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl
          .setPrefix('<a href="https://leafletjs.com" title="Leaflet 开源地图库">Leaflet</a>')
          .addAttribution({{ this.credit | tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, credit: str = DATA_CREDIT) -> None:
        super().__init__()
        self.credit = credit


def offline_map(
    *,
    location: tuple[float, float] = JINNING_CENTRE,
    zoom_start: int = 16,
    basemap: str = "none",
    tianditu_key: str = "",
    prefer_canvas: bool = False,
    **kwargs: Any,
) -> folium.Map:
    """A Folium map with no CDN dependency and, by default, no tiles.

    Parameters
    ----------
    location
        Initial centre as (lat, lon).
    zoom_start
        Initial zoom level.
    basemap
        ``"none"`` (default: the project's layers are the map), ``"osm"`` or ``"tianditu"``.
        Tiles in GCJ-02 (高德) are not offered: our data is WGS84 and would be 500 m off.
    tianditu_key
        The 天地图 ``tk`` key, required for ``"tianditu"``.
    prefer_canvas
        Draw vector layers on one canvas instead of an SVG element each: for tens of
        thousands of shapes (a district), where SVG makes every pan and zoom slow.
    """
    m = folium.Map(
        location=list(location),
        zoom_start=zoom_start,
        tiles=None,
        prefer_canvas=prefer_canvas,
        **kwargs,
    )
    MetricScale().add_to(m)
    NeutralAttribution().add_to(m)
    for layer in basemap_layers(basemap, tianditu_key=tianditu_key):
        layer.add_to(m)
    return m


def bounded_map(
    bounds: Sequence[float],
    *,
    zoom_start: int,
    basemap: str = "none",
    tianditu_key: str = "",
    **kwargs: Any,
) -> folium.Map:
    """An :func:`offline_map` centred on ``bounds`` (a frame's ``total_bounds``: west, south,
    east, north); :func:`fit_to` them once the layers are added."""
    west, south, east, north = bounds
    return offline_map(
        location=((south + north) / 2, (west + east) / 2),
        zoom_start=zoom_start,
        basemap=basemap,
        tianditu_key=tianditu_key,
        **kwargs,
    )


def fit_to(m: folium.Map, bounds: Sequence[float]) -> None:
    """Fit the view of ``m`` to ``bounds`` (west, south, east, north)."""
    west, south, east, north = bounds
    m.fit_bounds([[south, west], [north, east]])


class MetricScale(MacroElement):
    """A scale bar in metres only (Leaflet's default adds feet and miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, position: "bottomright"})
          .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


def basemap_layers(basemap: str, *, tianditu_key: str = "") -> list[folium.TileLayer]:
    """The tile layers of a configured base map (none by default)."""
    if basemap == "none":
        return []
    if basemap == "osm":
        return [folium.TileLayer("OpenStreetMap", name="OpenStreetMap 底图", control=True)]
    if basemap == "tianditu":
        if not tianditu_key:
            msg = "BASEMAP=tianditu 需要配置 TIANDITU_KEY（天地图 tk）"
            raise BasemapConfigError(msg)
        attr = "© 天地图"
        return [
            folium.TileLayer(
                TIANDITU_URL.replace("{layer}", layer).replace("{key}", tianditu_key),
                attr=attr,
                name=name,
                subdomains="01234567",
                overlay=overlay,
                max_zoom=18,
            )
            for layer, name, overlay in TIANDITU_LAYERS
        ]
    msg = (
        f"未知底图 {basemap!r}：可选 none、osm、tianditu"
        "（高德等 GCJ-02 底图需先转换坐标，不提供）"
    )
    raise BasemapConfigError(msg)


Properties = dict[str, Any]


def feature_collection(
    frame: gpd.GeoDataFrame,
    layer: str,
    *,
    extra: Callable[[Properties], Mapping[str, Any]] | None = None,
    tooltip: Callable[[Properties], str] | None = None,
) -> dict[str, Any]:
    """The frame as GeoJSON, each feature tagged with its ``layer`` and ``extra(properties)``.

    ``tooltip(properties)`` becomes the escaped ``tooltip`` property: Leaflet's tooltips insert
    their text as HTML, so text from a layer file reaches the page only escaped
    (:func:`text_tooltip` shows it).
    """
    collection = json.loads(frame.to_json(drop_id=True))
    for feature in collection["features"]:
        props = feature["properties"]
        props["layer"] = layer
        if extra is not None:
            props.update(extra(props))
        if tooltip is not None:
            props["tooltip"] = str(escape(tooltip(props)))
    return collection


def text_tooltip() -> folium.GeoJsonTooltip:
    """The tooltip of a :func:`feature_collection` made with ``tooltip=``: its escaped text."""
    return folium.GeoJsonTooltip(["tooltip"], labels=False)


def _elements(root: Element) -> Iterator[Element]:
    yield root
    for child in list(root._children.values()):
        yield from _elements(child)


def localize_assets(root: Element) -> None:
    """Point every element's scripts and stylesheets at the app's own copies."""
    for element in _elements(root):
        if not isinstance(element, JSCSSMixin):
            continue
        element.default_js = _local_links(element.default_js)
        element.default_css = _local_links(element.default_css)


def _local_links(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    local = []
    for name, url in links:
        if url.startswith("/"):
            local.append((name, url))
            continue
        if name not in LOCAL_ASSETS:
            msg = (
                f"地图组件需要未本地化的资源 {name} ({url})："
                "请在 geo_app/maps.py 的 LOCAL_ASSETS 中登记"
            )
            raise UnservedAssetError(msg)
        target = LOCAL_ASSETS[name]
        if target is not None:
            package, filename = target
            local.append((name, url_for("vendor.asset", package=package, filename=filename)))
    return local


def render_map_parts(m: folium.Map) -> MapParts:
    """Render ``m`` for insertion in a page (needs a request or app context for URLs)."""
    figure = m.get_root()
    if not isinstance(figure, Figure):  # a map's root is the Figure it was added to
        raise TypeError(f"map {m.get_name()} is not in a Figure: {type(figure).__name__}")
    localize_assets(figure)
    figure.render()
    return MapParts(
        header=figure.header.render(),
        html=figure.html.render(),
        script=figure.script.render(),
        map_name=m.get_name(),
    )


class HtmlPopup(MacroElement):
    """A popup bound by Leaflet itself (folium's ``Popup`` needs jQuery, which we do not serve).

    ``html`` must be markup built from escaped text; it reaches the script as a JSON string.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.html | tojson }},
                                                {maxWidth: {{ this.max_width }}});
        {% endmacro %}
        """
    )

    def __init__(self, html: str, *, max_width: int = 280) -> None:
        super().__init__()
        self._name = "HtmlPopup"
        self.html = html
        self.max_width = max_width


#: Decimal places of lon/lat sent to a page: 6 is 0.1 m (1 px at zoom 18 is 0.5 m around
#: Hefei), finer than any footprint was surveyed; 5 (1 m) would shift outlines by a pixel.
PAGE_DECIMALS = 6


def rounded(geometry: Any, *, decimals: int = PAGE_DECIMALS) -> Any:
    """``geometry`` with every coordinate rounded to ``decimals`` places (for a page)."""
    return shapely.transform(geometry, lambda xy: np.round(xy, decimals))


def delta_shapes(geometries: Sequence[Any], *, origin: tuple[int, int],
                 decimals: int = PAGE_DECIMALS) -> list[list[Any]]:
    """Polygons and lines as integers for a page script to rebuild (``static/map_layers.js``).

    Each coordinate is rounded to ``decimals`` places and written as an integer (times
    10^decimals); a part is one flat list ``[x0, y0, dx1, dy1, ...]`` whose first vertex is
    counted from ``origin`` and every next one from the vertex before, so a 40 m wall is
    "380" instead of "117.20074097". A polygon's closing vertex is left out (Leaflet closes
    rings). Polygons become ``[[exterior, hole, ...], ...]`` (one list per part), lines
    ``[line, ...]``.
    """
    scale = 10.0 ** decimals
    start = np.array(origin, dtype=np.int64)

    def flat(ring: Any, *, closed: bool) -> list[int]:
        ints = np.rint(shapely.get_coordinates(ring) * scale).astype(np.int64)
        if closed and len(ints) > 1:
            ints = ints[:-1]
        return np.diff(ints, axis=0, prepend=start[None, :]).ravel().tolist()

    shapes: list[list[Any]] = []
    for geometry in geometries:
        parts = shapely.get_parts(geometry)
        if len(parts) and parts[0].geom_type == "Polygon":
            shapes.append([[flat(p.exterior, closed=True)]
                           + [flat(hole, closed=True) for hole in p.interiors]
                           for p in parts])
        else:
            shapes.append([flat(line, closed=False) for line in parts])
    return shapes
