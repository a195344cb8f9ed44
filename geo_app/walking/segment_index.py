"""Finding the nearest segment of many points exactly: a KD-tree of samples along the segments.

Every point of a segment lies within ``gap`` of one of the samples spaced along it (half the
spacing), so a segment at distance ``d`` from a point has a sample within ``d + gap``.
Candidates from the ``k`` nearest samples are measured exactly (perpendicular foot clamped to
the segment); the rare query whose ``k``-th sample is not beyond ``best + gap`` is re-checked
with a second, wider round and finally against every sample in that radius, so the answer is
exact. Only attachable segments (not islands) are indexed. Many points are searched in Z order
(:func:`z_order`) so that neighbouring queries reuse the same tree nodes and segment rows.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from geo_app.walking.errors import NetworkInputError
from geo_app.walking.graph import WalkNetwork

#: Queries of at least this many points use every core; a single point stays on one.
PARALLEL_QUERY_FROM = 1_000
#: Nearest samples examined per point, in rounds: the points not yet proven exact go on.
CANDIDATE_SAMPLES = (8, 32)
#: From this many points a search first puts them in Z order.
SORT_FROM = 1_000
#: Shifts and masks spreading a 32-bit integer to the even bits of a 64-bit one.
MORTON_SPREAD = (
    (16, 0x0000FFFF0000FFFF),
    (8, 0x00FF00FF00FF00FF),
    (4, 0x0F0F0F0F0F0F0F0F),
    (2, 0x3333333333333333),
    (1, 0x5555555555555555),
)


class SegmentIndex:
    """KD-tree of sample points along the attachable segments of a network."""

    def __init__(self, network: WalkNetwork) -> None:
        segments = np.flatnonzero(network.seg_attachable)
        if len(segments) == 0:
            msg = "路网中没有可接入的道路（全部是孤立碎片）"
            raise NetworkInputError(msg)
        length = network.seg_length[segments]
        spacing = max(float(np.median(length)), 1.0)
        count = np.maximum(np.ceil(length / spacing).astype(np.int64), 1)
        owner = np.repeat(np.arange(len(segments)), count)
        first = np.cumsum(count) - count
        step = np.arange(len(owner)) - first[owner]
        fraction = (step + 0.5) / count[owner]
        start = network.node_xy[network.seg_u[segments]]
        end = network.node_xy[network.seg_v[segments]]
        samples = start[owner] + (end - start)[owner] * fraction[:, None]
        self.segments = segments
        self.start_x, self.start_y = start[:, 0].copy(), start[:, 1].copy()
        self.direction_x, self.direction_y = end[:, 0] - start[:, 0], end[:, 1] - start[:, 1]
        self.inverse_square = 1.0 / (self.direction_x**2 + self.direction_y**2)
        self.sample_owner = owner
        self.gap = float(np.max(length / (2.0 * count)))
        self.tree = cKDTree(samples, balanced_tree=False, compact_nodes=False)

    def nearest(
        self, xy: np.ndarray, *, limit_m: float = np.inf
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest attachable segment of each point: (segment id, fraction t, distance m).

        Exact for points within ``limit_m`` of a segment; for points proven farther, the
        closest candidate found (a distance above ``limit_m``, not necessarily the least).
        Points are searched in Z order (neighbours one after another: the tree's nodes and
        the segment arrays stay in cache), which halves the time for many scattered points.
        """
        if len(xy) < SORT_FROM:
            return self._nearest_in_order(xy, limit_m=limit_m)
        order = z_order(xy, cell_m=max(self.gap, 1.0))
        found = self._nearest_in_order(xy[order], limit_m=limit_m)
        segment, t, dist = (np.empty_like(array) for array in found)
        segment[order], t[order], dist[order] = found
        return segment, t, dist

    def _nearest_in_order(
        self, xy: np.ndarray, *, limit_m: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        best = np.zeros(len(xy), dtype=np.int64)
        t = np.zeros(len(xy))
        dist = np.full(len(xy), np.inf)
        unsure = np.arange(len(xy))
        for k in CANDIDATE_SAMPLES:
            if len(unsure) == 0:
                break
            k = min(k, self.tree.n)
            workers = -1 if len(unsure) >= PARALLEL_QUERY_FROM else 1  # threads cost ~25 µs
            sample_dist, sample = self.tree.query(xy[unsure], k=k, workers=workers)
            candidates = self.sample_owner[sample.reshape(len(unsure), k)]
            best[unsure], t[unsure], dist[unsure] = self._closest(xy[unsure], candidates)
            if k == self.tree.n:
                return self.segments[best], t, dist
            # Exact unless a sample beyond the k-th could belong to a closer segment.
            sample_dist = sample_dist.reshape(len(unsure), k)
            proven_far = sample_dist[:, 0] - self.gap > limit_m
            unsure = unsure[(sample_dist[:, -1] <= dist[unsure] + self.gap) & ~proven_far]
        for row in unsure:
            within = self.tree.query_ball_point(xy[row], dist[row] + self.gap)
            pool = np.unique(self.sample_owner[within])[None, :]
            b, tt, dd = self._closest(xy[row : row + 1], pool)
            best[row], t[row], dist[row] = b[0], tt[0], dd[0]
        return self.segments[best], t, dist

    def _closest(
        self, xy: np.ndarray, candidates: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Among ``candidates`` (n, k) of local segment rows: the closest, its t, distance."""
        px = xy[:, 0:1] - self.start_x[candidates]
        py = xy[:, 1:2] - self.start_y[candidates]
        dx = self.direction_x[candidates]
        dy = self.direction_y[candidates]
        t = (px * dx + py * dy) * self.inverse_square[candidates]
        np.clip(t, 0.0, 1.0, out=t)
        px -= t * dx
        py -= t * dy
        square = px * px + py * py
        pick = np.argmin(square, axis=1)
        rows = np.arange(len(xy))
        return candidates[rows, pick], t[rows, pick], np.sqrt(square[rows, pick])


def z_order(xy: np.ndarray, *, cell_m: float) -> np.ndarray:
    """Permutation of the points ``xy`` (n, 2) along a Z-order (Morton) curve of ``cell_m`` cells.

    Consecutive points of the order are mostly near each other.
    """
    cells = np.empty(xy.shape, dtype=np.uint64)
    for axis in (0, 1):
        column = xy[:, axis]
        steps = np.floor((column - column.min()) / cell_m)
        cells[:, axis] = np.minimum(steps, 2**31 - 1).astype(np.uint64)
    code = np.zeros(len(xy), dtype=np.uint64)
    for axis in (0, 1):
        v = cells[:, axis]
        for shift, mask in MORTON_SPREAD:  # the bits of v, spread to every other bit
            v = (v | (v << np.uint64(shift))) & np.uint64(mask)
        code |= v << np.uint64(axis)
    return np.argsort(code, kind="stable")
