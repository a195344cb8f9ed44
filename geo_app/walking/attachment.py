"""Attaching points to the network: the nearest point of the nearest segment, not a vertex.

A point joins the network at the foot of the perpendicular on its nearest attachable segment
(islands excluded); its straight access leg counts in every distance. Points farther than a
limit from every path are marked, never silently attached far away.

Points are attached through a :class:`~geo_app.walking.PreparedNetwork`: its segment index
finds the nearest segment of every point exactly (:mod:`geo_app.walking.segment_index`), then
its fences, if any, re-attach the points whose leg would cross one
(:func:`~geo_app.walking.fences.enforce_fences`). The attachment remembers the prepared
network it was made on, and queries refuse to mix attachments of different ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from geo_app.walking.errors import NetworkInputError
from geo_app.walking.fences import enforce_fences
from geo_app.walking.graph import WalkNetwork
from geo_app.walking.prepared import PreparedNetwork, require_prepared

#: Default limit of the access leg from a point to the network, in metres.
MAX_ATTACH_M = 300.0
#: Points attached per block (bounds the temporary arrays).
ATTACH_BLOCK = 50_000


@dataclass(frozen=True, eq=False)
class Attachment:
    """Points attached to a prepared network (one row per input point, in input order).

    ``segment`` is the nearest attachable segment (-1 where ``ok`` is False), ``fraction`` the
    position of the foot along it from ``seg_u`` to ``seg_v`` (0..1), ``access_m`` the straight
    leg from the point to the foot (for points not attached: a distance to a path beyond the
    limit, exact when within a few metres of it), ``foot_xy`` the foot in metres.
    """

    prepared: PreparedNetwork = field(repr=False)
    lonlat: np.ndarray = field(repr=False)
    xy: np.ndarray = field(repr=False)
    segment: np.ndarray = field(repr=False)
    fraction: np.ndarray = field(repr=False)
    access_m: np.ndarray = field(repr=False)
    max_attach_m: float

    def __len__(self) -> int:
        return len(self.lonlat)

    @property
    def network(self) -> WalkNetwork:
        """The walking graph the points are attached to."""
        return self.prepared.network

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
            prepared=self.prepared,
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
    prepared: PreparedNetwork,
    lonlat: np.ndarray,
    *,
    max_attach_m: float = MAX_ATTACH_M,
    progress: Callable[[int], object] | None = None,
) -> Attachment:
    """Attach points (n, 2) lon/lat to the nearest point of their nearest segment.

    Parameters
    ----------
    prepared
        The prepared walking network (:func:`~geo_app.walking.prepare`); with fences, no
        access leg crosses one.
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
    require_prepared(prepared, name="prepared")
    if not max_attach_m > 0:
        msg = f"max_attach_m 须为正数，实际为 {max_attach_m}"
        raise NetworkInputError(msg)
    network = prepared.network
    lonlat = as_lonlat(lonlat, name="lonlat")
    xy = network.projection.points_to_local(lonlat) if len(lonlat) else np.empty((0, 2))
    n = len(lonlat)
    segment = np.empty(n, dtype=np.int64)
    fraction = np.empty(n)
    access = np.empty(n)
    index = prepared.segment_index
    for start in range(0, n, ATTACH_BLOCK):
        block = slice(start, start + ATTACH_BLOCK)
        segment[block], fraction[block], access[block] = index.nearest(
            xy[block], limit_m=max_attach_m
        )
        if progress is not None:
            progress(len(xy[block]))
    enforce_fences(
        network, prepared.fences, xy, segment, fraction, access, max_attach_m=max_attach_m
    )
    too_far = access > max_attach_m
    segment[too_far] = -1
    return Attachment(
        prepared=prepared,
        lonlat=lonlat,
        xy=xy,
        segment=segment,
        fraction=fraction,
        access_m=access,
        max_attach_m=float(max_attach_m),
    )
