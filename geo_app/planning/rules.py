"""应设尽设: the rules a community's grids and stations must keep, each with what breaks it.

Areas are measured in square metres in a projected CRS (the walking network's); a sliver
smaller than ``tolerance_m2`` (drawing noise) is not reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from layers import Community
from layers.schema import ITEM_LABELS, STATION_KINDS, WEEKDAY_LABELS, WEEKDAYS

DEFAULT_TOLERANCE_M2 = 1.0


@dataclass(frozen=True)
class Violation:
    """One feature that breaks a rule; ``geometry`` (lon/lat) shows where, when useful."""

    layer: str
    feature_id: str
    message: str
    geometry: BaseGeometry | None = None

    def as_dict(self) -> dict[str, str]:
        return {"layer": self.layer, "feature_id": self.feature_id, "message": self.message}


@dataclass(frozen=True)
class RuleResult:
    """A rule, whether it holds, and every violation."""

    rule: str
    title: str
    violations: tuple[Violation, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return not self.violations

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "title": self.title,
            "passed": self.passed,
            "violations": [v.as_dict() for v in self.violations],
        }


def check_rules(
    community: Community,
    *,
    crs: CRS | str,
    minimum_kit: Sequence[str],
    stock: Mapping[str, Mapping[str, int]] | None = None,
    grid_station_kinds: Sequence[str] = tuple(STATION_KINDS),
    tolerance_m2: float = DEFAULT_TOLERANCE_M2,
) -> list[RuleResult]:
    """Check every 应设尽设 rule; ``stock`` (station → item → count) defaults to the layer's.

    ``grid_station_kinds`` are the kinds of station that count as a grid's station.
    """
    grids = community.grids.to_crs(crs)
    return [
        grids_have_stations(grids, community.stations.to_crs(crs), kinds=grid_station_kinds),
        grids_do_not_overlap(grids, tolerance_m2=tolerance_m2),
        grids_leave_no_gaps(grids, community.boundary.to_crs(crs), tolerance_m2=tolerance_m2),
        buildings_in_one_grid(grids, community.buildings.to_crs(crs), tolerance_m2=tolerance_m2),
        stations_stock_minimum_kit(community.stations, minimum_kit, stock=stock),
        stations_give_hours(community.stations),
    ]


def grids_have_stations(
    grids: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, *, kinds: Sequence[str]
) -> RuleResult:
    """Every grid has at least one station of ``kinds`` inside it (one STRtree query)."""
    counted = stations[stations["kind"].isin(list(kinds))].geometry.to_numpy()
    what = "或".join(STATION_KINDS.get(kind, kind) for kind in kinds)
    polygons = grids.geometry.to_numpy()
    served = np.zeros(len(polygons), dtype=bool)
    if len(counted):
        grid_rows, _ = shapely.STRtree(counted).query(polygons, predicate="intersects")
        served[grid_rows] = True
    rows = np.flatnonzero(~served)
    ids = grids["id"].to_numpy(dtype=object)
    where = _wgs84(polygons[rows], grids.crs)
    violations = tuple(
        Violation("grids", ids[row], f"网格内没有{what}", geometry)
        for row, geometry in zip(rows, where, strict=True)
    )
    return RuleResult("grid_has_station", f"每个网格至少有一个{what}", violations)


def grids_do_not_overlap(grids: gpd.GeoDataFrame, *, tolerance_m2: float) -> RuleResult:
    """No two grids overlap by more than ``tolerance_m2``."""
    geometries = grids.geometry.to_numpy()
    ids = grids["id"].tolist()
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    order = np.lexsort((right, left))
    left, right = left[order], right[order]
    overlaps = shapely.intersection(geometries[left], geometries[right])
    areas = shapely.area(overlaps)
    big = areas > tolerance_m2
    where = _wgs84(overlaps[big], grids.crs)
    violations = tuple(
        Violation("grids", ids[i], f"与网格 {ids[j]} 重叠 {area:,.0f} 平方米", geometry)
        for i, j, area, geometry in zip(left[big], right[big], areas[big], where, strict=True)
    )
    return RuleResult("grids_no_overlap", "网格之间互不重叠", violations)


def grids_leave_no_gaps(
    grids: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, *, tolerance_m2: float
) -> RuleResult:
    """The grids together cover the community boundary with no gap."""
    covered = shapely.union_all(grids.geometry.to_numpy())
    gaps = shapely.difference(boundary.geometry.to_numpy(), covered)
    parts, owner = shapely.get_parts(gaps, return_index=True)
    areas = shapely.area(parts)
    big = areas > tolerance_m2
    ids = boundary["id"].to_numpy(dtype=object)
    where = _wgs84(parts[big], grids.crs)
    violations = tuple(
        Violation("boundary", ids[row], f"社区边界内有 {area:,.0f} 平方米不属于任何网格", geometry)
        for row, area, geometry in zip(owner[big], areas[big], where, strict=True)
    )
    return RuleResult("grids_no_gaps", "网格覆盖社区边界内全部区域、不留空白", violations)


def buildings_in_one_grid(
    grids: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, *, tolerance_m2: float
) -> RuleResult:
    """Each building lies in exactly one grid, and its ``grid_id`` names that grid.

    One STRtree query pairs every footprint with the grids it touches; the shared areas of all
    pairs are measured in one array call.
    """
    footprints = buildings.geometry.to_numpy()
    grid_geometries = grids.geometry.to_numpy()
    grid_ids = grids["id"].to_numpy(dtype=object)
    rows, cols = shapely.STRtree(grid_geometries).query(footprints, predicate="intersects")
    # A footprint inside the grid shares all of its area; only the others are intersected.
    shares = shapely.area(footprints[rows])
    partly = ~shapely.covered_by(footprints[rows], grid_geometries[cols])
    shares[partly] = shapely.area(
        shapely.intersection(footprints[rows[partly]], grid_geometries[cols[partly]])
    )
    inside = shares > tolerance_m2
    rows, cols = rows[inside], cols[inside]
    order = np.lexsort((cols, rows))  # per building, grids in the layer's order
    rows, cols = rows[order], cols[order]
    count = np.bincount(rows, minlength=len(footprints))
    first = np.full(len(footprints), -1)
    first[rows[::-1]] = cols[::-1]
    recorded = buildings["grid_id"].to_numpy(dtype=object)
    wrong = np.zeros(len(footprints), dtype=bool)
    single = count == 1
    wrong[single] = grid_ids[first[single]] != recorded[single]
    bad = np.flatnonzero((count != 1) | wrong)
    where = _wgs84(footprints[bad], buildings.crs)
    starts = np.searchsorted(rows, bad)
    bids = buildings["id"].to_numpy(dtype=object)
    violations = []
    for row, start, geometry in zip(bad, starts, where, strict=True):
        if count[row] == 0:
            message = "不在任何网格内"
        elif count[row] > 1:
            message = f"跨越多个网格：{'、'.join(grid_ids[cols[start:start + count[row]]])}"
        else:
            message = f"所属网格记为 {recorded[row]}，但位于网格 {grid_ids[first[row]]} 内"
        violations.append(Violation("buildings", bids[row], message, geometry))
    return RuleResult("building_in_one_grid", "每栋楼恰属一个网格，且网格编码与所在网格一致",
                      tuple(violations))


def stations_stock_minimum_kit(
    stations: gpd.GeoDataFrame,
    minimum_kit: Sequence[str],
    *,
    stock: Mapping[str, Mapping[str, int]] | None = None,
) -> RuleResult:
    """Every station has each item of ``minimum_kit`` in stock (a count above zero)."""
    violations = []
    for sid, items, point in zip(stations["id"], stations["items"], stations.geometry, strict=True):
        levels = stock.get(sid, {}) if stock is not None else (items or {})
        missing = [item for item in minimum_kit if levels.get(item, 0) <= 0]
        if missing:
            labels = "、".join(ITEM_LABELS.get(item, item) for item in missing)
            violations.append(Violation("stations", sid, f"缺少基本物资：{labels}", point))
    kit = "、".join(ITEM_LABELS.get(item, item) for item in minimum_kit)
    return RuleResult("station_minimum_kit", f"每个站点配齐基本物资（{kit}）", tuple(violations))


def stations_give_hours(stations: gpd.GeoDataFrame) -> RuleResult:
    """Every station states its hours: "24h", or each weekday's times or "closed"."""
    violations = []
    for sid, hours, point in zip(stations["id"], stations["hours"], stations.geometry, strict=True):
        if hours == "24h":
            continue
        if not isinstance(hours, Mapping) or not any(hours.get(day) for day in WEEKDAYS):
            violations.append(Violation("stations", sid, "未填写开放时间", point))
            continue
        unstated = [WEEKDAY_LABELS[day] for day in WEEKDAYS if not hours.get(day)]
        if unstated:
            message = f"未注明{'、'.join(unstated)}的开放时间（休息请填 closed）"
            violations.append(Violation("stations", sid, message, point))
    return RuleResult("station_hours_given", "每个站点注明开放时间", tuple(violations))


def _wgs84(geometries: np.ndarray, crs: CRS | str) -> np.ndarray:
    """Projected geometries back to lon/lat, in one reprojection."""
    if len(geometries) == 0:
        return np.empty(0, dtype=object)
    return gpd.GeoSeries(geometries, crs=crs).to_crs("EPSG:4326").to_numpy()
