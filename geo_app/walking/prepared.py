"""The ready-to-query walking network: the graph with its index, fences and query lock.

Querying a :class:`~geo_app.walking.WalkNetwork` needs more than its graph: a spatial index of
the segments to attach points (:class:`~geo_app.walking.segment_index.SegmentIndex`), the
fences of gated 小区 that access legs may not cross (:mod:`geo_app.walking.fences`), and for
single-point searches a copy of the graph with one spare virtual node whose two edges are
rewritten per search under a lock. :func:`prepare` builds all of them at once and returns a
frozen :class:`PreparedNetwork`, which every query function takes (``attach``, ``nearest``,
``nearest_targets``, ``distance_matrix``, ``isochrone``, ``build_target_trees`` …).

Nothing is added to a prepared network later: the fences are part of what it is. Two callers
that prepare the same lines with the same fences therefore attach every point to the same
segment and measure the same distances; the web app and ``geo-app coverage`` both get theirs
from :func:`prepare_community`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pyproj import CRS
from scipy import sparse

from geo_app.walking.cache import cached_network
from geo_app.walking.errors import NetworkInputError
from geo_app.walking.fences import FenceInput, Fences, fences_for
from geo_app.walking.graph import WalkNetwork, graph_with_sources
from geo_app.walking.segment_index import SegmentIndex

if TYPE_CHECKING:
    from layers import Community


@dataclass(frozen=True, eq=False)
class PreparedNetwork:
    """A walking network ready to query; build it with :func:`prepare`.

    ``query_graph`` is ``network.graph`` plus one spare virtual node (the last): the search
    from a single point (:func:`~geo_app.walking.search.search_from_point`) rewrites its two
    edges and runs Dijkstra while holding ``query_lock``; nothing else changes after
    :func:`prepare`.
    """

    network: WalkNetwork
    segment_index: SegmentIndex = field(repr=False)
    fences: Fences | None = field(repr=False)
    query_graph: sparse.csr_matrix = field(repr=False)
    query_lock: threading.Lock = field(repr=False)

    @property
    def crs(self) -> CRS:
        """The projected CRS the network measures in (its graph's)."""
        return self.network.crs

    def __repr__(self) -> str:
        fences = 0 if self.fences is None else len(self.fences.polygons)
        return f"PreparedNetwork({self.network!r}, {fences} fences)"


def prepare(network: WalkNetwork, *, fences: FenceInput = ()) -> PreparedNetwork:
    """Make ``network`` ready to query: index its segments, project and index its fences.

    Parameters
    ----------
    network
        The walking graph (:func:`~geo_app.walking.build_network` or
        :func:`~geo_app.walking.cached_network`).
    fences
        Outlines of gated 小区, WGS84 lon/lat Polygons/MultiPolygons (a sequence, a GeoSeries
        or a GeoDataFrame, e.g. the ``compounds`` layer): no access leg will cross one.
        Missing and empty geometries are skipped; any other geometry type is an error.

    Returns
    -------
    PreparedNetwork

    Raises
    ------
    NetworkInputError
        When ``network`` is not a WalkNetwork, it has no attachable path, or a fence is not a
        polygon.
    """
    if not isinstance(network, WalkNetwork):
        msg = f"prepare 需要 WalkNetwork（build_network 的结果），而不是 {type(network).__name__}"
        raise NetworkInputError(msg)
    spare = np.zeros((1, 2), dtype=np.int64)
    return PreparedNetwork(
        network=network,
        segment_index=SegmentIndex(network),
        fences=fences_for(network, fences),
        query_graph=graph_with_sources(network.graph, spare, np.zeros((1, 2))),
        query_lock=threading.Lock(),
    )


def prepare_community(community: Community, *, cache_dir: Path | None = None) -> PreparedNetwork:
    """The prepared walking network of a loaded community: its ``paths`` fenced by ``compounds``.

    The one way the web app and ``geo-app coverage`` get their network, so both measure the
    same distances. With ``cache_dir`` the graph arrays are cached on disk
    (:func:`~geo_app.walking.cached_network`).
    """
    network = cached_network(community.paths, cache_dir=cache_dir)
    return prepare(network, fences=community.compounds)


def require_prepared(prepared: object, *, name: str = "network") -> PreparedNetwork:
    """``prepared`` if it is a :class:`PreparedNetwork`, else an error saying to call prepare."""
    if not isinstance(prepared, PreparedNetwork):
        msg = (
            f"{name} 须为 prepare(network, fences=...) 返回的 PreparedNetwork，"
            f"而不是 {type(prepared).__name__}"
        )
        raise NetworkInputError(msg)
    return prepared
