"""Attaching points to the network: the nearest point of the nearest segment, not a vertex.

A point joins the network at the foot of the perpendicular on its nearest attachable segment
(islands excluded); its straight access leg counts in every distance. Points farther than a
limit from every path are marked, never silently attached far away.

The nearest segment is found exactly with a KD-tree of sample points spaced along the
segments: every point of a segment lies within ``gap`` of one of its samples, so a segment at
distance ``d`` has a sample within ``d + gap``; candidates from the ``k`` nearest samples are
measured exactly, and the rare query whose ``k``-th sample is not beyond ``best + gap`` is
re-checked against every sample in that radius.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from geo_app.walking.errors import NetworkInputError
from geo_app.walking.fences import enforce_fences

if TYPE_CHECKING:
    from geo_app.walking.graph import WalkNetwork

#: Queries of at least this many points use every core; a single point stays on one.
PARALLEL_QUERY_FROM = 1_000
#: Default limit of the access leg from a point to the network, in metres.
MAX_ATTACH_M = 300.0
#: Nearest samples examined per point, in rounds: the points not yet proven exact go on.
CANDIDATE_SAMPLES = (8, 32)
#: Points attached per block (bounds the temporary arrays).
ATTACH_BLOCK = 50_000
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


@dataclass(frozen=True, eq=False)
class Attachment:
    """Points attached to a network (one row per input point, in input order).

    ``segment`` is the nearest attachable segment (-1 where ``ok`` is False), ``fraction`` the
    position of the foot along it from ``seg_u`` to ``seg_v`` (0..1), ``access_m`` the straight
    leg from the point to the foot (for points not attached: a distance to a path beyond the
    limit, exact when within a few metres of it), ``foot_xy`` the foot in metres.
    """

    network: WalkNetwork = field(repr=False)
    lonlat: np.ndarray = field(repr=False)
    xy: np.ndarray = field(repr=False)
    segment: np.ndarray = field(repr=False)
    fraction: np.ndarray = field(repr=False)
    access_m: np.ndarray = field(repr=False)
    max_attach_m: float

    def __len__(self) -> int:
        return len(self.lonlat)

    @property
    def ok(self) -> np.ndarray:
        """False for points farther than ``max_attach_m`` from every path."""
        return self.segment >= 0

    @property
    def segment_length(self) -> np.ndarray:
        return np.where(self.ok, self.network.seg_length[self.segment], np.nan)

    @property
    def node_u(self) -> np.ndarray:
        return np.where(self.ok, self.network.seg_u[self.segment], -1)

    @property
    def node_v(self) -> np.ndarray:
        return np.where(self.ok, self.network.seg_v[self.segment], -1)

    @property
    def to_u(self) -> np.ndarray:
        """Access leg plus the walk along the segment from the foot to ``node_u``."""
        return self.access_m + self.fraction * self.segment_length

    @property
    def to_v(self) -> np.ndarray:
        """Access leg plus the walk along the segment from the foot to ``node_v``."""
        return self.access_m + (1.0 - self.fraction) * self.segment_length

    @property
    def foot_xy(self) -> np.ndarray:
        """Where each point joins the network, in metres (NaN where not attached)."""
        net = self.network
        seg = np.where(self.ok, self.segment, 0)
        start = net.node_xy[net.seg_u[seg]]
        foot = start + (net.node_xy[net.seg_v[seg]] - start) * self.fraction[:, None]
        foot[~self.ok] = np.nan
        return foot

    def take(self, rows: np.ndarray) -> Attachment:
        """The attachment of the points ``rows`` (indices or a boolean mask), in that order."""
        return Attachment(
            network=self.network,
            lonlat=self.lonlat[rows],
            xy=self.xy[rows],
            segment=self.segment[rows],
            fraction=self.fraction[rows],
            access_m=self.access_m[rows],
            max_attach_m=self.max_attach_m,
        )


def as_lonlat(points: object, *, name: str) -> np.ndarray:
    """``points`` as a finite (n, 2) float array of lon/lat, or a clear error naming ``name``."""
    array = np.asarray(points, dtype=float)
    if array.size == 0:
        return array.reshape(0, 2)
    if array.shape == (2,):
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != 2:
        msg = f"{name} 须为 (n, 2) 的经纬度数组，实际形状为 {array.shape}"
        raise NetworkInputError(msg)
    if not np.isfinite(array).all():
        msg = f"{name} 含有缺失或非有限的坐标"
        raise NetworkInputError(msg)
    if (np.abs(array) > [180.0, 90.0]).any():
        msg = f"{name} 须为 WGS84 经纬度（经度 −180…180，纬度 −90…90）"
        raise NetworkInputError(msg)
    return array


def attach(
    network: WalkNetwork,
    lonlat: np.ndarray,
    *,
    max_attach_m: float = MAX_ATTACH_M,
    progress: Callable[[int], object] | None = None,
) -> Attachment:
    """Attach points (n, 2) lon/lat to the nearest point of their nearest segment.

    Parameters
    ----------
    network
        The walking graph.
    lonlat
        Points as WGS84 lon/lat rows.
    max_attach_m
        Points farther than this from every path are not attached (``ok`` False).
    progress
        Called with the number of points attached after each block (e.g. ``tqdm.update``).

    Returns
    -------
    Attachment
    """
    if not max_attach_m > 0:
        msg = f"max_attach_m 须为正数，实际为 {max_attach_m}"
        raise NetworkInputError(msg)
    lonlat = as_lonlat(lonlat, name="lonlat")
    xy = network.projection.points_to_local(lonlat) if len(lonlat) else np.empty((0, 2))
    n = len(lonlat)
    segment = np.empty(n, dtype=np.int64)
    fraction = np.empty(n)
    access = np.empty(n)
    index = network.segment_index
    for start in range(0, n, ATTACH_BLOCK):
        block = slice(start, start + ATTACH_BLOCK)
        segment[block], fraction[block], access[block] = index.nearest(
            xy[block], limit_m=max_attach_m
        )
        if progress is not None:
            progress(len(xy[block]))
    enforce_fences(network, xy, segment, fraction, access, max_attach_m=max_attach_m)
    too_far = access > max_attach_m
    segment[too_far] = -1
    return Attachment(
        network=network,
        lonlat=lonlat,
        xy=xy,
        segment=segment,
        fraction=fraction,
        access_m=access,
        max_attach_m=float(max_attach_m),
    )
