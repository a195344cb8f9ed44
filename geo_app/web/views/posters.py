"""Printable posters: a QR code on a building's door or at a station opens the resident page.

``/posters/building/<id>`` (A5, Chinese): the building, a QR code of ``/?b=<id>`` (start from
its entrance, no geolocation) and its nearest stations with the walk in minutes at the usual
and the elderly pace, whatever the hour (hours and phone printed beside them).
``/posters/station/<id>``: the station, its hours, items and phone, a QR code of ``/?s=<id>``.
``/posters/grid/<grid id>``: every building poster of one grid, one per printed page.
``/posters/``: the list of them all (each grid with its buildings, each station), to print;
``POSTER_INDEX_GRIDS`` grids a page (built once per loaded community).

The QR codes are drawn on the server as SVG by ``segno`` (a maintained, pure-Python QR
encoder: no image library, no JavaScript, crisp at any print size). Posters show what the
public map shows (names, stations, walks) and no personal data, so they are public.

At district scale (96 buildings a grid, 24,576 in all) a grid's page cost 0.7–1.5 s: each
poster looked its building up by scanning every place, routed to every station to print three,
and drew its QR code (~4 ms in segno, most of it choosing the best of 8 masks). A grid's places
now come from the listing built once per community, the walk stops at the three nearest
stations, and QR codes are kept per content (:func:`qr_svg`), so a grid printed again, or a
page reloaded, draws none.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import segno
from flask import Blueprint, current_app, render_template, url_for
from markupsafe import Markup

from geo_app.state.cache import per_community
from geo_app.stations.finder import Station, current_station_index
from geo_app.stations.levels import get_stock_levels
from geo_app.stations.places import Place, current_place_index
from geo_app.web.access import public
from geo_app.web.errors import ApiError
from geo_app.web.paging import list_page
from geo_app.web.views.resident import building_place
from layers import Community
from layers.schema import ITEM_LABELS, STATION_KINDS

bp = Blueprint("posters", __name__, url_prefix="/posters")

#: QR error correction: 'M' recovers ~15% (a smudged or partly torn print); segno raises it
#: further when the code's size allows.
QR_ERROR = "m"
#: QR codes kept (least recently used dropped first): about 1.3 kB each, so ~5 MB for more
#: than forty grids' posters; the codes depend on their text only, so every app shares them.
QR_CACHE_SIZE = 4096
#: Stations printed on a building's poster, nearest first.
POSTER_WALKS = 3


@lru_cache(maxsize=QR_CACHE_SIZE)
def qr_svg(data: str, *, scale: int = 6) -> Markup:
    """``data`` as an inline SVG QR code (quiet zone of 4 modules, as the standard asks);
    the same text gives the same code, drawn once while it stays in the cache."""
    buffer = io.BytesIO()
    segno.make(data, error=QR_ERROR).save(
        buffer, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True,
        svgclass="qr", lineclass="qr-modules", title="扫码打开金宁社区找服务站",
    )
    return Markup(buffer.getvalue().decode("utf-8"))  # segno's own markup


@dataclass(frozen=True)
class StationWalk:
    """A station and the walk to it from a poster's building."""

    station: Station
    distance_m: float
    minutes: float
    elderly_minutes: float


def walks_from(place: Place, *, k: int) -> list[StationWalk]:
    """The ``k`` nearest stations within the search limit, nearest first, by walking from
    ``place`` (the search stops once it has found ``k``)."""
    from geo_app.walking import PointTooFarError, nearest

    config = current_app.config
    index = current_station_index()
    speed, elderly = float(config["WALK_SPEED_KMH"]), float(config["ELDERLY_WALK_SPEED_KMH"])
    try:
        routes = nearest(
            index.network, (place.lon, place.lat), index.targets,
            k=k, max_distance_m=float(config["NEAREST_MAX_DISTANCE_M"]),
            speed_kmh=speed, max_attach_m=float(config["MAX_ATTACH_M"]),
        )
    except PointTooFarError:
        return []
    return [
        StationWalk(index.stations[r.target_index], r.distance_m, r.minutes,
                    float(r.distance_m / (elderly * 1000.0 / 60.0)))
        for r in routes
    ]


def _building_poster(place: Place) -> dict[str, object]:
    link = url_for("resident.home", b=place.id, _external=True)
    return {"place": place, "link": link, "qr": qr_svg(link),
            "walks": walks_from(place, k=POSTER_WALKS)}


@dataclass(frozen=True)
class PosterGrid:
    """A grid of the poster index with its buildings' places, in the place index's order."""

    grid_id: str
    name: str
    places: tuple[Place, ...]


@dataclass(frozen=True)
class PosterListing:
    """What the poster index lists, built once per loaded community."""

    grids: tuple[PosterGrid, ...]
    #: (station id, name, kind) of each station, in layer order.
    stations: tuple[tuple[str, str, str], ...]


def poster_listing() -> PosterListing:
    """The grids with their buildings and the stations of the running community (cached)."""

    def build(community: Community) -> PosterListing:
        buildings = community.buildings
        grid_of = dict(zip(buildings["id"].astype(str), buildings["grid_id"].astype(str),
                           strict=True))
        by_grid: dict[str, list[Place]] = {}
        for place in current_place_index().places:
            if place.kind == "building" and place.id in grid_of:
                by_grid.setdefault(grid_of[place.id], []).append(place)
        stations = community.stations
        return PosterListing(
            grids=tuple(PosterGrid(str(g.id), str(g.name), tuple(by_grid.get(str(g.id), ())))
                        for g in community.grids.itertuples()),
            stations=tuple(zip(stations["id"].astype(str), stations["name"].astype(str),
                               stations["kind"].astype(str), strict=True)),
        )

    return per_community("posters.listing", build)


@bp.get("/")
@public
def index() -> str:
    """海报目录：每个网格（整网格一次打印，或逐栋）与每个服务站的海报；网格多时分页
    （区级规模 256 个网格、两万多栋楼，一页列出全部要 1.5 MB）。"""
    listing = poster_listing()
    page = list_page(len(listing.grids), rows=int(current_app.config["POSTER_INDEX_GRIDS"]))
    return render_template("poster_index.html", grids=listing.grids[page.start:page.stop],
                           stations=listing.stations, kinds=STATION_KINDS, page=page, keep=[],
                           grid_count=len(listing.grids), title="二维码海报")


@bp.get("/building/<building_id>")
@public
def building(building_id: str) -> str:
    """楼栋海报：二维码（从本楼出发找服务站）与最近的服务站、步行分钟数。"""
    place = building_place(building_id)
    return render_template("poster_building.html", posters=[_building_poster(place)],
                           title=f"{place.name} 服务站海报")


@bp.get("/station/<station_id>")
@public
def station(station_id: str) -> str:
    """服务站海报：二维码（打开本站）、开放时间、物资与电话。"""
    index = current_station_index()
    found = [s for s in index.stations if s.station_id == station_id]
    if not found:
        raise ApiError("station_id", f"没有编号为“{station_id}”的服务站", status=404)
    info = found[0]
    items = stocked_items(station_id)
    link = url_for("resident.home", s=info.station_id, _external=True)
    return render_template(
        "poster_station.html", station=info, kind=STATION_KINDS.get(info.kind, info.kind),
        items=items, link=link, qr=qr_svg(link), title=f"{info.name} 海报",
    )


def stocked_items(station_id: str) -> list[str]:
    """The items a station has now (names only: counts change, so none are printed)."""
    stock = get_stock_levels().get(station_id, {})
    return [ITEM_LABELS.get(item, item) for item, count in stock.items() if count > 0]


@bp.get("/grid/<grid_id>")
@public
def grid(grid_id: str) -> str:
    """一个网格全部楼栋的海报，一页一张，一次打印。"""
    found = [g for g in poster_listing().grids if g.grid_id == grid_id]
    if not found:
        raise ApiError("grid_id", f"没有编号为“{grid_id}”的网格", status=404)
    posters = [_building_poster(place) for place in found[0].places]
    name = found[0].name
    return render_template("poster_building.html", posters=posters, grid_name=name,
                           title=f"{name} 楼栋海报（{len(posters)} 张）")
