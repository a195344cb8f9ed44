"""Every distance the planners' analyses need, measured once per loaded community.

Walking distances come from the walking engine: one multi-source pass per target set (each kind
of station, each POI category). Straight-line distances, shown only as a comparison, are
measured in metres in the network's projected CRS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from geo_app.walking import (
    MAX_ATTACH_M,
    Attachment,
    PreparedNetwork,
    WalkNetwork,
    attach,
    feature_points,
    nearest_targets,
)
from layers import Community
from layers.schema import POI_CATEGORIES, STATION_KINDS

#: Called after each step with (what was done, steps done, steps in all).
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CommunityDistances:
    """Distances from every building (rows in the buildings layer's order)."""

    building_lonlat: np.ndarray
    buildings: Attachment
    to_station: dict[str, np.ndarray]  # station kind → walking metres to the nearest (inf: none)
    nearest_station: dict[str, np.ndarray]  # station kind → row in the stations layer (-1: none)
    line_to_station: dict[str, np.ndarray]  # station kind → straight-line metres to the nearest
    to_category: dict[str, np.ndarray]  # POI category → walking metres to the nearest POI


def measure_step_count() -> int:
    """How many steps :func:`measure_distances` reports."""
    return 1 + len(STATION_KINDS) + 1


def measure_distances(
    community: Community,
    network: PreparedNetwork,
    *,
    max_attach_m: float = MAX_ATTACH_M,
    progress: ProgressCallback | None = None,
) -> CommunityDistances:
    """Measure each building's walk to the nearest station of each kind and POI of each category.

    Parameters
    ----------
    community
        The loaded layers.
    network
        The prepared walking network of ``community`` (:func:`~geo_app.walking.prepare_community`).
    max_attach_m
        Buildings, stations and POIs farther than this from every path join nothing.
    progress
        Told after each step, for a progress bar.
    """
    total = measure_step_count()
    done = 0

    def step(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(label, done, total)

    building_lonlat = feature_points(community.buildings)
    buildings = attach(network, building_lonlat, max_attach_m=max_attach_m)
    step("楼栋接入路网")

    station_lonlat = feature_points(community.stations)
    kinds = community.stations["kind"].to_numpy(dtype=object)
    to_station, nearest_station, line_to_station = {}, {}, {}
    for kind, label in STATION_KINDS.items():
        rows = np.flatnonzero(kinds == kind)
        if len(rows) == 0:  # no station of this kind (an imported community often has none)
            to_station[kind] = np.full(len(building_lonlat), np.inf)
            nearest_station[kind] = np.full(len(building_lonlat), -1, dtype=np.int64)
            line_to_station[kind] = np.full(len(building_lonlat), np.inf)
            step(f"到最近{label}的步行距离")
            continue
        targets = attach(network, station_lonlat[rows], max_attach_m=max_attach_m)
        index, distance = nearest_targets(network, buildings, targets)
        to_station[kind] = distance
        # a kind with no station at all (real data may lack rest posts): nothing is nearest
        station_of = np.append(rows, -1)
        nearest_station[kind] = np.where(index >= 0, station_of[np.maximum(index, 0)], -1)
        line_to_station[kind] = straight_line_m(network.network, buildings.xy, station_lonlat[rows])
        step(f"到最近{label}的步行距离")

    poi_lonlat = feature_points(community.pois)
    pois = attach(network, poi_lonlat, max_attach_m=max_attach_m)
    categories = community.pois["category"].to_numpy(dtype=object)
    to_category = {}
    for category in POI_CATEGORIES:
        rows = np.flatnonzero(categories == category)
        if len(rows) == 0:
            to_category[category] = np.full(len(community.buildings), np.inf)
            continue
        to_category[category] = nearest_targets(network, buildings, pois.take(rows))[1]
    step("到各类便民设施的步行距离")
    return CommunityDistances(
        building_lonlat=building_lonlat,
        buildings=buildings,
        to_station=to_station,
        nearest_station=nearest_station,
        line_to_station=line_to_station,
        to_category=to_category,
    )


def straight_line_m(
    network: WalkNetwork, origin_xy: np.ndarray, targets_lonlat: np.ndarray
) -> np.ndarray:
    """Straight-line metres from each origin (local x/y) to its nearest target (lon/lat)."""
    if len(targets_lonlat) == 0:
        return np.full(len(origin_xy), np.inf)
    target_xy = np.column_stack(network.to_local(targets_lonlat[:, 0], targets_lonlat[:, 1]))
    distance, _ = cKDTree(target_xy).query(origin_xy)
    return np.asarray(distance, dtype=float)
