"""Shortest-path searches on the walking graph (scipy's compiled Dijkstra) from attached points.

A point attached mid-segment is entered through the two ends of its segment, each with its own
offset (access leg plus the part of the segment walked). Searches from many points at once add
one virtual node per point with one-way edges to its segment's ends, weighted by those offsets,
so a single multi-source Dijkstra (``min_only=True``) serves them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from geo_app.walking.attachment import Attachment
from geo_app.walking.graph import WalkNetwork

NO_PREDECESSOR = -9999


def graph_with_sources(
    graph: sparse.csr_matrix,
    heads: np.ndarray,
    weights: np.ndarray,
) -> sparse.csr_matrix:
    """``graph`` plus one virtual node per row of ``heads``/``weights`` (s, 2).

    Virtual node ``n + i`` has one-way edges to ``heads[i]`` weighted ``weights[i]``; no edge
    leads into a virtual node, so no path passes through one.
    """
    n = graph.shape[0]
    s = len(heads)
    width = heads.shape[1]
    indices = np.concatenate([graph.indices, heads.astype(np.int32).ravel()])
    data = np.concatenate([graph.data, weights.ravel()])
    indptr = np.concatenate(
        [graph.indptr, graph.indptr[-1] + width * np.arange(1, s + 1, dtype=np.int32)]
    )
    return sparse.csr_matrix((data, indices, indptr), shape=(n + s, n + s))


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
    """Dijkstra from one attached point: rows 0/1 are its segment's ends ``u``/``v``."""

    origin: Attachment  # one row, attached
    dist: np.ndarray  # (2, n) metres from each end
    pred: np.ndarray  # (2, n) predecessors per end
    offset: np.ndarray  # (2,) from the point to each end

    @property
    def reach(self) -> np.ndarray:
        """Walking distance from the point to every node (inf beyond the search limit)."""
        return np.minimum(self.offset[0] + self.dist[0], self.offset[1] + self.dist[1])

    def reach_of(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance to ``nodes`` and the end (0 = u, 1 = v) each is reached through."""
        via = self.offset[:, None] + self.dist[:, nodes]
        end = np.argmin(via, axis=0)
        return via[end, np.arange(len(nodes))], end

    def path_to(self, node: int) -> list[int]:
        """Nodes from the point's segment end to ``node`` (inclusive), shortest way."""
        _, end = self.reach_of(np.array([node]))
        pred = self.pred[int(end[0])]
        path = [node]
        while pred[path[-1]] != NO_PREDECESSOR:
            path.append(int(pred[path[-1]]))
        path.reverse()
        return path

    def to_targets(self, targets: Attachment, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance from the point to the targets ``rows`` (attached) and how each is reached.

        The second array holds the end node entered last (the target's ``u`` or ``v``), or -1
        where the target shares the point's segment and is reached directly along it.
        """
        length = targets.network.seg_length[targets.segment[rows]]
        u = targets.network.seg_u[targets.segment[rows]]
        v = targets.network.seg_v[targets.segment[rows]]
        reach_u, _ = self.reach_of(u)
        reach_v, _ = self.reach_of(v)
        via_u = reach_u + targets.fraction[rows] * length
        via_v = reach_v + (1.0 - targets.fraction[rows]) * length
        dist = np.minimum(via_u, via_v) + targets.access_m[rows]
        last = np.where(via_u <= via_v, u, v)
        same = targets.segment[rows] == self.origin.segment[0]
        if same.any():
            direct = along_segment_m(self.origin, np.zeros(same.sum(), int), targets, rows[same])
            closer = direct <= dist[same]
            dist[np.flatnonzero(same)[closer]] = direct[closer]
            last[np.flatnonzero(same)[closer]] = -1
        return dist, last


def search_from_point(network: WalkNetwork, origin: Attachment, *, limit_m: float) -> PointSearch:
    """Dijkstra from one attached point, exact for every node within ``limit_m`` of it."""
    u = int(origin.node_u[0])
    v = int(origin.node_v[0])
    offset = np.array([origin.to_u[0], origin.to_v[0]])
    dist, pred = dijkstra(
        network.graph,
        directed=True,
        indices=[u, v],
        return_predecessors=True,
        limit=max(limit_m - float(offset.min()), 0.0),
    )
    return PointSearch(origin=origin, dist=dist, pred=pred, offset=offset)


def search_from_many(
    network: WalkNetwork, sources: Attachment, *, limit_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """One multi-source Dijkstra from the attached ``sources`` (all rows must be attached).

    Returns, for every node, the walking distance from its nearest source and that source's
    row (-1 where no source is within ``limit_m``).
    """
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
