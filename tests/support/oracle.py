"""The one independent reference for walking distances: networkx on geometry split by hand.

Nothing here uses ``geo_app.walking``: lines are projected with pyproj (or given in plan
metres), nodes are exact vertex coordinates (lines meet only at shared vertices), each point is
attached by brute force to the nearest segment (shapely distance), that segment is split at the
foot, an access edge is added, and networkx's Dijkstra measures.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import networkx as nx
import numpy as np
import shapely

from support.geo import HEFEI_METRIC, metres, to_metric

Vertex = tuple[float, float]


class ReferenceNetwork:
    """A walking network built the plain way, from lon/lat lines (projected to ``crs``).

    Parts shorter than ``min_island_m`` (other than the longest) are dropped, as the service
    drops islands; ``min_island_m=0`` keeps everything.
    """

    def __init__(
        self,
        geoms: Sequence[shapely.Geometry],
        *,
        crs: str = HEFEI_METRIC,
        min_island_m: float = 500.0,
    ) -> None:
        tf = to_metric(crs)
        polylines = []
        for geom in geoms:
            for part in shapely.get_parts(geom):
                coords = np.asarray(part.coords)[:, :2]
                x, y = tf.transform(coords[:, 0], coords[:, 1])
                polylines.append(list(zip(x.tolist(), y.tolist(), strict=True)))
        self.crs = crs
        self._build(polylines, min_island_m=min_island_m)

    @classmethod
    def from_plan(
        cls, lines_xy: Iterable[Sequence[Vertex]], *, decimals: int = 3
    ) -> ReferenceNetwork:
        """A network of plan polylines already in metres (vertices rounded to ``decimals``),
        with every part kept."""
        network = cls.__new__(cls)
        network.crs = None
        rounded = [[(round(x, decimals), round(y, decimals)) for x, y in line] for line in lines_xy]
        network._build(rounded, min_island_m=0.0)
        return network

    def _build(self, polylines: Iterable[Sequence[Vertex]], *, min_island_m: float) -> None:
        self.graph = nx.Graph()
        segments: set[tuple[Vertex, Vertex]] = set()
        for vertices in polylines:
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

    def vertex(self, lon: float, lat: float) -> Vertex:
        """The graph node of a lon/lat line vertex (its exact projected coordinates)."""
        x, y = metres(np.array([[lon, lat]]), self.crs)[0]
        return (float(x), float(y))

    def attach(self, xy: Sequence[float] | np.ndarray) -> tuple[int, float, float]:
        """Brute force: (segment, distance along it from its first end, access distance)."""
        point = shapely.Point(xy)
        dist = shapely.distance(point, self.lines)
        best = int(np.argmin(dist))
        return best, float(self.lines[best].project(point)), float(dist[best])

    def with_points(self, xy: np.ndarray, *, max_attach_m: float) -> tuple[nx.Graph, list[bool]]:
        """The graph with every point (metres) attached as node ``("p", i)``, and which did."""
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

    def walk_m(self, start: Vertex, end: Vertex, *, max_attach_m: float = math.inf) -> float:
        """Walking metres between two points given in the network's metres (inf: no walk)."""
        graph, attached = self.with_points(np.array([start, end], float), max_attach_m=max_attach_m)
        if not all(attached):
            return math.inf
        try:
            return float(nx.shortest_path_length(graph, ("p", 0), ("p", 1), weight="weight"))
        except nx.NetworkXNoPath:
            return math.inf

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

    def to_nearest(
        self, origins_lonlat: np.ndarray, targets_lonlat: np.ndarray, *,
        max_attach_m: float = math.inf,
    ) -> list[float]:
        """Walking metres from each origin to its nearest target (inf when none is reachable)."""
        origins_lonlat = np.asarray(origins_lonlat, dtype=float).reshape(-1, 2)
        targets_lonlat = np.asarray(targets_lonlat, dtype=float).reshape(-1, 2)
        n_o = len(origins_lonlat)
        points = np.vstack([metres(origins_lonlat, self.crs), metres(targets_lonlat, self.crs)])
        graph, attached = self.with_points(points, max_attach_m=max_attach_m)
        sources = [("p", n_o + j) for j in range(len(targets_lonlat)) if attached[n_o + j]]
        reach = nx.multi_source_dijkstra_path_length(graph, sources, weight="weight")
        return [float(reach.get(("p", i), math.inf)) for i in range(n_o)]


def reference_walk_m(lines_xy: Iterable[Sequence[Vertex]], start: Vertex, end: Vertex) -> float:
    """Shortest walk (metres) between two plan points over plan polylines, access legs included."""
    return ReferenceNetwork.from_plan(lines_xy).walk_m(start, end)
