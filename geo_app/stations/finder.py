"""The nearest stations that have an item now: the business logic behind ``/api/nearest``.

The station attachments to the walking network, and the shortest-path tree of every
station (:mod:`geo_app.walking.target_trees`), are built once per loaded community
(:func:`current_station_index`) and reused by every request: a query then attaches its
origin and reads the walks off the trees, with no search of its own (on a network too large
for the trees' budget it falls back to the engine's per-query search). A query is answered
with the current stock (:func:`geo_app.stations.levels.get_stock_levels`) and the local time:
stations open now come first, then stations that open later today (marked so), each list by
walking distance. Stations whose hours are not recorded, that are closed for the rest of the
day, or that are out of the item are never offered. Only stations within ``max_distance_m`` of
walking are searched (config ``NEAREST_MAX_DISTANCE_M``, 2,000 m by default: about 30
minutes at 4 km/h, twice the 15-minute life circle); when none has the item, the answer says
so with that real limit. When the resident is sent past a nearer station that has the item but
is closed now, the answer names that station, its walk and when it opens
(:class:`ClosedNearer`), so they can choose to wait for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import geopandas as gpd
import numpy as np
from flask import current_app
from shapely.geometry import LineString

from geo_app.config import DEFAULTS, NEAREST_MAX_DISTANCE_M
from geo_app.state.cache import per_community
from geo_app.state.community import get_state
from geo_app.stations.hours import (
    OpeningStatus,
    WeeklyHours,
    describe_hours,
    next_opening_text,
    parse_hours,
    status_at,
    today_text,
)
from layers import Community
from layers.schema import ITEM_LABELS, STATION_KINDS

if TYPE_CHECKING:
    from geo_app.walking import Attachment, PreparedNetwork, TargetTrees



@dataclass(frozen=True)
class Station:
    """What a station is, whatever the time: read once from the stations layer."""

    row: int
    station_id: str
    name: str
    kind: str
    lon: float
    lat: float
    contact: str
    address: str | None
    hours: WeeklyHours | None
    hours_text: str


@dataclass(frozen=True)
class StationIndex:
    """The stations of one loaded community, attached to its walking network."""

    network: PreparedNetwork
    stations: tuple[Station, ...]
    targets: Attachment
    #: Shortest-path trees from every station (``None`` when too many stations × nodes):
    #: a query then needs no search of its own.
    trees: TargetTrees | None = None
    #: (weekday, hour, minute) → each station's (today's hours, opening status) then.
    clock_states: dict[tuple[int, int, int], tuple[tuple[str, OpeningStatus], ...]] = field(
        default_factory=dict, repr=False, compare=False
    )


@dataclass(frozen=True)
class NearestQuery:
    """What a resident asks: an item (``None``: any station), a station kind, how many."""

    item: str | None = None
    kind: str | None = None
    k: int = 3
    speed_kmh: float = DEFAULTS["WALK_SPEED_KMH"]
    max_distance_m: float = NEAREST_MAX_DISTANCE_M
    max_attach_m: float = DEFAULTS["MAX_ATTACH_M"]


@dataclass(frozen=True)
class StationState:
    """A station as a resident sees it at a moment: open or not, today's hours, current stock."""

    station: Station
    today: str
    status: OpeningStatus
    stock: dict[str, int]

    @property
    def offerable_today(self) -> bool:
        return self.status.open_now or self.status.opens_later_today is not None


@dataclass(frozen=True)
class StationOffer:
    """A station offered to the resident, with the walk to it."""

    station: StationState
    distance_m: float
    minutes: float
    route: LineString


@dataclass(frozen=True)
class ClosedNearer:
    """A station with the item that is closed now but nearer by walk than the one offered
    first, and when it opens (``"今天 14:00"``, ``"明天 08:00"``, ``"周一 08:00"``)."""

    offer: StationOffer
    opens: str

    @property
    def text(self) -> str:
        """The line a resident reads, e.g.
        ``更近的 金宁社区党群服务站（步行 180 米）今天 14:00 开门``."""
        name = self.offer.station.station.name
        return f"更近的 {name}（步行 {self.offer.distance_m:.0f} 米）{self.opens} 开门"


@dataclass(frozen=True)
class NearestAnswer:
    """The offers, nearest first (open now before later today), or a message saying why none;
    and the nearer station passed over because it is closed now (``None``: none is nearer)."""

    origin: tuple[float, float]
    access_m: float
    offers: list[StationOffer]
    message: str | None
    closed_nearer: ClosedNearer | None = None


def build_station_index(
    stations: gpd.GeoDataFrame, network: PreparedNetwork, *, max_attach_m: float
) -> StationIndex:
    """Attach every station to ``network`` once (points: the engine's :func:`feature_points`)
    and grow the shortest-path tree of each (when within the engine's budget)."""
    from geo_app.walking import attach, build_target_trees, feature_points

    points = feature_points(stations)
    rows = zip(
        stations["id"],
        stations["name"],
        stations["kind"],
        stations["contact"],
        stations["address"],
        stations["hours"],
        strict=True,
    )
    infos = []
    for row, (station_id, name, kind, contact, address, hours_value) in enumerate(rows):
        hours = parse_hours(hours_value)
        infos.append(
            Station(
                row=row,
                station_id=str(station_id),
                name=str(name),
                kind=str(kind),
                lon=float(points[row, 0]),
                lat=float(points[row, 1]),
                contact=str(contact),
                address=address if isinstance(address, str) and address else None,
                hours=hours,
                hours_text=describe_hours(hours),
            )
        )
    targets = attach(network, points, max_attach_m=max_attach_m)
    return StationIndex(
        network=network,
        stations=tuple(infos),
        targets=targets,
        trees=build_target_trees(network, targets),
    )


def current_station_index() -> StationIndex:
    """The station index of the running app's community (built on first use)."""

    def build(community: Community) -> StationIndex:
        max_attach_m = float(current_app.config["MAX_ATTACH_M"])
        return build_station_index(
            community.stations, get_state().walk_network, max_attach_m=max_attach_m
        )

    return per_community("station_index", build)


def station_states(
    index: StationIndex, *, moment: datetime, stock: Mapping[str, Mapping[str, int]]
) -> list[StationState]:
    """Every station at ``moment`` (local time) with ``stock`` (station id → item → count)."""
    return [
        StationState(
            station=station,
            today=today,
            status=status,
            stock={k: int(v) for k, v in stock.get(station.station_id, {}).items() if v > 0},
        )
        for station, (today, status) in zip(
            index.stations, _clock_states(index, moment), strict=True
        )
    ]


def _clock_states(index: StationIndex, moment: datetime) -> tuple[tuple[str, OpeningStatus], ...]:
    """Each station's hours today and opening status at ``moment``: they depend only on the
    weekday and the minute, so they are worked out once per minute of the week (at most
    10,080 entries per loaded community)."""
    key = (moment.weekday(), moment.hour, moment.minute)
    states = index.clock_states.get(key)
    if states is None:
        states = tuple(
            (today_text(station.hours, moment), status_at(station.hours, moment))
            for station in index.stations
        )
        index.clock_states[key] = states
    return states


def find_nearest(
    index: StationIndex,
    origin: tuple[float, float],
    query: NearestQuery,
    *,
    moment: datetime,
    stock: Mapping[str, Mapping[str, int]],
) -> NearestAnswer:
    """The nearest stations for ``query`` from ``origin`` (lon, lat) at ``moment``.

    Raises the engine's ``PointTooFarError`` when ``origin`` is farther than
    ``query.max_attach_m`` from every path.
    """
    from geo_app.walking import PointTooFarError, attach

    origin_attachment = attach(
        index.network, np.array([origin], dtype=float), max_attach_m=query.max_attach_m
    )
    if not origin_attachment.ok[0]:
        raise PointTooFarError(float(origin_attachment.access_m[0]), query.max_attach_m)
    states = station_states(index, moment=moment, stock=stock)
    wanted = np.array([_wanted(s, query) for s in states], dtype=bool)
    open_now = np.array([s.status.open_now for s in states], dtype=bool)
    later = np.array([s.offerable_today and not s.status.open_now for s in states], dtype=bool)

    open_now, later = wanted & open_now, wanted & later
    closed_today = wanted & ~open_now & ~later
    if index.trees is not None:
        routes = _tree_routes(index.trees, origin_attachment, states, query)
        # each lookup is a read of the trees: the open ones, then the later ones
        offers = routes(open_now, query.k)
        offers += routes(later, query.k - len(offers))
    else:
        routes = _search_routes(index, origin, states, query)
        offers = _open_first(routes, open_now, later, query.k)
    if not offers:
        # Why none: out of stock / wrong kind within reach, or every such station closed today?
        nearest_closed = next(iter(routes(closed_today, 1)), None)
        message = _no_offer_message(query, nearest_closed, moment=moment)
        closed_nearer = None
    else:
        message = None
        closed_nearer = _closed_nearer(routes, offers[0], states, wanted & ~open_now, moment)
    return NearestAnswer(
        origin=origin,
        access_m=float(origin_attachment.access_m[0]),
        offers=offers,
        message=message,
        closed_nearer=closed_nearer,
    )


class Routes(Protocol):
    """The ``k`` nearest stations of ``mask`` as offers, within ``max_distance_m`` of walking
    (``None``: the query's own limit)."""

    def __call__(
        self, mask: np.ndarray, k: int, *, max_distance_m: float | None = None
    ) -> list[StationOffer]: ...


def _tree_routes(
    trees: TargetTrees,
    origin: Attachment,
    states: list[StationState],
    query: NearestQuery,
) -> Routes:
    """Offers read off the stations' shortest-path trees (no search per query)."""
    from geo_app.walking import ranked_targets, reach_targets, route_line, walking_minutes

    reach = reach_targets(trees, origin)

    def routes(
        mask: np.ndarray, k: int, *, max_distance_m: float | None = None
    ) -> list[StationOffer]:
        if k <= 0:
            return []
        limit = query.max_distance_m if max_distance_m is None else max_distance_m
        rows = ranked_targets(reach, k=k, mask=mask, max_distance_m=limit)
        return [
            StationOffer(
                states[row],
                float(reach.distance_m[row]),
                float(walking_minutes(reach.distance_m[row], query.speed_kmh)),
                route_line(reach, int(row)),
            )
            for row in rows
        ]

    return routes


def _search_routes(
    index: StationIndex,
    origin: tuple[float, float],
    states: list[StationState],
    query: NearestQuery,
) -> Routes:
    """Offers found by the engine's per-query search (many stations on a large network)."""
    from geo_app.walking import nearest

    def routes(
        mask: np.ndarray, k: int, *, max_distance_m: float | None = None
    ) -> list[StationOffer]:
        if k <= 0 or not mask.any():
            return []
        found = nearest(
            index.network,
            origin,
            index.targets,
            k=k,
            mask=mask,
            max_distance_m=query.max_distance_m if max_distance_m is None else max_distance_m,
            speed_kmh=query.speed_kmh,
            max_attach_m=query.max_attach_m,
        )
        return [
            StationOffer(states[r.target_index], r.distance_m, r.minutes, r.geometry) for r in found
        ]

    return routes


def _open_first(
    routes: Routes,
    open_now: np.ndarray,
    later: np.ndarray,
    k: int,
) -> list[StationOffer]:
    """The ``k`` nearest open stations, filled up with the nearest opening later today.

    Among the ``k + n_later`` nearest of both kinds at least ``k`` are open (when that many are
    reachable) and every later one that could be needed is there, so when ``n_later`` is small
    one search serves; otherwise open and later stations are searched apart.
    """
    n_later = int(later.sum())
    if n_later <= k:
        found = routes(open_now | later, k + n_later)
        found.sort(key=lambda offer: not offer.station.status.open_now)  # stable: by distance
        return found[:k]
    offers = routes(open_now, k)
    return offers + routes(later, k - len(offers))


def opening_text(state: StationState, moment: datetime) -> str | None:
    """When a station not open at ``moment`` opens next, in words: ``"今天 14:00"``, ``"明天
    08:00"``, ``"周一 08:00"``; ``None`` when its hours are not recorded or it never opens."""
    if state.status.opens_later_today is not None:
        return f"今天 {state.status.opens_later_today}"
    return next_opening_text(state.station.hours, moment)


def _closed_nearer(
    routes: Routes,
    first: StationOffer,
    states: list[StationState],
    closed_now: np.ndarray,
    moment: datetime,
) -> ClosedNearer | None:
    """The nearest wanted station closed at ``moment`` that will open again, when its walk is
    shorter than the walk to ``first`` (the station the resident is sent to) by at least a
    metre as shown: otherwise ``None``."""
    opens = [opening_text(s, moment) if closed_now[i] else None for i, s in enumerate(states)]
    reopening = np.array([text is not None for text in opens], dtype=bool)
    # only a station nearer than ``first`` matters: no need to search farther
    nearest = next(iter(routes(reopening, 1, max_distance_m=first.distance_m)), None)
    if nearest is None or round(nearest.distance_m) >= round(first.distance_m):
        return None
    text = opens[nearest.station.station.row]
    assert text is not None  # only reopening stations were searched
    return ClosedNearer(nearest, text)


def _wanted(state: StationState, query: NearestQuery) -> bool:
    if query.kind is not None and state.station.kind != query.kind:
        return False
    return query.item is None or state.stock.get(query.item, 0) > 0


def _no_offer_message(
    query: NearestQuery, nearest_closed: StationOffer | None, *, moment: datetime
) -> str:
    """Why nothing is offered; when every such station is closed for the day, the nearest of
    them by name, with its walk, when it opens next and its phone."""
    what = STATION_KINDS[query.kind] if query.kind else "服务站"
    if query.item is not None:
        what = f"存有{ITEM_LABELS[query.item]}的{what}"
    limit = f"{query.max_distance_m:.0f} 米"
    if nearest_closed is None:
        return f"步行 {limit}内没有{what}"
    station = nearest_closed.station.station
    parts = [f"最近的是{station.name}（步行 {nearest_closed.distance_m:.0f} 米）"]
    opens = next_opening_text(station.hours, moment)
    if opens is not None:
        parts.append(f"{opens} 开门")
    if station.contact:
        parts.append(f"电话 {station.contact}")
    return f"步行 {limit}内{what}今天都已关门或不再开放。{'，'.join(parts)}"
