"""Fences of gated 小区: an access leg never passes through a fence.

A point joins the network by a straight access leg to the nearest point of the nearest
segment. Without fences, a resident standing just inside a 小区's fence is joined to the street
on the other side when that street is nearer than the 小区's own lanes, and a straight line
through the fence is passed off as a walk. With :func:`add_fences`, every later
:func:`~geo_app.walking.attach` on the network keeps to one rule: **the access leg must not
cross a fence outline**. A point inside a 小区 therefore joins its lanes (or the inner part of
a gate), and a point outside joins the network on its own side.

The first pass stays the fast, unfenced search; only the points whose leg crosses a fence are
attached again, to the nearest segment (within the limit) reachable by a leg that crosses none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from geo_app.walking.errors import NetworkInputError

if TYPE_CHECKING:
    from geo_app.walking.graph import WalkNetwork


@dataclass
class Fences:
    """Fence outlines in metres, indexed, for the network they were added to."""

    network: WalkNetwork = field(repr=False)
    polygons: np.ndarray

    @cached_property
    def fence_tree(self) -> STRtree:
        return STRtree(self.polygons)

    @cached_property
    def segment_tree(self) -> tuple[STRtree, np.ndarray]:
        """Index of the attachable segments, and their segment numbers."""
        segments = np.flatnonzero(self.network.seg_attachable)
        return STRtree(self.network.segment_lines(segments)), segments

    def crossing(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Whether each straight leg (start → end, metres) crosses a fence outline."""
        result = np.zeros(len(starts), dtype=bool)
        if len(starts):
            legs = shapely.linestrings(np.stack([starts, ends], axis=1))
            leg_idx, _ = self.fence_tree.query(legs, predicate="crosses")
            result[leg_idx] = True
        return result


def add_fences(network: WalkNetwork, polygons_lonlat: Sequence[BaseGeometry]) -> Fences | None:
    """Make every later :func:`~geo_app.walking.attach` on ``network`` respect the fences.

    Parameters
    ----------
    network
        The walking graph (its ``fences`` attribute is set; ``None`` when there are none).
    polygons_lonlat
        Fence outlines as WGS84 lon/lat polygons (the ``compounds`` layer).
    """
    polygons = [p for p in polygons_lonlat if p is not None and not p.is_empty]
    wrong = sorted({p.geom_type for p in polygons} - {"Polygon", "MultiPolygon"})
    if wrong:
        msg = f"围墙须为面（Polygon / MultiPolygon），实际含 {'、'.join(wrong)}"
        raise NetworkInputError(msg)
    fences = None
    if polygons:
        to_local = network.projection.to_local

        def project(coords: np.ndarray) -> np.ndarray:
            return np.column_stack(to_local(coords[:, 0], coords[:, 1]))

        local = np.array([shapely.transform(p, project) for p in polygons], dtype=object)
        fences = Fences(network, local)
    network.fences = fences
    return fences


def enforce_fences(
    network: WalkNetwork,
    xy: np.ndarray,
    segment: np.ndarray,
    fraction: np.ndarray,
    access: np.ndarray,
    *,
    max_attach_m: float,
) -> None:
    """Re-attach, in place, every attached point whose access leg crosses a fence."""
    fences = network.fences
    if fences is None or not len(xy):
        return
    rows = np.flatnonzero((segment >= 0) & (access <= max_attach_m))  # beyond: not attached
    feet = _feet(network, segment[rows], fraction[rows])
    rows = rows[fences.crossing(xy[rows], feet)]
    if not len(rows):
        return
    tree, segments = fences.segment_tree
    point_idx, tree_idx = tree.query(
        shapely.points(xy[rows]), predicate="dwithin", distance=max_attach_m
    )
    candidates = segments[tree_idx]
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
