"""Isochrones: the part of the network reachable on foot within a time, and a polygon around it.

Segments are kept whole where every point of them is within the budget, and cut where only a
piece is (from either end, and around the origin on its own segment). The polygon is the union
of one buffer per piece: buffering pieces one by one and uniting them is fast, while buffering
one large MultiLineString takes minutes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely

from geo_app.walking.attachment import MAX_ATTACH_M
from geo_app.walking.errors import NetworkInputError
from geo_app.walking.graph import WalkNetwork
from geo_app.walking.prepared import PreparedNetwork
from geo_app.walking.routing import WALK_SPEED_KMH, attach_origin
from geo_app.walking.search import search_from_point

#: Half-width of the isochrone polygon around the reachable paths, in metres.
BUFFER_M = 40.0
#: Segments per quarter circle of the buffers (GEOS's default is 8; 4 is plenty at 40 m).
BUFFER_QUAD_SEGS = 4
#: Pieces from which the union is split over two threads.
UNION_SPLIT_FROM = 2_000


@dataclass(frozen=True)
class Isochrone:
    """What a walk of ``minutes`` from ``origin`` reaches."""

    origin: tuple[float, float]
    minutes: float
    speed_kmh: float
    reach_m: float  # the walking budget, metres
    lines: shapely.MultiLineString  # reachable paths, lon/lat, partial segments included
    polygon: shapely.Polygon | shapely.MultiPolygon  # buffer of ``lines``, lon/lat
    reached_nodes: int


def reachable_pieces(
    network: WalkNetwork, reach: np.ndarray, budget_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pieces (segment, from m, to m along it from ``seg_u``) reachable within ``budget_m``.

    ``reach`` is the walking distance of every node. A whole segment is reachable when the
    farthest point of it, where the walks from both ends meet, is within the budget.
    """
    reach_u = reach[network.seg_u]
    reach_v = reach[network.seg_v]
    touched = np.flatnonzero((reach_u <= budget_m) | (reach_v <= budget_m))
    length = network.seg_length[touched]
    ru, rv = reach_u[touched], reach_v[touched]
    whole = (ru + rv + length) / 2.0 <= budget_m
    from_u = ~whole & (ru <= budget_m)
    from_v = ~whole & (rv <= budget_m)
    segment = np.concatenate([touched[whole], touched[from_u], touched[from_v]])
    start = np.concatenate(
        [np.zeros(whole.sum()), np.zeros(from_u.sum()), (length - (budget_m - rv))[from_v]]
    )
    end = np.concatenate([length[whole], (budget_m - ru)[from_u], length[from_v]])
    return segment, start, end


def _merge_intervals(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def isochrone(
    prepared: PreparedNetwork,
    origin: tuple[float, float],
    *,
    minutes: float = 15.0,
    speed_kmh: float = WALK_SPEED_KMH,
    buffer_m: float = BUFFER_M,
    max_attach_m: float = MAX_ATTACH_M,
) -> Isochrone:
    """The network reachable from ``origin`` (lon, lat) in ``minutes`` and a polygon around it.

    Parameters
    ----------
    prepared
        The prepared walking network.
    origin
        WGS84 (lon, lat) of a resident or a station.
    minutes, speed_kmh
        The walk: 15 minutes at 4 km/h is 1,000 m.
    buffer_m
        Half-width of the polygon around the reachable paths.
    max_attach_m
        Limit of the origin's access leg; beyond it :class:`PointTooFarError` is raised.

    Returns
    -------
    Isochrone
    """
    if not (minutes >= 0 and speed_kmh > 0 and buffer_m > 0):
        msg = (
            f"minutes 须非负、speed_kmh 与 buffer_m 须为正数"
            f"（实际 {minutes}、{speed_kmh}、{buffer_m}）"
        )
        raise NetworkInputError(msg)
    budget = minutes * speed_kmh * 1000.0 / 60.0
    start = attach_origin(prepared, origin, max_attach_m=max_attach_m)
    search = search_from_point(prepared, start, limit_m=budget)
    network = prepared.network
    reach = search.reach
    segment, lo, hi = reachable_pieces(network, reach, budget)

    own = int(start.segment[0])
    left = budget - float(start.access_m[0])
    if left >= 0:  # around the origin on its own segment, merged with what reaches it from the ends
        length = float(network.seg_length[own])
        at = float(start.fraction[0]) * length
        mine = segment == own
        intervals = [(max(at - left, 0.0), min(at + left, length))]
        intervals += list(zip(lo[mine].tolist(), hi[mine].tolist(), strict=True))
        merged = _merge_intervals(intervals)
        segment = np.concatenate([segment[~mine], np.full(len(merged), own)])
        lo = np.concatenate([lo[~mine], [a for a, _ in merged]])
        hi = np.concatenate([hi[~mine], [b for _, b in merged]])

    ends = _piece_ends(network, segment, lo, hi)
    if len(ends):
        lines = shapely.multilinestrings(np.asarray(shapely.linestrings(ends)))
        polygon = union_of_buffers(ends, buffer_m)
    else:
        polygon = shapely.Polygon()
        lines = shapely.MultiLineString()
    # One multi-line from the array of pieces; buffers of radius > 0 unite into (multi)polygons.
    if not isinstance(lines, shapely.MultiLineString):
        raise TypeError(f"isochrone lines should be a MultiLineString, got {type(lines).__name__}")
    if not isinstance(polygon, shapely.Polygon | shapely.MultiPolygon):
        raise TypeError(f"isochrone area should be a (Multi)Polygon, got {type(polygon).__name__}")
    to_wgs84 = network.projection.points_to_wgs84
    return Isochrone(
        origin=(float(start.lonlat[0, 0]), float(start.lonlat[0, 1])),
        minutes=float(minutes),
        speed_kmh=float(speed_kmh),
        reach_m=budget,
        lines=shapely.transform(lines, to_wgs84),
        polygon=shapely.transform(polygon, to_wgs84),
        reached_nodes=int((reach <= budget).sum()),
    )


def _piece_ends(
    network: WalkNetwork, segment: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """(p, 2, 2) ends in metres of the pieces ``lo``..``hi`` metres along each segment."""
    keep = hi > lo
    segment, lo, hi = segment[keep], lo[keep], hi[keep]
    start = network.node_xy[network.seg_u[segment]]
    step = (network.node_xy[network.seg_v[segment]] - start) / network.seg_length[segment, None]
    return np.stack([start + step * lo[:, None], start + step * hi[:, None]], axis=1)


def stadiums(ends: np.ndarray, radius: float, *, quad_segs: int = BUFFER_QUAD_SEGS) -> np.ndarray:
    """The buffers of straight pieces (p, 2, 2), built directly: GEOS's round-capped buffer
    of a two-point line, ``quad_segs`` segments per quarter circle, without calling GEOS."""
    start, end = ends[:, 0], ends[:, 1]
    along = end - start
    length = np.hypot(along[:, 0], along[:, 1])
    flat = length < 1e-9
    along = np.where(flat[:, None], [1.0, 0.0], along / np.where(flat, 1.0, length)[:, None])
    normal = np.column_stack([-along[:, 1], along[:, 0]])
    theta = np.linspace(-np.pi / 2, np.pi / 2, 2 * quad_segs + 1)
    cos, sin = np.cos(theta), np.sin(theta)
    cap = along[:, None, :] * cos[None, :, None] + normal[:, None, :] * sin[None, :, None]
    ring = np.concatenate([end[:, None, :] + radius * cap, start[:, None, :] - radius * cap], 1)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    return np.asarray(shapely.polygons(ring))  # (p, k, 2) in: an array out


def union_of_buffers(ends: np.ndarray, radius: float) -> shapely.Geometry:
    """Union of the buffers of straight pieces: one buffer per piece, united in spatial halves
    on two threads (GEOS releases the GIL), then the halves united."""
    buffers = stadiums(ends, radius)
    if len(buffers) < UNION_SPLIT_FROM:
        return shapely.union_all(buffers)
    order = np.argsort(ends[:, :, 0].mean(axis=1), kind="stable")
    halves = np.array_split(order, 2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(lambda rows: shapely.union_all(buffers[rows]), halves))
    return shapely.union_all(parts)
