"""Where a volunteer can get a good with their points (``/me``): for each good of the 微积分
catalogue, the nearest station on foot from the entrance of the volunteer's building that has
it in stock, with today's hours there (a redemption needs the station's staff).

The walk is :func:`geo_app.volunteering.reach.nearest_goods_station` on the app's station
index; a volunteer with no building on record gets the stations that have it, by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from geo_app.stations.finder import StationIndex, current_station_index
from geo_app.stations.hours import today_text
from geo_app.stations.places import current_place_index
from geo_app.volunteering.reach import nearest_goods_station


@dataclass(frozen=True)
class GoodsPlace:
    """A station that has a good, its hours today and the walk there (metres, minutes; None
    without a start)."""

    name: str
    stock: int
    hours_today: str
    walk: tuple[int, int] | None = None


def building_entrance(building_id: str | None) -> tuple[float, float] | None:
    """The entrance (WGS84 lon, lat) of a building, to walk from; None if not known."""
    for place in current_place_index().places:
        if place.kind == "building" and place.id == building_id:
            return place.lon, place.lat
    return None


def _place(
    index: StationIndex,
    station_id: str,
    stock: int,
    moment: datetime,
    walk: tuple[int, int] | None = None,
) -> GoodsPlace:
    station = next(s for s in index.stations if s.station_id == station_id)
    return GoodsPlace(station.name, stock, today_text(station.hours, moment), walk)


def goods_places(
    goods_ids: Iterable[str],
    levels: Mapping[str, Mapping[str, int]],
    *,
    origin: tuple[float, float] | None,
    moment: datetime,
) -> dict[str, list[GoodsPlace]]:
    """Goods id → where to get it: the nearest station with stock from ``origin`` (WGS84
    lon, lat) as a one-item list, or with no ``origin`` every station with stock (by name);
    an empty list when no station has any (or none can be walked to)."""
    index = current_station_index()
    ids = [s.station_id for s in index.stations]
    config = current_app.config
    answer: dict[str, list[GoodsPlace]] = {}
    for goods_id in goods_ids:
        stock = {sid: int(n) for sid, n in levels.get(goods_id, {}).items() if n > 0}
        if origin is None:
            answer[goods_id] = sorted(
                (_place(index, sid, n, moment) for sid, n in stock.items() if sid in ids),
                key=lambda p: p.name,
            )
            continue
        found = nearest_goods_station(
            index.network, index.targets, ids, origin, stock=stock,
            speed_kmh=float(config["WALK_SPEED_KMH"]), max_attach_m=float(config["MAX_ATTACH_M"]),
        )
        if found is None:
            answer[goods_id] = []
            continue
        walk = (round(found.distance_m), max(1, round(found.minutes)))
        answer[goods_id] = [_place(index, found.station_id, found.stock, moment, walk)]
    return answer
