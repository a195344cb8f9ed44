"""Reading an OpenStreetMap extract (``.osm.pbf`` or ``.osm`` XML) with pyosmium, into arrays.

pyosmium (the Python binding of libosmium, maintained by the OSM tools team) streams the file
once: node locations are kept in C++ (``flex_mem``), multipolygons are assembled in C++, and
C++ key filters, one per object type, hand Python only the objects a layer can use (untagged
nodes, street lamps, relations never reach Python). What does reach it is kept as arrays, not
as objects per node:

* a way's vertices come as WKB made in C++ and are appended as raw doubles, all ways' vertices
  in one ``(n, 2)`` array, their node ids in another (:class:`WayTable`);
* areas' WKB is turned into shapely geometries in one array call at the end (:class:`AreaTable`).

That keeps a city-district extract well inside the time and memory targets, where a reader that
builds a Python object per node does not.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import osmium.filter
import shapely

from geo_app.imports.errors import ImportInputError
from geo_app.imports.osm_tags import FENCE_BARRIERS, POI_KEYS, poi_category

#: Keys a node needs to be looked at: barriers and gates on ways, entrances, POIs.
NODE_KEYS = ("barrier", "entrance", *sorted(POI_KEYS))
#: Keys a way needs to be looked at as a line: walkable ways and fences.
WAY_KEYS = ("highway", "barrier")
#: Keys an area (closed way or multipolygon) needs: buildings, land use, POIs.
AREA_KEYS = ("building", "landuse", *sorted(POI_KEYS))
#: Objects read between two progress reports.
PROGRESS_EVERY = 50_000

Tags = dict[str, str]


@dataclass(slots=True)
class OsmNode:
    id: int
    tags: Tags
    lon: float
    lat: float


@dataclass
class WayTable:
    """Ways as arrays: way ``i`` has the vertices ``coords[offsets[i]:offsets[i + 1]]``.

    ``coords`` are (lon, lat) of the nodes whose location is known, in way order, and ``refs``
    their node ids (empty when not asked for).
    """

    ids: np.ndarray
    tags: list[Tags]
    coords: np.ndarray
    offsets: np.ndarray
    refs: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def sizes(self) -> np.ndarray:
        """Vertices of each way."""
        return np.diff(self.offsets)

    def vertex_way(self) -> np.ndarray:
        """The way (row) of each vertex."""
        return np.repeat(np.arange(len(self)), self.sizes)


@dataclass
class AreaTable:
    """Areas: ``osm_ids`` like ``w123`` / ``r45``, their tags and (multi)polygons (WGS84).

    Only buildings, land use and areas a POI rule maps are kept.
    """

    osm_ids: list[str]
    tags: list[Tags]
    geometries: np.ndarray

    def __len__(self) -> int:
        return len(self.osm_ids)


@dataclass
class OsmExtract:
    """What the importer uses from an extract."""

    highways: WayTable
    fences: WayTable
    areas: AreaTable
    barrier_nodes: dict[int, OsmNode] = field(default_factory=dict)
    poi_nodes: list[OsmNode] = field(default_factory=list)  # those a POI rule maps
    broken: int = 0


class _TagReader:
    """Tags of an object as a dict, every key and value string shared through one table.

    pyosmium's public ``TagList`` iterator costs a Python call per tag; its C++ container is
    read directly where present (three times faster; reading tags is the first cost of the
    read), else the public way. Sharing strings: a city has a few hundred distinct keys and
    values like ``yes`` or ``asphalt`` repeated hundreds of thousands of times, a third of
    what the tags would otherwise hold in memory.
    """

    def __init__(self) -> None:
        self._shared: dict[str, str] = {}

    def __call__(self, obj: Any) -> Tags:
        share = self._shared.setdefault
        data = getattr(obj, "_pyosmium_data", None)
        if data is None or not hasattr(data, "tags_next"):
            return {share(tag.k, tag.k): share(tag.v, tag.v) for tag in obj.tags}
        position = data.tags_begin()
        step = data.tags_next
        tags = {}
        for _ in range(data.tags_size()):
            key, value = step(position)
            tags[share(key, key)] = share(value, value)
        return tags


class _WayCollector:
    """Gathers ways' ids, tags, vertices and (``with_refs``) node ids, as flat buffers."""

    def __init__(self, *, with_refs: bool) -> None:
        self.with_refs = with_refs
        self.ids: list[int] = []
        self.tags: list[Tags] = []
        self.sizes: list[int] = []
        self.coords = array("d")
        self.refs = array("q")

    def add(self, way: Any, tags: Tags) -> None:
        """Append ``way``: its vertices as WKB made in C++ (``use_nodes.ALL`` keeps repeated
        nodes, as the way has them), node by node when a location is unknown (cut off by the
        extract)."""
        nodes = way.nodes
        try:
            wkb = bytes.fromhex(_WKB.create_linestring(nodes, use_nodes=_ALL_NODES))
        except (osmium.InvalidLocationError, RuntimeError):
            known = [n for n in nodes if n.location.valid()]
            self.coords.extend([v for n in known for v in (n.lon, n.lat)])
            if self.with_refs:
                self.refs.extend([n.ref for n in known])
            size = len(known)
        else:
            # byte order (1), geometry type (4), number of points (4), then the doubles
            points = np.frombuffer(wkb, dtype="<f8" if wkb[0] == 1 else ">f8", offset=9)
            self.coords.frombytes(points.astype(float).tobytes())
            if self.with_refs:
                self.refs.extend([n.ref for n in nodes])
            size = len(points) // 2
        self.ids.append(way.id)
        self.tags.append(tags)
        self.sizes.append(size)

    def table(self) -> WayTable:
        return WayTable(
            np.asarray(self.ids, dtype=np.int64),
            self.tags,
            np.frombuffer(self.coords, dtype=float).reshape(-1, 2),
            np.concatenate([[0], np.cumsum(self.sizes, dtype=np.int64)]),
            np.frombuffer(self.refs, dtype=np.int64),
        )


_WKB = osmium.geom.WKBFactory()
_ALL_NODES = osmium.geom.use_nodes.ALL


def _used_area(tags: Tags) -> bool:
    """Whether an area is a building, land use or a POI (the only areas a layer uses)."""
    return "landuse" in tags or tags.get("building", "no") != "no" or bool(poi_category(tags))


def _key_filter(keys: tuple[str, ...], kind: Any) -> osmium.filter.KeyFilter:
    """A C++ filter passing objects of ``kind`` with one of ``keys`` (others of any kind)."""
    key_filter = osmium.filter.KeyFilter(*keys)
    key_filter.enable_for(kind)
    return key_filter


def _processor(path: Path) -> osmium.FileProcessor:
    """The file read once, areas assembled, a key filter per object type, no relations."""
    return (
        osmium.FileProcessor(str(path))
        .with_areas(osmium.filter.KeyFilter(*AREA_KEYS))
        .with_filter(osmium.filter.EntityFilter(osmium.osm.NODE | osmium.osm.WAY | osmium.osm.AREA))
        .with_filter(_key_filter(NODE_KEYS, osmium.osm.NODE))
        .with_filter(_key_filter(WAY_KEYS, osmium.osm.WAY))
        .with_filter(_key_filter(AREA_KEYS, osmium.osm.AREA))
    )


#: The endings of the extract files libosmium reads (PBF, XML, compressed XML, O5M, OPL).
EXTRACT_SUFFIXES = (".pbf", ".osm", ".osm.bz2", ".osm.gz", ".o5m", ".opl")


def read_extract(path: str | Path, *, progress: Callable[[int], None] | None = None) -> OsmExtract:
    """Stream ``path`` once and keep the ways, nodes and areas the layers are made from."""
    path = Path(path)
    if not path.is_file():
        msg = f"{path}：文件不存在"
        raise ImportInputError(msg, parameter="EXTRACT")
    if not path.name.lower().endswith(EXTRACT_SUFFIXES):
        msg = (
            f"{path}：不是 OpenStreetMap 提取文件（应为 .osm.pbf 或 .osm，"
            f"实际扩展名为 {''.join(path.suffixes) or '无'}）"
        )
        raise ImportInputError(msg, parameter="EXTRACT")
    highways, fences = _WayCollector(with_refs=True), _WayCollector(with_refs=False)
    barrier_nodes: dict[int, OsmNode] = {}
    poi_nodes: list[OsmNode] = []
    area_ids: list[str] = []
    area_tags: list[Tags] = []
    area_wkb: list[str] = []
    broken = 0
    tag_dict = _TagReader()
    seen = 0
    try:
        for obj in _processor(path):
            seen += 1
            if progress is not None and seen % PROGRESS_EVERY == 0:
                progress(seen)
            tags = tag_dict(obj)
            # isinstance, as obj.is_node() etc. do, so the type checker narrows obj too
            if isinstance(obj, osmium.osm.Node):
                location = obj.location
                node = OsmNode(obj.id, tags, location.lon, location.lat)
                if "barrier" in tags or "entrance" in tags:
                    barrier_nodes[obj.id] = node
                if POI_KEYS & tags.keys() and poi_category(tags) is not None:
                    poi_nodes.append(node)
            elif isinstance(obj, osmium.osm.Way):
                if "highway" in tags:
                    highways.add(obj, tags)
                if tags.get("barrier") in FENCE_BARRIERS:
                    fences.add(obj, tags)
            elif isinstance(obj, osmium.osm.Area) and _used_area(tags):
                try:
                    wkb = _WKB.create_multipolygon(obj)
                except RuntimeError:
                    broken += 1
                    continue
                area_ids.append(f"{'w' if obj.from_way() else 'r'}{obj.orig_id()}")
                area_tags.append(tags)
                area_wkb.append(wkb)
    except RuntimeError as exc:
        msg = f"{path}：无法读取 OpenStreetMap 数据，文件不完整或已损坏（{exc}）"
        raise ImportInputError(msg, parameter="EXTRACT") from exc
    geometries = shapely.from_wkb(np.asarray(area_wkb, dtype=object)) if area_wkb else None
    return OsmExtract(
        highways=highways.table(),
        fences=fences.table(),
        areas=AreaTable(
            area_ids, area_tags, geometries if geometries is not None else np.empty(0, object)
        ),
        barrier_nodes=barrier_nodes,
        poi_nodes=poi_nodes,
        broken=broken,
    )
