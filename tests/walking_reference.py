"""An independent reference for the walking-engine tests: networkx on geometry split by hand.

Nothing here uses ``geo_app.walking``: lines are projected with pyproj, nodes are exact vertex
coordinates, each point is attached by brute force to the nearest segment (shapely distance),
its segment is split at the foot and an access edge added, and networkx's Dijkstra measures.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer

HEFEI_METRIC = "EPSG:4548"
ORIGIN_LONLAT = (117.26, 31.96)  # 金宁社区, roughly
_TO_METRIC = Transformer.from_crs("EPSG:4326", HEFEI_METRIC, always_xy=True)
_TO_LONLAT = Transformer.from_crs(HEFEI_METRIC, "EPSG:4326", always_xy=True)
X0, Y0 = _TO_METRIC.transform(*ORIGIN_LONLAT)


def frame(geoms: Sequence[shapely.Geometry]) -> gpd.GeoDataFrame:
    """Lon/lat geometries as a GeoDataFrame in WGS84."""
    return gpd.GeoDataFrame(geometry=list(geoms), crs="EPSG:4326")


def lonlat(xy: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """Local metres (offsets from :data:`ORIGIN_LONLAT` in EPSG:4548) → (n, 2) lon/lat."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    lon, lat = _TO_LONLAT.transform(xy[:, 0] + X0, xy[:, 1] + Y0)
    return np.column_stack([lon, lat])


def line(*xy: tuple[float, float]) -> shapely.LineString:
    """A lon/lat LineString through local-metre vertices."""
    return shapely.LineString(lonlat(xy))


@lru_cache(maxsize=8)
def to_metric(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def metres(points_lonlat: np.ndarray, crs: str = HEFEI_METRIC) -> np.ndarray:
    tf = to_metric(crs)
    x, y = tf.transform(points_lonlat[:, 0], points_lonlat[:, 1])
    return np.column_stack([x, y])


class ReferenceNetwork:
    """The same walking network, built the plain way."""

    def __init__(
        self,
        geoms: Sequence[shapely.Geometry],
        *,
        crs: str = HEFEI_METRIC,
        min_island_m: float = 500.0,
    ) -> None:
        self.crs = crs
        tf = to_metric(crs)
        self.graph = nx.Graph()
        segments: set[tuple[tuple[float, float], tuple[float, float]]] = set()
        for geom in geoms:
            for part in shapely.get_parts(geom):
                coords = np.asarray(part.coords)[:, :2]
                x, y = tf.transform(coords[:, 0], coords[:, 1])
                vertices = list(zip(x.tolist(), y.tolist(), strict=True))
                for a, b in itertools.pairwise(vertices):
                    if a != b:
                        self.graph.add_edge(a, b, weight=float(np.hypot(b[0] - a[0], b[1] - a[1])))
                        segments.add((min(a, b), max(a, b)))
        parts = list(nx.connected_components(self.graph))
        length = [self.graph.subgraph(c).size(weight="weight") for c in parts]
        largest = int(np.argmax(length))
        islands = {
            node
            for i, c in enumerate(parts)
            if i != largest and length[i] < min_island_m
            for node in c
        }
        self.segments = sorted(s for s in segments if s[0] not in islands)
        self.lines = [shapely.LineString(s) for s in self.segments]

    def attach(self, xy: np.ndarray) -> tuple[int, float, float]:
        """Brute force: (segment, distance along it from its first end, access distance)."""
        point = shapely.Point(xy)
        dist = shapely.distance(point, self.lines)
        best = int(np.argmin(dist))
        return best, float(self.lines[best].project(point)), float(dist[best])

    def with_points(self, xy: np.ndarray, *, max_attach_m: float) -> tuple[nx.Graph, list[bool]]:
        """The graph with every point attached (node ``("p", i)``) and which attached."""
        graph = self.graph.copy()
        feet: dict[int, list[tuple[float, int]]] = defaultdict(list)
        attached = []
        for i, p in enumerate(xy):
            seg, along, access = self.attach(p)
            attached.append(access <= max_attach_m)
            if access <= max_attach_m:
                feet[seg].append((along, i))
                graph.add_edge(("p", i), ("foot", i), weight=access)
        for seg, on in feet.items():
            a, b = self.segments[seg]
            total = graph[a][b]["weight"]
            graph.remove_edge(a, b)
            chain = [(0.0, a)] + [(along, ("foot", i)) for along, i in sorted(on)] + [(total, b)]
            for (s0, n0), (s1, n1) in itertools.pairwise(chain):
                graph.add_edge(n0, n1, weight=max(s1 - s0, 0.0))
        return graph, attached

    def distance_matrix(
        self, origins_lonlat: np.ndarray, targets_lonlat: np.ndarray, *, max_attach_m: float = 300.0
    ) -> np.ndarray:
        """Walking metres origin → target (inf where unreachable or unattached)."""
        points = np.vstack([metres(origins_lonlat, self.crs), metres(targets_lonlat, self.crs)])
        graph, attached = self.with_points(points, max_attach_m=max_attach_m)
        n_o = len(origins_lonlat)
        matrix = np.full((n_o, len(targets_lonlat)), np.inf)
        for i in range(n_o):
            if not attached[i]:
                continue
            reach = nx.single_source_dijkstra_path_length(graph, ("p", i), weight="weight")
            for j in range(len(targets_lonlat)):
                node = ("p", n_o + j)
                if attached[n_o + j] and node in reach:
                    matrix[i, j] = reach[node]
        return matrix
