"""Shortest-path trees from a few fixed targets: nearest queries with no search per query.

When the targets are few and fixed (a community's service stations), one Dijkstra from each
target over the whole network, done once, holds the walking distance from every node to that
target and the next node on the way there. A query from any point then needs only its
attachment: the walk to a target is the shorter of entering the network at either end of the
point's segment (access leg plus the part of the segment walked, plus the tree's distance from
that end), or the direct walk along the segment when the target sits on the same one. Routes
follow the tree's next-node links. The answers equal :func:`~geo_app.walking.nearest`'s.

The trees hold ``targets × nodes`` cells (float64 distances, int32 links): they are built only
below a budget (:data:`TREE_BUDGET_CELLS`); above it :func:`build_target_trees` returns
``None`` and callers search per query as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from geo_app.walking.attachment import MAX_ATTACH_M, Attachment
from geo_app.walking.errors import NetworkInputError
from geo_app.walking.graph import WalkNetwork, graph_with_sources
from geo_app.walking.prepared import PreparedNetwork
from geo_app.walking.routing import (
    WALK_SPEED_KMH,
    Route,
    attach_origin,
    check_nearest_arguments,
    check_same_network,
    walking_minutes,
)

#: Most cells (targets × nodes) the trees may hold: 12 bytes each, so about 48 MB.
TREE_BUDGET_CELLS = 4_000_000
#: ``TreeReach.entry`` of a target reached directly along the origin's own segment.
DIRECT = -1
#: ``TreeReach.entry`` of a target not reachable at all.
UNREACHED = -2


@dataclass(frozen=True, eq=False)
class TargetTrees:
    """Walking distance from every node to every target, and the way there.

    ``node_dist[x, j]``: metres from node ``x`` to target ``j`` (its access leg included;
    ``inf`` in another connected part, or for a target not attached). ``toward[j, x]``: the
    node after ``x`` on that walk, or ``-1`` where ``x`` is the node by which the walk enters
    the target's segment.
    """

    prepared: PreparedNetwork
    targets: Attachment
    node_dist: np.ndarray  # (n, len(targets)) float64: one row per node
    toward: np.ndarray  # (len(targets), n) int32: one row per target
    node_lonlat: np.ndarray  # (n, 2) every node in WGS84, for route lines
    #: (len(targets), 2, 2): each target's foot on the network, then the target; metres
    end_xy: np.ndarray
    end_lonlat: np.ndarray  # the same in WGS84 lon/lat

    @property
    def network(self) -> WalkNetwork:
        """The walking graph the trees grow on."""
        return self.prepared.network


@dataclass(frozen=True, eq=False)
class TreeReach:
    """The walk from one attached origin to every target of a :class:`TargetTrees`.

    ``distance_m`` is ``inf`` where a target is unreachable or not attached; ``entry`` is the
    end node of the origin's segment the walk leaves by, :data:`DIRECT` where the walk stays
    on the origin's segment, :data:`UNREACHED` where there is no walk.
    """

    trees: TargetTrees
    origin: Attachment  # one attached row
    distance_m: np.ndarray  # (len(targets),)
    entry: np.ndarray  # (len(targets),) int64
    start_xy: np.ndarray  # (2, 2): the origin, then its foot on the network; metres
    start_lonlat: np.ndarray  # the same in WGS84 lon/lat
    #: Reachable targets, nearest first (ties in target order, as the engine ranks them).
    order: np.ndarray


def build_target_trees(
    prepared: PreparedNetwork, targets: Attachment, *, max_cells: int = TREE_BUDGET_CELLS
) -> TargetTrees | None:
    """One shortest-path tree per attached target, or ``None`` above ``max_cells`` cells.

    Parameters
    ----------
    prepared
        The prepared walking network.
    targets
        Attached targets (e.g. stations); rows not attached get no tree and are never reached.
    max_cells
        Budget of ``targets × nodes``; beyond it no trees are built.
    """
    check_same_network(prepared, targets=targets)
    network = prepared.network
    rows = np.flatnonzero(targets.ok)
    n = network.node_count
    if len(targets) * n > max_cells:
        return None
    node_dist = np.full((n, len(targets)), np.inf)
    toward = np.full((len(targets), n), -1, dtype=np.int32)
    end_xy = np.stack([targets.foot_xy, targets.xy], axis=1)
    end_lonlat = np.full_like(end_xy, np.nan)
    end_lonlat[:, 1] = targets.lonlat
    if len(rows):
        live = targets.take(rows)
        heads = np.column_stack([live.node_u, live.node_v])
        weights = np.column_stack([live.to_u, live.to_v])
        graph = graph_with_sources(network.graph, heads, weights)
        dist, pred = dijkstra(
            graph, directed=True, indices=np.arange(n, n + len(rows)), return_predecessors=True
        )
        node_dist[:, rows] = dist[:, :n].T
        # The graph is undirected, so the tree grown from a target, read backwards, leads to
        # it: a node's predecessor from the target is its next node toward the target. The
        # end nodes reached straight from the target's virtual node (index >= n) enter its
        # segment; unreached nodes have no predecessor (negative).
        pred = pred[:, :n]
        toward[rows] = np.where((pred >= 0) & (pred < n), pred, -1)
        end_lonlat[rows, 0] = network.projection.points_to_wgs84(live.foot_xy)
    return TargetTrees(
        prepared=prepared,
        targets=targets,
        node_dist=node_dist,
        toward=toward,
        node_lonlat=network.projection.points_to_wgs84(network.node_xy),
        end_xy=end_xy,
        end_lonlat=end_lonlat,
    )


def reach_targets(trees: TargetTrees, origin: Attachment) -> TreeReach:
    """The walking distance from ``origin`` (one attached point) to every target."""
    check_same_network(trees.prepared, origin=origin)
    if len(origin) != 1 or not origin.ok[0]:
        msg = "origin 须为恰好一个已接入路网的点"
        raise NetworkInputError(msg)
    network, targets = trees.network, trees.targets
    segment = int(origin.segment[0])
    fraction, access = float(origin.fraction[0]), float(origin.access_m[0])
    length = float(network.seg_length[segment])
    u, v = int(network.seg_u[segment]), int(network.seg_v[segment])
    # Enter the network at either end of the origin's segment (as the engine's to_u / to_v).
    via_u = trees.node_dist[u] + (access + fraction * length)
    via_v = trees.node_dist[v] + (access + (1.0 - fraction) * length)
    by_u = via_u <= via_v
    distance = np.where(by_u, via_u, via_v)
    entry = np.where(by_u, u, v)
    same = np.flatnonzero(targets.segment == segment)
    if len(same):  # or walk straight along it (as the engine's along_segment_m)
        direct = access + np.abs(fraction - targets.fraction[same]) * length
        direct += targets.access_m[same]
        closer = direct <= distance[same]
        distance[same[closer]] = direct[closer]
        entry[same[closer]] = DIRECT
    unreached = np.isinf(distance)
    entry[unreached] = UNREACHED
    reachable = np.flatnonzero(~unreached)
    start = network.node_xy[u]
    foot = start + (network.node_xy[v] - start) * fraction
    start_xy = np.vstack([origin.xy[0], foot])
    start_lonlat = np.vstack([origin.lonlat, network.projection.points_to_wgs84(foot[None])])
    return TreeReach(
        trees=trees,
        origin=origin,
        distance_m=distance,
        entry=entry,
        start_xy=start_xy,
        start_lonlat=start_lonlat,
        order=reachable[np.argsort(distance[reachable], kind="stable")],
    )


def route_line(reach: TreeReach, row: int) -> shapely.LineString:
    """Origin → its foot → network nodes → the target's foot → target ``row``, in lon/lat.

    A point equal to the one before is left out (as the engine's route lines): only the four
    joins can repeat (origin on the path, foot on a node, target on the path), never two
    distinct nodes.
    """
    trees = reach.trees
    entry = int(reach.entry[row])
    if entry == UNREACHED:
        msg = f"目标 {row} 从该起点不可达"
        raise NetworkInputError(msg)
    nodes: list[int] = []
    if entry != DIRECT:
        toward = trees.toward[row]
        node = entry
        while node >= 0:
            nodes.append(node)
            node = int(toward[node])
    start_xy, end_xy = reach.start_xy, trees.end_xy[row]
    start_lonlat, end_lonlat = reach.start_lonlat, trees.end_lonlat[row]
    pieces = [start_lonlat[:1]]
    last = start_xy[0]
    if (start_xy[1] != last).any():
        pieces.append(start_lonlat[1:])
        last = start_xy[1]
    if nodes:
        node_xy = trees.network.node_xy[nodes]
        pieces.append(trees.node_lonlat[nodes[int((node_xy[0] == last).all()) :]])
        last = node_xy[-1]
    if (end_xy[0] != last).any():
        pieces.append(end_lonlat[:1])
    pieces.append(end_lonlat[1:])
    line = np.concatenate(pieces)
    if len(line) < 2:
        line = np.vstack([line, line])
    return shapely.LineString(line)


def nearest_from_trees(
    trees: TargetTrees,
    origin: tuple[float, float],
    *,
    k: int = 1,
    mask: np.ndarray | None = None,
    max_distance_m: float | None = None,
    speed_kmh: float = WALK_SPEED_KMH,
    max_attach_m: float = MAX_ATTACH_M,
) -> list[Route]:
    """:func:`~geo_app.walking.nearest` over the trees' targets: same parameters, same answer.

    Raises :class:`~geo_app.walking.PointTooFarError` when ``origin`` (lon, lat) is farther
    than ``max_attach_m`` from every path.
    """
    mask = check_nearest_arguments(
        k=k, speed_kmh=speed_kmh, mask=mask, n_targets=len(trees.targets)
    )
    start = attach_origin(trees.prepared, origin, max_attach_m=max_attach_m)
    reach = reach_targets(trees, start)
    return routes_within(reach, k=k, mask=mask, max_distance_m=max_distance_m, speed_kmh=speed_kmh)


def ranked_targets(
    reach: TreeReach,
    *,
    k: int,
    mask: np.ndarray | None = None,
    max_distance_m: float | None = None,
) -> np.ndarray:
    """Rows of the ``k`` nearest targets of ``reach`` (among ``mask``, within the limit).

    Nearest first; ties in target order, as :func:`~geo_app.walking.nearest` ranks them.
    """
    order = reach.order
    if max_distance_m is not None:  # nearest first: the ones within the limit lead
        order = order[: np.searchsorted(reach.distance_m[order], max_distance_m, side="right")]
    if mask is not None:
        order = order[mask[order]]
    return order[:k]


def routes_within(
    reach: TreeReach,
    *,
    k: int,
    mask: np.ndarray | None = None,
    max_distance_m: float | None = None,
    speed_kmh: float = WALK_SPEED_KMH,
) -> list[Route]:
    """The :class:`Route` to each of the ``k`` nearest targets of ``reach`` (see
    :func:`ranked_targets`)."""
    best = ranked_targets(reach, k=k, mask=mask, max_distance_m=max_distance_m)
    return [
        Route(
            target_index=int(row),
            distance_m=float(reach.distance_m[row]),
            minutes=float(walking_minutes(reach.distance_m[row], speed_kmh)),
            geometry=route_line(reach, int(row)),
        )
        for row in best
    ]
