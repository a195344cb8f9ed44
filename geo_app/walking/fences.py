"""Fences of gated 小区: an access leg never passes through a fence.

A point joins the network by a straight access leg to the nearest point of the nearest
segment. Without fences, a resident standing just inside a 小区's fence is joined to the street
on the other side when that street is nearer than the 小区's own lanes, and a straight line
through the fence is passed off as a walk. A network prepared with fences
(:func:`~geo_app.walking.prepare`) keeps to one rule in every
:func:`~geo_app.walking.attach`: **the access leg must not cross a fence outline**. A point
inside a 小区 therefore joins its lanes (or the inner part of a gate), and a point outside joins
the network on its own side.

The first pass stays the fast, unfenced search; only the points whose leg crosses a fence are
attached again (:func:`enforce_fences`): every attachable segment within the limit is a
candidate (an STR-tree of the segments), its foot is measured exactly, and the nearest whose
leg crosses no fence outline (an STR-tree of the fences, predicate ``crosses``) is taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeAlias

import geopandas as gpd
import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from geo_app.walking.errors import NetworkInputError
from geo_app.walking.graph import WalkNetwork
from geo_app.walking.projection import WGS84

#: What :func:`fence_polygons` accepts: a GeoDataFrame, a GeoSeries or shapely geometries.
FenceInput: TypeAlias = gpd.GeoDataFrame | gpd.GeoSeries | Iterable[BaseGeometry | None]


@dataclass(frozen=True, eq=False)
class Fences:
    """Fence outlines in metres and the indexes :func:`enforce_fences` reads, built at once."""

    polygons: np.ndarray  # shapely polygons in the network's CRS
    fence_tree: STRtree = field(repr=False)
    #: Index of the network's attachable segments, and their segment numbers.
    segment_tree: STRtree = field(repr=False)
    segments: np.ndarray = field(repr=False)

    def crossing(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Whether each straight leg (start → end, metres) crosses a fence outline."""
        result = np.zeros(len(starts), dtype=bool)
        if len(starts):
            legs = shapely.linestrings(np.stack([starts, ends], axis=1))
            leg_idx, _ = self.fence_tree.query(legs, predicate="crosses")
            result[leg_idx] = True
        return result


def fence_polygons(fences: FenceInput) -> list[BaseGeometry]:
    """The non-empty fence outlines of ``fences`` in WGS84 lon/lat, or a clear error.

    ``fences`` is a sequence of shapely geometries (WGS84 lon/lat), or a GeoSeries/GeoDataFrame
    (converted to WGS84 when it declares another CRS). Only polygons are fences.
    """
    if isinstance(fences, gpd.GeoDataFrame):
        fences = fences.geometry
    if (
        isinstance(fences, gpd.GeoSeries)
        and fences.crs is not None
        and not fences.crs.equals(WGS84)
    ):
        fences = fences.to_crs(WGS84)
    polygons: list[BaseGeometry] = []
    wrong: dict[str, int] = {}  # geometry type → first row of it
    polygon: object
    for row, polygon in enumerate(fences):
        if polygon is None or (isinstance(polygon, float) and np.isnan(polygon)):
            continue
        if not isinstance(polygon, BaseGeometry):
            msg = f"围墙第 {row} 个要素不是几何对象，而是 {type(polygon).__name__}"
            raise NetworkInputError(msg)
        if polygon.is_empty:
            continue
        if polygon.geom_type in ("Polygon", "MultiPolygon"):
            polygons.append(polygon)
        else:
            wrong.setdefault(polygon.geom_type, row)
    if wrong:
        kinds = "、".join(sorted(wrong))
        first = min(wrong.values())
        msg = f"围墙须为面（Polygon / MultiPolygon），实际含 {kinds}（第 {first} 个要素起）"
        raise NetworkInputError(msg)
    return polygons


def fences_for(network: WalkNetwork, fences: FenceInput) -> Fences | None:
    """The fences of ``network``, projected to its CRS and indexed; ``None`` when there are none.

    Parameters
    ----------
    network
        The walking graph the fences are for.
    fences
        Fence outlines as WGS84 lon/lat polygons (the ``compounds`` layer), see
        :func:`fence_polygons`.
    """
    polygons = fence_polygons(fences)
    if not polygons:
        return None
    to_local = network.projection.points_to_local
    local = np.array([shapely.transform(p, to_local) for p in polygons], dtype=object)
    segments = np.flatnonzero(network.seg_attachable)
    return Fences(
        polygons=local,
        fence_tree=STRtree(local),
        segment_tree=STRtree(network.segment_lines(segments)),
        segments=segments,
    )


def enforce_fences(
    network: WalkNetwork,
    fences: Fences | None,
    xy: np.ndarray,
    segment: np.ndarray,
    fraction: np.ndarray,
    access: np.ndarray,
    *,
    max_attach_m: float,
) -> None:
    """Re-attach, in place, every attached point whose access leg crosses a fence.

    ``segment``, ``fraction`` and ``access`` are the first, unfenced answer for the points
    ``xy`` (metres); a point with no fence-free leg within ``max_attach_m`` gets segment -1
    and an infinite leg.
    """
    if fences is None or not len(xy):
        return
    rows = np.flatnonzero((segment >= 0) & (access <= max_attach_m))  # beyond: not attached
    feet = _feet(network, segment[rows], fraction[rows])
    rows = rows[fences.crossing(xy[rows], feet)]
    if not len(rows):
        return
    point_idx, tree_idx = fences.segment_tree.query(
        shapely.points(xy[rows]), predicate="dwithin", distance=max_attach_m
    )
    candidates = fences.segments[tree_idx]
    t, foot = _project(network, xy[rows][point_idx], candidates)
    leg = np.hypot(*(xy[rows][point_idx] - foot).T)
    usable = ~fences.crossing(xy[rows][point_idx], foot) & (leg <= max_attach_m)
    segment[rows], fraction[rows], access[rows] = -1, 0.0, np.inf
    if not usable.any():
        return
    point_idx, candidates, t, leg = point_idx[usable], candidates[usable], t[usable], leg[usable]
    order = np.lexsort((candidates, leg, point_idx))  # per point: shortest leg, then lowest id
    first = order[np.r_[True, point_idx[order][1:] != point_idx[order][:-1]]]
    target = rows[point_idx[first]]
    segment[target], fraction[target], access[target] = candidates[first], t[first], leg[first]


def _feet(network: WalkNetwork, segment: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    a = network.node_xy[network.seg_u[segment]]
    b = network.node_xy[network.seg_v[segment]]
    return a + fraction[:, None] * (b - a)


def _project(
    network: WalkNetwork, points: np.ndarray, segment: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fraction along each segment (from ``seg_u``) of the point's foot, and the foot."""
    a = network.node_xy[network.seg_u[segment]]
    ab = network.node_xy[network.seg_v[segment]] - a
    length2 = np.einsum("ij,ij->i", ab, ab)
    t = np.einsum("ij,ij->i", points - a, ab) / np.where(length2 > 0, length2, 1.0)
    t = np.clip(t, 0.0, 1.0)
    return t, a + t[:, None] * ab
