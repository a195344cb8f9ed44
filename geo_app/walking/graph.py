"""The routable walking graph: lines exploded to straight segments, nodes at shared vertices.

Lines join wherever they share a vertex (at an end or in the middle of a line, as OpenStreetMap
ways do); lines that merely cross without a shared vertex (bridges, tunnels) do not join.
Segment lengths are measured in metres in a local projected CRS.

Vertices are merged to nodes by hashing their coordinates rounded to the millimetre (no sort),
repeated and zero-length segments are dropped, and connected parts are labelled once
(``scipy.sparse.csgraph.connected_components``) so that small islands take no points. The
graph is a symmetric CSR matrix of segment lengths, the input of scipy's compiled Dijkstra.

A :class:`WalkNetwork` holds only these arrays and the projection: the spatial index, the
fences and the query lock are built by :func:`geo_app.walking.prepare`, which returns the
ready-to-query :class:`~geo_app.walking.PreparedNetwork`.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from geo_app.walking.errors import NetworkInputError
from geo_app.walking.io import read_geojson
from geo_app.walking.projection import WGS84, column_bounds, crs_for_lonlat, projection_for

#: Connected parts with less path than this in all (other than the largest) take no points.
MIN_ISLAND_M = 500.0
#: Vertices closer than this (after projection) are one node.
NODE_TOLERANCE_M = 0.001
LINE_TYPES = ("LineString", "MultiLineString")


class WalkNetwork:
    """The walking graph in metres, with the transforms to and from WGS84 lon/lat.

    It knows nothing of indexes, fences or locks: query it through
    :func:`geo_app.walking.prepare`. Arrays (read-only by convention):
    ``node_xy`` (n, 2) node coordinates in metres; ``seg_u``, ``seg_v`` (m,) end nodes of each
    straight segment; ``seg_length`` (m,) metres; ``seg_attachable`` (m,) False for segments of
    islands; ``node_component`` (n,) connected part of each node.
    """

    def __init__(
        self,
        *,
        crs: CRS,
        node_xy: np.ndarray,
        seg_u: np.ndarray,
        seg_v: np.ndarray,
        seg_length: np.ndarray,
        seg_attachable: np.ndarray,
        node_component: np.ndarray,
    ) -> None:
        self.crs = crs
        self.projection = projection_for(crs)
        self.node_xy = node_xy
        self.seg_u = seg_u
        self.seg_v = seg_v
        self.seg_length = seg_length
        self.seg_attachable = seg_attachable
        self.node_component = node_component
        #: Symmetric CSR matrix of segment lengths (both directions stored explicitly).
        self.graph = symmetric_graph(len(node_xy), seg_u, seg_v, seg_length)

    def __repr__(self) -> str:
        return (
            f"WalkNetwork({self.node_count} nodes, {self.segment_count} segments, "
            f"{self.total_length_m / 1000:.1f} km, {self.crs.to_string()})"
        )

    @property
    def node_count(self) -> int:
        return len(self.node_xy)

    @property
    def segment_count(self) -> int:
        return len(self.seg_u)

    @cached_property
    def total_length_m(self) -> float:
        """Length of every path of the network, islands included, in metres."""
        return float(self.seg_length.sum())

    @cached_property
    def component_size(self) -> np.ndarray:
        """Number of nodes in each connected part."""
        return np.bincount(self.node_component)

    def to_local(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lon/lat arrays → x/y arrays in metres in :attr:`crs`."""
        return self.projection.to_local(lon, lat)

    def to_wgs84(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x/y arrays in metres → lon/lat arrays."""
        return self.projection.to_wgs84(x, y)

    def segment_lines(self, segments: np.ndarray | None = None) -> np.ndarray:
        """Shapely LineStrings (metres) of ``segments`` (default: all)."""
        if segments is None:
            segments = np.arange(self.segment_count)
        ends = np.stack([self.node_xy[self.seg_u[segments]], self.node_xy[self.seg_v[segments]]], 1)
        return np.asarray(shapely.linestrings(ends))  # (n, 2, 2) in: an array out


def symmetric_graph(
    n: int, seg_u: np.ndarray, seg_v: np.ndarray, seg_length: np.ndarray
) -> sparse.csr_matrix:
    """CSR matrix (n, n) with each segment's length in both directions."""
    rows = np.concatenate([seg_u, seg_v])
    order = np.argsort(rows, kind="stable")
    cols = np.concatenate([seg_v, seg_u])[order].astype(np.int32)
    data = np.concatenate([seg_length, seg_length])[order]
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sparse.csr_matrix((data, cols, indptr), shape=(n, n))


def graph_with_sources(
    graph: sparse.csr_matrix, heads: np.ndarray, weights: np.ndarray
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


def read_lines(lines: gpd.GeoDataFrame | gpd.GeoSeries | str | Path) -> np.ndarray:
    """The line geometries of ``lines`` (a GeoDataFrame/GeoSeries or a GeoJSON path) in WGS84.

    Null and empty geometries are skipped; any other geometry type is an error naming its row.
    """
    if isinstance(lines, str | Path):
        lines = read_geojson(lines, name="路网")
    if isinstance(lines, gpd.GeoDataFrame):
        lines = lines.geometry
    if not isinstance(lines, gpd.GeoSeries):
        msg = f"lines 须为 GeoDataFrame、GeoSeries 或 GeoJSON 路径，而不是 {type(lines).__name__}"
        raise NetworkInputError(msg)
    if lines.crs is not None and not lines.crs.equals(WGS84):
        lines = lines.to_crs(WGS84)
    geoms = np.asarray(lines.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    types = shapely.get_type_id(geoms)
    bad = present & ~np.isin(types, [1, 5])  # LineString, MultiLineString
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = f"路网第 {row} 个要素是 {geoms[row].geom_type}，只接受 LineString / MultiLineString"
        raise NetworkInputError(msg)
    return geoms[present]


def build_network(
    lines: gpd.GeoDataFrame | gpd.GeoSeries | str | Path,
    *,
    crs: CRS | str | int | None = None,
    min_island_m: float = MIN_ISLAND_M,
) -> WalkNetwork:
    """Build the walking graph of ``lines`` (LineStrings/MultiLineStrings in EPSG:4326).

    Parameters
    ----------
    lines
        A GeoDataFrame or GeoSeries of lines, or the path of a GeoJSON file.
    crs
        Metric CRS to measure in; default: EPSG:4548 around Hefei, else the local UTM zone.
    min_island_m
        Connected parts with less path than this in all, other than the largest part, take
        no points (they would strand a building).

    Returns
    -------
    WalkNetwork
    """
    geoms = read_lines(lines)
    multi = shapely.get_type_id(geoms) == 5  # explode MultiLineStrings only: parts never join
    parts = (
        np.concatenate([geoms[~multi], shapely.get_parts(geoms[multi])]) if multi.any() else geoms
    )
    lonlat, part_of = shapely.get_coordinates(parts, return_index=True)
    if len(lonlat) < 2:
        msg = "路网中没有任何线段"
        raise NetworkInputError(msg)
    if not np.isfinite(lonlat).all() or (np.abs(lonlat) > [180.0, 90.0]).any():
        msg = "路网坐标须为 WGS84 经纬度（EPSG:4326）；发现超出经纬度范围的坐标"
        raise NetworkInputError(msg)
    metric = CRS.from_user_input(crs) if crs is not None else crs_for_lonlat(lonlat)
    projection = projection_for(metric)
    xy = projection.points_to_local(lonlat)

    vertex_node, node_xy = _merge_vertices(xy)
    same_part = part_of[1:] == part_of[:-1]
    u = vertex_node[:-1][same_part]
    v = vertex_node[1:][same_part]
    u, v = _unique_segments(u, v, len(node_xy))
    length = np.hypot(*(node_xy[v] - node_xy[u]).T)

    n = len(node_xy)
    adjacency = sparse.csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, component = connected_components(adjacency, directed=False)
    component_length = np.bincount(component[u], weights=length, minlength=component.max() + 1)
    largest = int(np.argmax(component_length))
    island = component_length < min_island_m
    island[largest] = False
    return WalkNetwork(
        crs=metric,
        node_xy=node_xy,
        seg_u=u,
        seg_v=v,
        seg_length=length,
        seg_attachable=~island[component[u]],
        node_component=component.astype(np.int32),
    )


def _merge_vertices(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node of every vertex (vertices equal to the millimetre are one node) and node coords.

    Nodes are numbered in order of first appearance (neighbours along a line stay close in
    memory); each node takes the coordinates of its first vertex.
    """
    grid = np.round(xy / NODE_TOLERANCE_M).astype(np.int64)
    low, high = column_bounds(grid)
    grid -= low
    span = high - low + 1
    if span[0] * span[1] < 2**62:
        # One int64 key per vertex, merged by hashing: O(n), no sort.
        node, _ = pd.factorize(grid[:, 0] * span[1] + grid[:, 1])
    else:  # an extent of thousands of kilometres: hash coordinate pairs
        node, _ = pd.MultiIndex.from_arrays([grid[:, 0], grid[:, 1]]).factorize()
    node = node.astype(np.int64)
    # Codes appear in increasing order, so a vertex is a node's first where its code exceeds
    # every code before it.
    first = np.empty(len(node), dtype=bool)
    first[0] = True
    first[1:] = node[1:] > np.maximum.accumulate(node)[:-1]
    return node, xy[first]


def _unique_segments(u: np.ndarray, v: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Drop zero-length segments and repeats of the same pair of nodes (either direction)."""
    keep = u != v
    u, v = u[keep], v[keep]
    low, high = np.minimum(u, v), np.maximum(u, v)
    _, first = np.unique(low * n + high, return_index=True)
    first.sort()
    return u[first], v[first]
