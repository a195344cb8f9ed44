"""Reading an OpenStreetMap extract (``.osm.pbf`` or ``.osm`` XML) with pyosmium.

pyosmium (the Python binding of libosmium, maintained by the OSM tools team) streams the file
once: node locations are kept in C++ (``flex_mem``), multipolygons are assembled in C++, and a
C++ key filter hands Python only the objects a layer can use. That keeps a city-district
extract well inside the time and memory targets, where a reader that builds a frame of every
node does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import osmium
import osmium.filter
import shapely
from shapely.geometry.base import BaseGeometry

from geo_app.imports.errors import ImportInputError
from geo_app.imports.osm_tags import FENCE_BARRIERS, POI_KEYS

#: Keys an object needs to be looked at.
WANTED_KEYS = ("highway", "barrier", "entrance", "building", "landuse", *sorted(POI_KEYS))
AREA_KEYS = ("building", "landuse", *sorted(POI_KEYS))


@dataclass
class OsmWay:
    """A way: its id, tags and nodes as (node id, lon, lat)."""

    id: int
    tags: dict[str, str]
    nodes: list[tuple[int, float, float]]


@dataclass
class OsmNode:
    id: int
    tags: dict[str, str]
    lon: float
    lat: float


@dataclass
class OsmArea:
    """A closed way or multipolygon relation: ``osm_id`` like ``w123`` / ``r45``."""

    osm_id: str
    tags: dict[str, str]
    geometry: BaseGeometry


@dataclass
class OsmExtract:
    """What the importer uses from an extract."""

    highways: list[OsmWay] = field(default_factory=list)
    fences: list[OsmWay] = field(default_factory=list)
    barrier_nodes: dict[int, OsmNode] = field(default_factory=dict)
    poi_nodes: list[OsmNode] = field(default_factory=list)
    areas: list[OsmArea] = field(default_factory=list)
    broken: int = 0


def _way_nodes(way: osmium.osm.Way) -> list[tuple[int, float, float]]:
    return [(n.ref, n.lon, n.lat) for n in way.nodes if n.location.valid()]


def read_extract(path: str | Path, *, progress: Callable[[int], None] | None = None) -> OsmExtract:
    """Stream ``path`` once and keep the ways, nodes and areas the layers are made from."""
    path = Path(path)
    if not path.is_file():
        msg = f"{path}：文件不存在"
        raise ImportInputError(msg, parameter="EXTRACT")
    extract = OsmExtract()
    wkb = osmium.geom.WKBFactory()
    processor = (
        osmium.FileProcessor(str(path))
        .with_areas(osmium.filter.KeyFilter(*AREA_KEYS))
        .with_filter(osmium.filter.KeyFilter(*WANTED_KEYS))
    )
    seen = 0
    try:
        for obj in processor:
            seen += 1
            if progress is not None and seen % 50_000 == 0:
                progress(seen)
            tags = {t.k: t.v for t in obj.tags}
            # isinstance, as obj.is_node() etc. do, so the type checker narrows obj too
            if isinstance(obj, osmium.osm.Node):
                node = OsmNode(obj.id, tags, obj.location.lon, obj.location.lat)
                if "barrier" in tags or "entrance" in tags:
                    extract.barrier_nodes[obj.id] = node
                if POI_KEYS & tags.keys():
                    extract.poi_nodes.append(node)
            elif isinstance(obj, osmium.osm.Way):
                if "highway" in tags:
                    extract.highways.append(OsmWay(obj.id, tags, _way_nodes(obj)))
                if tags.get("barrier") in FENCE_BARRIERS:
                    extract.fences.append(OsmWay(obj.id, tags, _way_nodes(obj)))
            elif isinstance(obj, osmium.osm.Area):
                try:
                    geometry = shapely.from_wkb(wkb.create_multipolygon(obj))
                except RuntimeError:
                    extract.broken += 1
                    continue
                prefix = "w" if obj.from_way() else "r"
                extract.areas.append(OsmArea(f"{prefix}{obj.orig_id()}", tags, geometry))
    except RuntimeError as exc:
        msg = f"{path}：无法读取 OpenStreetMap 数据（{exc}）"
        raise ImportInputError(msg, parameter="EXTRACT") from exc
    return extract
