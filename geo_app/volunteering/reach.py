"""What no anchor has: the reach of activities on the walking map.

Which buildings and 小区 had no talk or activity within a ten-minute walk in a period — by
walking distance along the network, never a straight line — ranked by residents and by
households that need care, so the talk team knows where to go next; and the nearest station
that stocks a given good, for a volunteer who wants to redeem their points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from geo_app.walking import (
    Attachment,
    PreparedNetwork,
    attach,
    feature_points,
    nearest,
    nearest_targets,
)


@dataclass(frozen=True)
class UnreachedBuilding:
    """A building with no activity within the walk: its people, and the walk to the nearest."""

    building_id: str
    name: str
    compound: str
    grid_id: str
    residents: int
    care_households: int
    nearest_m: float | None  # None: no activity reachable within the search limit


@dataclass(frozen=True)
class CompoundReach:
    compound: str
    buildings: int
    unreached_buildings: int
    unreached_residents: int


@dataclass(frozen=True)
class ReachReport:
    reach_m: float
    activities: int
    unreached: list[UnreachedBuilding]
    compounds: list[CompoundReach]
    reached_residents: int
    total_residents: int


def activity_reach(
    buildings: gpd.GeoDataFrame,
    network: PreparedNetwork,
    activity_points: Sequence[tuple[float, float]],
    *,
    reach_m: float,
    care_households: Mapping[str, int],
    max_attach_m: float,
) -> ReachReport:
    """Which of ``buildings`` (the layer's columns) are farther than ``reach_m`` on foot from
    every one of ``activity_points`` (lon, lat).

    Unreached buildings are ranked by residents, then care households, then name; 小区 by
    unreached residents. A building that cannot join the network counts as unreached.
    """
    origins = attach(network, feature_points(buildings), max_attach_m=max_attach_m)
    distance = np.full(len(buildings), np.inf)
    if len(activity_points):
        targets = attach(
            network, np.asarray(activity_points, dtype=float), max_attach_m=max_attach_m
        )
        search_limit = reach_m * 3  # enough to say how far the nearest one is
        _, distance = nearest_targets(network, origins, targets, max_distance_m=search_limit)
    reached = distance <= reach_m
    residents = buildings["residents"].to_numpy(dtype=int)
    unreached = [
        UnreachedBuilding(
            building_id=str(row.id),
            name=str(row.name),
            compound=str(row.compound),
            grid_id=str(row.grid_id),
            residents=int(row.residents),
            care_households=int(care_households.get(str(row.id), 0)),
            nearest_m=float(distance[i]) if np.isfinite(distance[i]) else None,
        )
        for i, row in enumerate(buildings.itertuples())
        if not reached[i]
    ]
    unreached.sort(key=lambda b: (-b.residents, -b.care_households, b.name))
    compounds: dict[str, list[int]] = {}
    for i, compound in enumerate(buildings["compound"]):
        tally = compounds.setdefault(str(compound), [0, 0, 0])
        tally[0] += 1
        if not reached[i]:
            tally[1] += 1
            tally[2] += int(residents[i])
    compound_rows = sorted(
        (CompoundReach(name, n, u, r) for name, (n, u, r) in compounds.items()),
        key=lambda c: (-c.unreached_residents, c.compound),
    )
    return ReachReport(
        reach_m=reach_m,
        activities=len(activity_points),
        unreached=unreached,
        compounds=compound_rows,
        reached_residents=int(residents[reached].sum()),
        total_residents=int(residents.sum()),
    )


@dataclass(frozen=True)
class GoodsStation:
    station_id: str
    distance_m: float
    minutes: float
    stock: int


def nearest_goods_station(
    network: PreparedNetwork,
    stations: Attachment,
    station_ids: Sequence[str],
    origin: tuple[float, float],
    *,
    stock: Mapping[str, int],
    speed_kmh: float,
    max_attach_m: float,
) -> GoodsStation | None:
    """The nearest station on foot from ``origin`` whose ``stock`` of the good is positive."""
    mask = np.array([stock.get(sid, 0) > 0 for sid in station_ids], dtype=bool)
    if not mask.any():
        return None
    routes = nearest(
        network, origin, stations, k=1, mask=mask, speed_kmh=speed_kmh, max_attach_m=max_attach_m
    )
    if not routes:
        return None
    best = routes[0]
    station_id = station_ids[best.target_index]
    return GoodsStation(station_id, best.distance_m, best.minutes, int(stock[station_id]))
