"""Walking queries between attached points: nearest targets with routes, nearest target for
every origin in one pass, and distance matrices.

Every query takes a :class:`~geo_app.walking.PreparedNetwork` and points attached to that same
prepared network. :func:`nearest` searches from the origin with a radius that doubles until
``k`` targets are found (or the whole connected part is searched); :func:`nearest_targets` is
one multi-source Dijkstra from all targets, read at each origin's two segment ends;
:func:`distance_matrix` runs blocks of single-source searches from the smaller side. Points on
the same segment are also joined directly along it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from geo_app.walking.attachment import MAX_ATTACH_M, Attachment, attach
from geo_app.walking.errors import NetworkInputError, PointTooFarError
from geo_app.walking.graph import graph_with_sources
from geo_app.walking.prepared import PreparedNetwork, require_prepared
from geo_app.walking.search import (
    PointSearch,
    along_segment_m,
    same_segment_pairs,
    search_from_many,
    search_from_point,
)

#: Default walking speed (GB 50180: about 67 m a minute).
WALK_SPEED_KMH = 4.0
#: First search radius of an unlimited nearest query; doubled until enough are found.
FIRST_RADIUS_M = 600.0
#: Distance-matrix block: sources per Dijkstra call x nodes stays under this many cells.
MATRIX_BLOCK_CELLS = 8_000_000


@dataclass(frozen=True)
class Route:
    """A walk from an origin to one target: along the network, access legs included."""

    target_index: int
    distance_m: float
    minutes: float
    geometry: shapely.LineString  # lon/lat, origin → target


def walking_minutes(distance_m: float | np.ndarray, speed_kmh: float) -> float | np.ndarray:
    """Minutes to walk ``distance_m`` at ``speed_kmh``."""
    return distance_m / (speed_kmh * 1000.0 / 60.0)


def attach_origin(
    prepared: PreparedNetwork, origin: tuple[float, float], *, max_attach_m: float
) -> Attachment:
    """Attach one lon/lat point, or raise :class:`PointTooFarError`."""
    attached = attach(
        prepared, np.asarray(origin, dtype=float).reshape(1, 2), max_attach_m=max_attach_m
    )
    if not attached.ok[0]:
        raise PointTooFarError(float(attached.access_m[0]), max_attach_m)
    return attached


def check_same_network(prepared: PreparedNetwork, **attachments: Attachment) -> None:
    """Refuse anything but a prepared network, and attachments made on another one."""
    require_prepared(prepared, name="prepared")
    for name, attachment in attachments.items():
        if attachment.prepared is not prepared:
            msg = f"{name} 是在另一个路网上接入的，须先用 attach(prepared, ...) 接入本路网"
            raise NetworkInputError(msg)


def nearest(
    prepared: PreparedNetwork,
    origin: tuple[float, float],
    targets: Attachment,
    *,
    k: int = 1,
    mask: np.ndarray | None = None,
    max_distance_m: float | None = None,
    speed_kmh: float = WALK_SPEED_KMH,
    max_attach_m: float = MAX_ATTACH_M,
) -> list[Route]:
    """The ``k`` nearest targets from ``origin`` (lon, lat) by walking, with their routes.

    Parameters
    ----------
    prepared
        The prepared walking network.
    origin
        The starting point, WGS84 (lon, lat).
    targets
        Attached targets (e.g. stations); ``Route.target_index`` is a row of it.
    k
        How many targets at most.
    mask
        Boolean filter over ``targets`` (e.g. stations with an umbrella that are open now).
    max_distance_m
        Ignore targets farther than this walk.
    speed_kmh
        Walking speed for ``Route.minutes``.
    max_attach_m
        Limit of the origin's access leg; beyond it :class:`PointTooFarError` is raised.

    Returns
    -------
    list[Route]
        Nearest first; fewer than ``k`` (possibly none) when targets are unreachable.
    """
    check_same_network(prepared, targets=targets)
    mask = check_nearest_arguments(k=k, speed_kmh=speed_kmh, mask=mask, n_targets=len(targets))
    candidates = targets.ok.copy()
    if mask is not None:
        candidates &= mask
    rows = np.flatnonzero(candidates)
    start = attach_origin(prepared, origin, max_attach_m=max_attach_m)
    if len(rows) == 0:
        return []
    limit = float("inf") if max_distance_m is None else float(max_distance_m)
    radius = min(FIRST_RADIUS_M, limit)
    network = prepared.network
    component_size = network.component_size[network.node_component[start.node_u[0]]]
    while True:
        search = search_from_point(prepared, start, limit_m=radius)
        dist, last = search.to_targets(targets, rows)
        found = dist <= radius
        if found.sum() >= k or radius >= limit:
            break
        if np.isfinite(search.dist).sum() >= component_size:
            # The whole connected part was searched: every distance is exact, including a
            # target's access leg and way along its segment beyond the radius.
            found = np.isfinite(dist) & (dist <= limit)
            break
        radius = min(radius * 2.0, limit)
    found &= dist <= limit
    best = np.flatnonzero(found)[np.argsort(dist[found], kind="stable")[:k]]
    return [
        Route(
            target_index=int(rows[i]),
            distance_m=float(dist[i]),
            minutes=float(walking_minutes(dist[i], speed_kmh)),
            geometry=_route_line(search, targets, int(rows[i]), int(last[i])),
        )
        for i in best
    ]


def check_nearest_arguments(
    *, k: int, speed_kmh: float, mask: np.ndarray | None, n_targets: int
) -> np.ndarray | None:
    """Refuse a bad ``k``, ``speed_kmh`` or ``mask`` of a nearest query; the mask as booleans."""
    if k < 1:
        msg = f"k 须至少为 1，实际为 {k}"
        raise NetworkInputError(msg)
    if not speed_kmh > 0:
        msg = f"speed_kmh 须为正数，实际为 {speed_kmh}"
        raise NetworkInputError(msg)
    if mask is None:
        return None
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (n_targets,):
        msg = f"mask 的长度须与 targets 相同（{n_targets}），实际为 {mask.shape}"
        raise NetworkInputError(msg)
    return mask


def _route_line(
    search: PointSearch, targets: Attachment, row: int, last: int
) -> shapely.LineString:
    """Origin → foot → network nodes → target's foot → target, in lon/lat."""
    origin = search.origin
    network = origin.network
    nodes = [] if last < 0 else search.path_to(last)
    xy = np.vstack(
        [
            origin.xy,
            origin.foot_xy,
            network.node_xy[nodes],
            targets.foot_xy[[row]],
            targets.xy[[row]],
        ]
    )
    lonlat = network.projection.points_to_wgs84(xy)
    lonlat[0] = origin.lonlat[0]
    lonlat[-1] = targets.lonlat[row]
    return route_polyline(xy, lonlat)


def route_polyline(xy: np.ndarray, lonlat: np.ndarray) -> shapely.LineString:
    """The lon/lat line of a walk's points, each point repeating the last (in metres) dropped
    (the walk's last point always kept; a walk of one point is a line of two equal points)."""
    keep = np.ones(len(lonlat), dtype=bool)
    keep[1:] = (np.diff(xy, axis=0) != 0).any(axis=1)
    keep[-1] = True
    line = lonlat[keep]
    if len(line) < 2:
        line = np.vstack([line, line])
    return shapely.LineString(line)


def nearest_targets(
    prepared: PreparedNetwork,
    origins: Attachment,
    targets: Attachment,
    *,
    max_distance_m: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The nearest target of every origin by walking, in one multi-source pass.

    Parameters
    ----------
    prepared
        The prepared walking network.
    origins, targets
        Attached points; unattached rows are skipped (origins get no target).
    max_distance_m
        Targets farther than this walk do not count.

    Returns
    -------
    index : numpy.ndarray
        Row of ``targets`` nearest each origin; -1 where none is reachable within the limit.
    distance_m : numpy.ndarray
        Walking distance to it; ``inf`` where none.
    """
    check_same_network(prepared, origins=origins, targets=targets)
    index = np.full(len(origins), -1, dtype=np.int64)
    distance = np.full(len(origins), np.inf)
    target_rows = np.flatnonzero(targets.ok)
    origin_rows = np.flatnonzero(origins.ok)
    if len(target_rows) == 0 or len(origin_rows) == 0:
        return index, distance
    limit = np.inf if max_distance_m is None else float(max_distance_m)
    live = targets.take(target_rows)
    node_dist, node_source = search_from_many(prepared, live, limit_m=limit)

    start = origins.take(origin_rows)
    via_u = node_dist[start.node_u] + (start.to_u - start.access_m)
    via_v = node_dist[start.node_v] + (start.to_v - start.access_m)
    through_u = via_u <= via_v
    best = np.where(through_u, via_u, via_v) + start.access_m
    source = np.where(through_u, node_source[start.node_u], node_source[start.node_v])

    rows_o, rows_t = same_segment_pairs(start.segment, live.segment)
    if len(rows_o):
        direct = along_segment_m(start, rows_o, live, rows_t)
        order = np.lexsort((direct, rows_o))  # per origin, shortest direct walk first
        first = order[np.r_[True, rows_o[order][1:] != rows_o[order][:-1]]]
        closer = direct[first] < best[rows_o[first]]
        best[rows_o[first][closer]] = direct[first][closer]
        source[rows_o[first][closer]] = rows_t[first][closer]

    reached = (best <= limit) & (source >= 0)
    index[origin_rows[reached]] = target_rows[source[reached]]
    distance[origin_rows[reached]] = best[reached]
    return index, distance


def distance_matrix(
    prepared: PreparedNetwork,
    origins: Attachment,
    targets: Attachment,
    *,
    max_distance_m: float | None,
) -> np.ndarray:
    """Walking distance from every origin to every target, (n_origins, n_targets).

    ``inf`` where unreachable, unattached, or beyond ``max_distance_m``. The searches run from
    the smaller side (the network is undirected), a block of sources per Dijkstra call.
    """
    check_same_network(prepared, origins=origins, targets=targets)
    if len(origins) > len(targets):
        return distance_matrix(prepared, targets, origins, max_distance_m=max_distance_m).T
    limit = np.inf if max_distance_m is None else float(max_distance_m)
    matrix = np.full((len(origins), len(targets)), np.inf)
    source_rows = np.flatnonzero(origins.ok)
    target_rows = np.flatnonzero(targets.ok)
    if len(source_rows) == 0 or len(target_rows) == 0:
        return matrix
    network = prepared.network
    n = network.node_count
    ends = targets.take(target_rows)
    block = max(1, MATRIX_BLOCK_CELLS // n)
    for first in range(0, len(source_rows), block):
        rows = source_rows[first : first + block]
        sources = origins.take(rows)
        heads = np.column_stack([sources.node_u, sources.node_v])
        weights = np.column_stack([sources.to_u, sources.to_v])
        graph = graph_with_sources(network.graph, heads, weights)
        dist = dijkstra(graph, directed=True, indices=np.arange(n, n + len(rows)), limit=limit)
        via_u = dist[:, ends.node_u] + (ends.to_u - ends.access_m)
        via_v = dist[:, ends.node_v] + (ends.to_v - ends.access_m)
        matrix[np.ix_(rows, target_rows)] = np.minimum(via_u, via_v) + ends.access_m

    rows_o, rows_t = same_segment_pairs(origins.segment, targets.segment)
    if len(rows_o):
        direct = along_segment_m(origins, rows_o, targets, rows_t)
        matrix[rows_o, rows_t] = np.minimum(matrix[rows_o, rows_t], direct)
    matrix[matrix > limit] = np.inf
    return matrix
