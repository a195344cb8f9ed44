"""Shortest-path searches on the walking graph (scipy's compiled Dijkstra) from attached points.

A point attached mid-segment is entered through the two ends of its segment, each with its own
offset (access leg plus the part of the segment walked). Searches from many points at once add
one virtual node per point with one-way edges to its segment's ends, weighted by those offsets,
so a single multi-source Dijkstra (``min_only=True``) serves them all. A search from one point
reuses the prepared network's spare virtual node instead of copying the graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import dijkstra

from geo_app.walking.attachment import Attachment
from geo_app.walking.graph import graph_with_sources
from geo_app.walking.prepared import PreparedNetwork

NO_PREDECESSOR = -9999


def same_segment_pairs(
    segments_a: np.ndarray, segments_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (row of a, row of b) attached to the same segment (rows with segment -1 never)."""
    order = np.argsort(segments_b, kind="stable")
    sorted_b = segments_b[order]
    lo = np.searchsorted(sorted_b, segments_a, side="left")
    hi = np.searchsorted(sorted_b, segments_a, side="right")
    count = np.where(segments_a >= 0, hi - lo, 0)
    rows_a = np.repeat(np.arange(len(segments_a)), count)
    start = np.repeat(lo - (np.cumsum(count) - count), count)
    rows_b = order[start + np.arange(len(rows_a))]
    return rows_a, rows_b


def along_segment_m(
    a: Attachment, rows_a: np.ndarray, b: Attachment, rows_b: np.ndarray
) -> np.ndarray:
    """Walk between points of ``a`` and ``b`` attached to one segment: legs plus the way along."""
    length = a.network.seg_length[a.segment[rows_a]]
    gap = np.abs(a.fraction[rows_a] - b.fraction[rows_b]) * length
    return a.access_m[rows_a] + gap + b.access_m[rows_b]


@dataclass(frozen=True)
class PointSearch:
    """Dijkstra from one attached point, entered through a virtual node on its segment."""

    origin: Attachment  # one row, attached
    dist: np.ndarray  # (n,) metres from the point to every node (inf beyond the limit)
    pred: np.ndarray  # (n,) predecessor of every node on its shortest way (the virtual node: n)

    @property
    def reach(self) -> np.ndarray:
        """Walking distance from the point to every node (inf beyond the search limit)."""
        return self.dist

    def path_to(self, node: int) -> list[int]:
        """Nodes from the point's segment end to ``node`` (inclusive), shortest way."""
        virtual = len(self.dist)
        path = [node]
        while True:
            previous = int(self.pred[path[-1]])
            if previous in (virtual, NO_PREDECESSOR):
                break
            path.append(previous)
        path.reverse()
        return path

    def to_targets(self, targets: Attachment, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance from the point to the targets ``rows`` (attached) and how each is reached.

        The second array holds the end node entered last (the target's ``u`` or ``v``), or -1
        where the target shares the point's segment and is reached directly along it.
        """
        network = targets.network
        segment = targets.segment[rows]
        length = network.seg_length[segment]
        u = network.seg_u[segment]
        v = network.seg_v[segment]
        via_u = self.dist[u] + targets.fraction[rows] * length
        via_v = self.dist[v] + (1.0 - targets.fraction[rows]) * length
        dist = np.minimum(via_u, via_v) + targets.access_m[rows]
        last = np.where(via_u <= via_v, u, v)
        same = segment == self.origin.segment[0]
        if same.any():
            direct = along_segment_m(self.origin, np.zeros(same.sum(), int), targets, rows[same])
            closer = direct <= dist[same]
            dist[np.flatnonzero(same)[closer]] = direct[closer]
            last[np.flatnonzero(same)[closer]] = -1
        return dist, last


def search_from_point(
    prepared: PreparedNetwork, origin: Attachment, *, limit_m: float
) -> PointSearch:
    """Dijkstra from one attached point, exact for every node within ``limit_m`` of it.

    The prepared network's spare virtual node gets the point's two edges (to its segment's
    ends, the access leg plus the way along the segment) for the duration of one compiled
    search, under its query lock.
    """
    n = prepared.network.node_count
    graph = prepared.query_graph
    with prepared.query_lock:
        graph.indices[-2:] = [origin.node_u[0], origin.node_v[0]]
        graph.data[-2:] = [origin.to_u[0], origin.to_v[0]]
        dist, pred = dijkstra(
            graph, directed=True, indices=n, return_predecessors=True, limit=limit_m
        )
    return PointSearch(origin=origin, dist=dist[:n], pred=pred[:n])


def search_from_many(
    prepared: PreparedNetwork, sources: Attachment, *, limit_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """One multi-source Dijkstra from the attached ``sources`` (all rows must be attached).

    Returns, for every node, the walking distance from its nearest source and that source's
    row (-1 where no source is within ``limit_m``).
    """
    network = prepared.network
    n = network.node_count
    heads = np.column_stack([sources.node_u, sources.node_v])
    weights = np.column_stack([sources.to_u, sources.to_v])
    graph = graph_with_sources(network.graph, heads, weights)
    dist, _, source = dijkstra(
        graph,
        directed=True,
        indices=np.arange(n, n + len(sources)),
        return_predecessors=True,
        min_only=True,
        limit=limit_m,
    )
    row = np.where(source[:n] >= n, source[:n] - n, -1)
    return dist[:n], row
