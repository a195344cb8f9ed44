"""What if a station stood here: coverage, the 15-minute circle and the rules, recomputed.

A planner clicks the map (or gives lon/lat); the hypothetical station is added to a *copy* of
the stations layer (:func:`community_with_station`; the loaded layers are never touched) and
the report's stages are run on that copy. Distances are not measured again from scratch: the
walk from every building to the new station is one multi-source pass, and each building's
distance to its nearest station of that kind becomes the smaller of the old and the new —
the same figures a full measurement of the copied layer gives (the tests check exactly that).

The same computation says what each proposed site adds (:func:`site_summaries`): the
buildings, households and residents newly within range, by grid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from geo_app.formats.numbers import published_metres
from geo_app.planning.circle import CircleReport, circle_report
from geo_app.planning.coverage import CoverageReport, Figures
from geo_app.planning.errors import BadParameterError
from geo_app.planning.measure import CommunityDistances, straight_line_m
from geo_app.planning.places import Place, PlaceNamer
from geo_app.planning.report import PARTY, coverage_at
from geo_app.planning.rules import RuleResult, check_rules
from geo_app.planning.settings import PlanningSettings
from geo_app.walking import (
    Isochrone,
    PointTooFarError,
    PreparedNetwork,
    attach,
    isochrone,
    nearest_targets,
)
from layers import Community
from layers.schema import STATION_KINDS

WHATIF_ID = "WHATIF"
WHATIF_NAME = "假设新站点"
#: The hypothetical station's hours: a typical 党群服务站's (see DOMAIN.md).
WHATIF_HOURS = {day: "08:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
#: How far outside the community boundary a point may lie (a station across the road).
BOUNDARY_MARGIN_M = 200.0


@dataclass(frozen=True)
class Gain:
    """What a new station adds: buildings, households, residents newly within range."""

    buildings: int
    households: int
    residents: int

    @classmethod
    def between(cls, before: Figures, after: Figures) -> Gain:
        return cls(
            buildings=after.buildings_covered - before.buildings_covered,
            households=after.households_covered - before.households_covered,
            residents=after.residents_covered - before.residents_covered,
        )

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def coverage_gain(before: CoverageReport, after: CoverageReport) -> dict[str, Any]:
    """The gain overall and per grid (grids gaining nothing left out), by walk."""
    grids = [
        {"grid_id": b.grid_id, "name": b.name, **Gain.between(b.network, a.network).as_dict()}
        for b, a in zip(before.grids, after.grids, strict=True)
    ]
    return {
        **Gain.between(before.network, after.network).as_dict(),
        "by_grid": [g for g in grids if g["buildings"] or g["residents"]],
    }


@dataclass(frozen=True)
class _GainCounter:
    """The buildings' figures and grids, read once for the gains of many sites."""

    households: np.ndarray
    residents: np.ndarray
    grid_of: np.ndarray  # row of the grids layer per building (-1: none)
    grid_ids: tuple[str, ...]
    grid_names: tuple[str, ...]

    @classmethod
    def of(cls, community: Community) -> _GainCounter:
        buildings, grids = community.buildings, community.grids
        return cls(
            households=buildings["households"].to_numpy(dtype=np.int64),
            residents=buildings["residents"].to_numpy(dtype=np.int64),
            grid_of=pd.Index(grids["id"]).get_indexer(buildings["grid_id"]),
            grid_ids=tuple(str(g) for g in grids["id"]),
            grid_names=tuple(str(n) for n in grids["name"]),
        )

    def gain(self, newly: np.ndarray) -> dict[str, Any]:
        rows = np.flatnonzero(newly)
        grid = self.grid_of[rows]
        inside = grid >= 0
        n = len(self.grid_ids)
        count = np.bincount(grid[inside], minlength=n)
        households = np.bincount(grid[inside], weights=self.households[rows][inside], minlength=n)
        residents = np.bincount(grid[inside], weights=self.residents[rows][inside], minlength=n)
        by_grid = [
            {"grid_id": self.grid_ids[g], "name": self.grid_names[g], "buildings": int(count[g]),
             "households": int(households[g]), "residents": int(residents[g])}
            for g in np.flatnonzero((count > 0) | (residents > 0))
        ]
        return {"buildings": len(rows), "households": int(self.households[rows].sum()),
                "residents": int(self.residents[rows].sum()), "by_grid": by_grid}


def site_gain(
    community: Community, before_m: np.ndarray, after_m: np.ndarray, *, threshold_m: float
) -> dict[str, Any]:
    """What a station adds, from each building's walk before and after it (the same figures as
    :func:`coverage_gain` of the two coverage reports, counted directly: one site of hundreds
    costs a few array operations, not two full reports)."""
    newly = (np.asarray(after_m) <= threshold_m) & ~(np.asarray(before_m) <= threshold_m)
    return _GainCounter.of(community).gain(newly)


def community_with_station(
    community: Community,
    lon: float,
    lat: float,
    *,
    kind: str = PARTY,
    grid_id: str | None = None,
    items: Mapping[str, int] | None = None,
) -> Community:
    """A copy of ``community`` whose stations layer has one more station at ``lon``/``lat``.

    The station carries ``items`` (default: none) and a typical station's hours; its
    ``grid_id`` is ``grid_id`` or the grid it lies in.
    """
    point = shapely.Point(lon, lat)
    if grid_id is None:
        inside = community.grids[community.grids.geometry.contains(point)]
        grid_id = str(inside["id"].iloc[0]) if len(inside) else ""
    row: dict[str, object] = {
        column: None for column in community.stations.columns if column != "geometry"
    }
    row.update(id=WHATIF_ID, name=WHATIF_NAME, kind=kind, grid_id=grid_id, hours=WHATIF_HOURS,
               contact="", items=dict(items or {}))
    extra = gpd.GeoDataFrame([row], geometry=[point], crs=community.stations.crs)
    stations = gpd.GeoDataFrame(
        pd.concat([community.stations, extra], ignore_index=True), crs=community.stations.crs
    )
    return dataclasses.replace(community, stations=stations)


def distances_with_station(
    network: PreparedNetwork,
    distances: CommunityDistances,
    lon: float,
    lat: float,
    *,
    kind: str,
    station_row: int,
    max_attach_m: float,
) -> CommunityDistances:
    """``distances`` with one more station of ``kind`` (row ``station_row`` of the stations).

    Raises :class:`BadParameterError` when the point is too far from every path to be reached.
    """
    target = attach(network, np.array([[lon, lat]], dtype=float), max_attach_m=max_attach_m)
    if not bool(target.ok[0]):
        msg = f"该位置离最近的步行道路超过 {max_attach_m:g} 米，无法步行到达，请选在道路旁"
        raise BadParameterError(msg, parameter="lon")
    _, walk = nearest_targets(network, distances.buildings, target)
    line = straight_line_m(network.network, distances.buildings.xy, np.array([[lon, lat]]))
    old_walk = distances.to_station[kind]
    closer = walk < old_walk
    return dataclasses.replace(
        distances,
        to_station={**distances.to_station, kind: np.minimum(old_walk, walk)},
        nearest_station={
            **distances.nearest_station,
            kind: np.where(closer, station_row, distances.nearest_station[kind]),
        },
        line_to_station={
            **distances.line_to_station,
            kind: np.minimum(distances.line_to_station[kind], line),
        },
    )


@dataclass(frozen=True)
class WhatIf:
    """The report's figures with one hypothetical station added."""

    lon: float
    lat: float
    kind: str
    threshold_m: float
    place: Place
    before: dict[str, CoverageReport]
    after: dict[str, CoverageReport]
    rules: list[RuleResult]
    circle: CircleReport
    isochrone: Isochrone | None

    def as_dict(self) -> dict[str, Any]:
        before, after = self.before[self.kind], self.after[self.kind]
        return {
            "lon": self.lon,
            "lat": self.lat,
            "kind": self.kind,
            "kind_label": STATION_KINDS[self.kind],
            "threshold_m": self.threshold_m,
            "near": self.place.text,
            "place": self.place.as_dict(),
            "before": {"network": before.network.as_dict(),
                       "grids": [g.as_dict() for g in before.grids]},
            "after": {"network": after.network.as_dict(),
                      "grids": [g.as_dict() for g in after.grids]},
            "gain": coverage_gain(before, after),
            "rules": [rule.as_dict() for rule in self.rules],
            "circle": self.circle.as_dict(),
            "isochrone": None if self.isochrone is None else {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(self.isochrone.polygon),
                "properties": {"minutes": self.isochrone.minutes,
                               "reach_m": published_metres(self.isochrone.reach_m)},
            },
        }


def check_point(community: Community, lon: float, lat: float, *, crs: Any) -> None:
    """Refuse a point outside the community (beyond :data:`BOUNDARY_MARGIN_M`)."""
    boundary = community.boundary.to_crs(crs).geometry.union_all()
    point = gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs(crs).iloc[0]
    distance = float(boundary.distance(point))
    if distance > BOUNDARY_MARGIN_M:
        msg = (f"经纬度 ({lon:.6f}, {lat:.6f}) 在社区边界外约 {distance:,.0f} 米："
               "请在社区范围内选点")
        raise BadParameterError(msg, parameter="lon")


def what_if(
    community: Community,
    network: PreparedNetwork,
    distances: CommunityDistances,
    settings: PlanningSettings,
    namer: PlaceNamer,
    *,
    lon: float,
    lat: float,
    threshold_m: float,
    kind: str = PARTY,
    stock: Mapping[str, Mapping[str, int]] | None = None,
) -> WhatIf:
    """Coverage, rules and the 15-minute circle with a ``kind`` station at ``lon``/``lat``.

    The station is stocked with the minimum kit (one of each), so the kit rule judges the
    existing stations only.
    """
    check_point(community, lon, lat, crs=network.network.crs)
    copy = community_with_station(
        community, lon, lat, kind=kind, items=dict.fromkeys(settings.minimum_kit, 1)
    )
    row = len(copy.stations) - 1
    fresh = distances_with_station(
        network, distances, lon, lat, kind=kind, station_row=row,
        max_attach_m=settings.max_attach_m,
    )
    stock_copy = None
    if stock is not None:
        stock_copy = {**stock, WHATIF_ID: dict.fromkeys(settings.minimum_kit, 1)}
    rules = check_rules(
        copy, crs=network.network.crs, minimum_kit=settings.minimum_kit, stock=stock_copy,
        grid_station_kinds=settings.grid_station_kinds,
    )
    circle = circle_report(
        copy.buildings, copy.grids, fresh.to_category, reach_m=settings.circle_reach_m,
        rules=settings.grades, area_share=settings.area_share,
    )
    try:
        shape = isochrone(
            network, (lon, lat), minutes=settings.circle_minutes,
            speed_kmh=settings.walk_speed_kmh, buffer_m=settings.isochrone_buffer_m,
            max_attach_m=settings.max_attach_m,
        )
    except PointTooFarError:
        shape = None
    return WhatIf(
        lon=lon, lat=lat, kind=kind, threshold_m=threshold_m, place=namer.name(lon, lat),
        # only this kind's figures are answered; nobody reads the "before" building lists
        before=coverage_at(community, distances, threshold_m, kinds=(kind,), rows=False),
        after=coverage_at(copy, fresh, threshold_m, kinds=(kind,)),
        rules=rules, circle=circle, isochrone=shape,
    )


def site_summaries(
    community: Community,
    namer: PlaceNamer,
    sites: Sequence[Mapping[str, Any]],
    *,
    reach: sp.sparray,
) -> list[dict[str, Any]]:
    """Each proposed site (a siting ``candidate`` with ``lon``, ``lat``) with ``near`` (its
    place) and ``gain``: what it alone adds to the existing 党群服务站, read from ``reach``
    (the siting's buildings × candidates matrix of the buildings each candidate brings within
    the threshold that no station reaches now)."""
    counter = _GainCounter.of(community)
    by_candidate = sp.csc_array(reach)
    summaries = []
    for site in sites:
        place = namer.name(float(site["lon"]), float(site["lat"]))
        gain = counter.gain(_column_mask(by_candidate, int(site["candidate"])))
        summaries.append({**site, "near": place.text, "place": place.as_dict(), "gain": gain})
    return summaries


def _column_mask(matrix: sp.csc_array, column: int) -> np.ndarray:
    """The rows where ``column`` of ``matrix`` is non-zero, as a mask."""
    mask = np.zeros(matrix.shape[0], dtype=bool)
    start, end = matrix.indptr[column], matrix.indptr[column + 1]
    mask[matrix.indices[start:end][matrix.data[start:end] != 0]] = True
    return mask
