"""``geo-app import osm``: a layer set the service accepts, from an OpenStreetMap extract.

Steps (each reported to ``progress``): read the extract (:mod:`~geo_app.imports.osm_reader`),
fix the community area (``--boundary`` file, ``--bbox``, or the extent of the streets),
find the gated 小区, build the walking paths, buildings (households estimated), POIs, grids
(from ``--grids`` or drafted, :mod:`~geo_app.imports.provisional_grids`) and stations (from
``--stations``), validate the whole set as ``geo-app validate`` does, and write it atomically.
Tag rules are in :mod:`~geo_app.imports.osm_tags`.

Gated 小区: a ``landuse=residential`` area is a 小区 when it is itself tagged
``barrier=wall|fence`` or when such barrier ways run along at least
:data:`ENCLOSED_SHARE` of its outline. Walkers enter only at a gate or entrance node
(:func:`~geo_app.imports.osm_tags.is_gate`) on the outline: a path crossing the outline
anywhere else is cut there (unless it is a bridge or tunnel, which passes over or under).
A barrier node that stops walkers (a locked gate, a wall across the way) cuts its way too.
Cuts leave a :data:`CUT_GAP_M` gap each side, so ways meeting at the cut do not join.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from shapely import STRtree
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from geo_app.imports.columns import match_columns
from geo_app.imports.errors import ImportInputError
from geo_app.imports.layer import to_layer_frame
from geo_app.imports.layerset import check_layers, feature_collection, write_layers
from geo_app.imports.osm_reader import OsmExtract, OsmNode, WayTable, read_extract
from geo_app.imports.osm_tags import (
    NON_RESIDENTIAL_LANDUSE,
    barrier_blocks,
    building_levels,
    display_name,
    estimate_households,
    is_gate,
    is_residential,
    path_kind,
    poi_category,
    why_not_walkable,
)
from geo_app.imports.provisional_grids import draft_grids
from geo_app.imports.reading import WGS84, read_vector
from geo_app.walking.projection import local_crs
from layers.errors import LayerIssue
from layers.quoting import quoted
from layers.schema import SCHEMA_BY_NAME

#: Share of a residential area's outline that walls or fences must follow to make a 小区.
ENCLOSED_SHARE = 0.8
#: How far a wall may lie from the area's outline and still enclose it, metres.
FENCE_SNAP_M = 3.0
#: How close to a crossing of the outline a gate node must be, metres.
GATE_SNAP_M = 3.0
#: Gap left each side of a cut, metres.
CUT_GAP_M = 1.0
#: Entrances within this of a building's outline are its entrances, metres.
ENTRANCE_SNAP_M = 1.0
DEFAULT_BOUNDARY_ID = "community"
PROVISIONAL_LEADER = "待定"

#: shapely type ids
LINESTRING = 1
POLYGONAL_TYPES = (3, 6)  # Polygon, MultiPolygon

Progress = Callable[[str], None]


@dataclass
class OsmImport:
    """The outcome: counts per layer, what was left out and why, warnings, issues, files."""

    counts: dict[str, int] = field(default_factory=dict)
    dropped: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    issues: list[LayerIssue] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    provisional_grids: bool = False


class _Metric:
    """WGS84 ↔ the local metric CRS, for arrays of shapely geometries or of coordinates."""

    def __init__(self, crs: CRS) -> None:
        from pyproj import Transformer

        self.crs = crs
        self._to = Transformer.from_crs(WGS84, crs, always_xy=True)
        self._back = Transformer.from_crs(crs, WGS84, always_xy=True)

    def to_metric(self, geoms: Any) -> Any:
        return shapely.transform(geoms, lambda xy: np.column_stack(self._to.transform(*xy.T)))

    def to_wgs84(self, geoms: Any) -> Any:
        return shapely.transform(geoms, lambda xy: np.column_stack(self._back.transform(*xy.T)))

    def xy(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return np.column_stack(self._to.transform(lon, lat)).reshape(-1, 2)


def _polygonal(geom: BaseGeometry | None) -> BaseGeometry | None:
    """Valid polygonal part of ``geom`` or ``None``."""
    return _polygonal_all(np.asarray([geom], dtype=object))[0]


def _polygonal_all(geoms: np.ndarray) -> np.ndarray:
    """:func:`_polygonal` of each geometry in array calls: made valid where it is not, its
    polygonal parts unioned; ``None`` where nothing polygonal of positive area is left."""
    geoms = np.asarray(geoms, dtype=object).copy()
    result = np.full(len(geoms), None, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    invalid = present & ~shapely.is_valid(geoms)
    geoms[invalid] = shapely.make_valid(geoms[invalid])
    parts, owner = shapely.get_parts(geoms[present], return_index=True)
    polygonal = np.isin(shapely.get_type_id(parts), POLYGONAL_TYPES)
    parts, owner = parts[polygonal], np.flatnonzero(present)[owner[polygonal]]
    if not len(parts):
        return result
    # the union of each geometry's parts, one collection each, as union_all makes it
    rows = np.unique(owner)
    collections = np.asarray(
        shapely.geometrycollections(parts, indices=np.searchsorted(rows, owner))
    )
    unions = np.asarray(shapely.union_all(collections[:, np.newaxis], axis=1))
    kept = ~shapely.is_empty(unions) & (shapely.area(unions) != 0)
    result[rows[kept]] = unions[kept]
    return result


def _first_hits(tree_hits: np.ndarray, count: int, *, lowest: bool = False) -> np.ndarray:
    """For ``STRtree.query`` pairs of ``count`` inputs: each input's first hit (or its lowest
    tree index with ``lowest``), -1 where none."""
    inputs, found = tree_hits
    first = np.full(count, -1, dtype=np.int64)
    if lowest:
        order = np.lexsort((found, inputs))
        inputs, found = inputs[order], found[order]
    unique, position = np.unique(inputs, return_index=True)
    first[unique] = found[position]
    return first


def parse_bbox(text: str) -> BaseGeometry:
    """``W,S,E,N`` in degrees → a polygon; a bad value is refused naming ``--bbox``."""
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError as exc:
        msg = f"--bbox {text!r} 应为 西,南,东,北 四个经纬度数值"
        raise ImportInputError(msg, parameter="--bbox") from exc
    if not all(-180 <= lon <= 180 for lon in (west, east)) or not all(
        -90 <= lat <= 90 for lat in (south, north)
    ):
        msg = f"--bbox {text!r}：经度应在 -180–180°、纬度应在 -90–90° 之间（顺序为 西,南,东,北）"
        raise ImportInputError(msg, parameter="--bbox")
    if not (west < east and south < north):
        msg = f"--bbox {text!r}：应为 西 < 东、南 < 北 的经纬度范围"
        raise ImportInputError(msg, parameter="--bbox")
    return shapely.box(west, south, east, north)


def _boundary_from_file(path: str | Path) -> tuple[BaseGeometry, str, str]:
    frame = read_vector(path)
    area = _polygonal(shapely.union_all(frame.geometry.dropna().values))
    if area is None:
        msg = f"{path}：没有面要素，不能作为社区边界"
        raise ImportInputError(msg, parameter="--boundary")
    columns = match_columns(SCHEMA_BY_NAME["boundary"], frame.columns, {})
    first = frame.iloc[0]
    code = str(first[columns["id"]]) if "id" in columns else DEFAULT_BOUNDARY_ID
    name = str(first[columns["name"]]) if "name" in columns else Path(path).stem
    return area, code, name


def _street_extent(extract: OsmExtract) -> BaseGeometry:
    coords = extract.highways.coords
    if not len(coords):
        msg = "提取文件中没有道路，无法确定范围；请用 --boundary 或 --bbox 指定"
        raise ImportInputError(msg, parameter="EXTRACT")
    return shapely.box(*coords.min(axis=0), *coords.max(axis=0))


def _is_bridge_or_tunnel(tags: dict[str, str]) -> bool:
    return any(tags.get(k, "no") not in ("no", "0") for k in ("bridge", "tunnel")) or (
        tags.get("layer", "0") not in ("0", "")
    )


@dataclass
class _Ways:
    """The walkable ways: their rows in the extract's highway table, kinds and lines (metres),
    where they are cut (distances along, by position) and which pass a 小区 gate."""

    rows: np.ndarray
    kinds: list[str]
    lines: np.ndarray
    cuts: dict[int, list[float]] = field(default_factory=dict)
    gate: set[int] = field(default_factory=set)


@dataclass
class _Compound:
    osm_id: str
    name: str
    polygon: BaseGeometry  # metres
    gates: int = 0


class _Builder:
    """Turns an extract into layer frames, in metres until written."""

    def __init__(self, extract: OsmExtract, area_wgs84: BaseGeometry, result: OsmImport) -> None:
        self.extract = extract
        self.result = result
        centre = area_wgs84.centroid
        self.metric = _Metric(local_crs(centre.x, centre.y))
        self.area = self.metric.to_metric(area_wgs84)
        shapely.prepare(self.area)
        areas = extract.areas
        rows = [i for i, tags in enumerate(areas.tags) if "landuse" in tags]
        metric = self.metric.to_metric(areas.geometries[rows])
        #: (area row, polygon in metres) of every landuse area
        self.landuse = list(zip(rows, metric, strict=True))

    def _lines(self, table: WayTable, rows: np.ndarray) -> np.ndarray:
        """The ways ``rows`` of ``table`` (two vertices or more each) as lines in metres."""
        sizes = table.sizes[rows]
        if not len(rows):
            return np.empty(0, dtype=object)
        vertex = np.repeat(table.offsets[rows] - np.r_[0, np.cumsum(sizes)[:-1]], sizes)
        vertex += np.arange(int(sizes.sum()))
        lonlat = table.coords[vertex]
        xy = self.metric.xy(lonlat[:, 0], lonlat[:, 1])
        return np.asarray(shapely.linestrings(xy, indices=np.repeat(np.arange(len(rows)), sizes)))

    def _points(self, nodes: list[OsmNode]) -> np.ndarray:
        """Nodes as (x, y) in metres."""
        return self.metric.xy(
            np.array([n.lon for n in nodes], dtype=float),
            np.array([n.lat for n in nodes], dtype=float),
        )

    # --- 小区 -----------------------------------------------------------------------------
    def compounds(self) -> list[_Compound]:
        table = self.extract.fences
        fences = self._lines(table, np.flatnonzero(table.sizes >= 2))
        fence_tree = STRtree(fences) if len(fences) else None
        found = []
        for row, polygon in self.landuse:
            tags = self.extract.areas.tags[row]
            if tags.get("landuse") != "residential":
                continue
            polygon = _polygonal(polygon)
            if polygon is None or not self.area.contains(polygon.representative_point()):
                continue
            if not self._enclosed(tags, polygon, fences, fence_tree):
                continue
            osm_id = self.extract.areas.osm_ids[row]
            found.append(_Compound(osm_id, display_name(tags) or f"小区 {osm_id}", polygon))
        return found

    @staticmethod
    def _enclosed(
        tags: dict[str, str], polygon: BaseGeometry, fences: np.ndarray, tree: STRtree | None
    ) -> bool:
        if tags.get("barrier") in ("wall", "fence"):
            return True
        if tree is None:
            return False
        outline = polygon.boundary
        near = tree.query(outline, predicate="dwithin", distance=FENCE_SNAP_M)
        if not len(near):
            return False
        walls = shapely.union_all(shapely.buffer(fences[near], FENCE_SNAP_M))
        return outline.intersection(walls).length >= ENCLOSED_SHARE * outline.length

    # --- paths ----------------------------------------------------------------------------
    def ways(self) -> _Ways:
        table = self.extract.highways
        # a way walked on needs two distinct locations: one vertex away from its first
        moved = np.zeros(len(table), dtype=bool)
        if len(table.coords):
            vertex_way = table.vertex_way()
            away = (table.coords != table.coords[table.offsets[vertex_way]]).any(axis=1)
            moved[vertex_way[away]] = True
        rows, kinds = [], []
        for row, tags in enumerate(table.tags):
            kind = path_kind(tags)
            if kind is None:
                self.result.dropped[why_not_walkable(tags)] += 1
            elif not moved[row]:
                self.result.dropped["道路节点缺失"] += 1
            else:
                rows.append(row)
                kinds.append(kind)
        ways = _Ways(np.asarray(rows, dtype=np.int64), kinds, self._lines(table, np.asarray(rows)))
        self._cut_at_barriers(ways)
        return ways

    def _cut_at_barriers(self, ways: _Ways) -> None:
        """Cut each way at its barrier nodes that stop walkers."""
        table = self.extract.highways
        blocking = [
            i for i, node in self.extract.barrier_nodes.items() if barrier_blocks(node.tags)
        ]
        vertices = np.flatnonzero(np.isin(table.refs, np.asarray(blocking, dtype=np.int64)))
        if not len(vertices):
            return
        position = np.full(len(table), -1, dtype=np.int64)
        position[ways.rows] = np.arange(len(ways.rows))
        row_of = np.searchsorted(table.offsets, vertices, side="right") - 1
        for row in np.unique(row_of[position[row_of] >= 0]).tolist():
            line = ways.lines[position[row]]
            coords = shapely.get_coordinates(line)
            along = np.r_[0.0, np.cumsum(np.hypot(*np.diff(coords, axis=0).T))]
            for i in (vertices[row_of == row] - table.offsets[row]).tolist():
                ways.cuts.setdefault(int(position[row]), []).append(float(along[i]))
                self.result.dropped["路上有不可通行的障碍（已在该处断开）"] += 1

    def apply_compound_gates(self, ways: _Ways, compounds: list[_Compound]) -> None:
        """Cut ways where they cross a 小区 outline away from a gate; count each 小区's gates."""
        if not compounds or not len(ways.lines):
            return
        gate_nodes = [n for n in self.extract.barrier_nodes.values() if is_gate(n.tags)]
        gate_position = {n.id: i for i, n in enumerate(gate_nodes)}
        gate_points = np.asarray(shapely.points(self._points(gate_nodes)), dtype=object)
        gate_tree = STRtree(gate_points) if gate_nodes else None
        outlines = [c.polygon.boundary for c in compounds]
        for compound, outline in zip(compounds, outlines, strict=True):
            if gate_tree is not None:
                compound.gates = len(
                    gate_tree.query(outline, predicate="dwithin", distance=GATE_SNAP_M)
                )
            if compound.gates == 0:
                self.result.warnings.append(
                    f"小区 {compound.name}（{compound.osm_id}）没有标注大门"
                    "（barrier=gate 或 entrance），步行无法进出"
                )
        table = self.extract.highways
        line_tree = STRtree(ways.lines)
        way_idx, outline_idx = line_tree.query(outlines, predicate="intersects")[::-1]
        for w, o in zip(way_idx.tolist(), outline_idx.tolist(), strict=True):
            row = int(ways.rows[w])
            if _is_bridge_or_tunnel(table.tags[row]):
                continue
            refs = table.refs[table.offsets[row] : table.offsets[row + 1]].tolist()
            own_gates = [gate_points[gate_position[n]] for n in refs if n in gate_position]
            line = ways.lines[w]
            crossing = line.intersection(outlines[o])
            for point in shapely.get_parts(crossing):
                if point.geom_type != "Point":
                    continue
                if any(point.distance(g) <= GATE_SNAP_M for g in own_gates):
                    ways.gate.add(w)
                else:
                    ways.cuts.setdefault(w, []).append(line.project(point))
                    self.result.dropped["穿越小区围墙处（无大门，已断开）"] += 1

    def path_frame(self, ways: _Ways, compounds: list[_Compound]) -> gpd.GeoDataFrame:
        """One path per part of each way piece (between cuts) inside the area."""
        pieces, piece_way, piece_suffix = [], [], []
        for position, line in enumerate(ways.lines):
            cuts = ways.cuts.get(position)
            if not cuts:
                pieces.append(line)
                piece_way.append(position)
                piece_suffix.append("")
                continue
            cut = _pieces(line, cuts)
            pieces.extend(cut)
            piece_way.extend([position] * len(cut))
            piece_suffix.extend(f"-{n + 1}" if len(cut) > 1 else "" for n in range(len(cut)))
        clipped = shapely.line_merge(
            shapely.intersection(np.asarray(pieces, dtype=object), self.area)
        )
        parts, piece = shapely.get_parts(clipped, return_index=True)
        keep = (shapely.get_type_id(parts) == LINESTRING) & (shapely.length(parts) > 0)
        parts, piece = parts[keep], piece[keep]
        way_of = np.asarray(piece_way, dtype=np.int64)[piece]
        kinds = np.asarray(ways.kinds, dtype=object)[way_of]
        if len(parts) and compounds:
            plain = kinds != "crossing"
            middles = shapely.line_interpolate_point(parts[plain], 0.5, normalized=True)
            inside = STRtree([c.polygon for c in compounds]).query(middles, predicate="within")
            internal = np.flatnonzero(plain)[np.unique(inside[0])]
            kinds[internal] = "internal"
        if ways.gate:
            kinds[np.isin(way_of, list(ways.gate))] = "gate"
        table = self.extract.highways
        osm_ids, rows = table.ids.tolist(), ways.rows[way_of].tolist()
        ids = [f"w{osm_ids[r]}{piece_suffix[p]}" for r, p in zip(rows, piece.tolist(), strict=True)]
        names = [display_name(table.tags[r]) for r in rows]
        frame = self._frame({"id": ids, "kind": kinds.tolist(), "name": names}, parts)
        # a way clipped into several parts by the boundary: number the parts
        dup = frame["id"].duplicated(keep=False)
        if dup.any():
            frame.loc[dup, "id"] = (
                frame.loc[dup, "id"] + "-" + (frame[dup].groupby("id").cumcount() + 1).astype(str)
            )
        return frame

    # --- buildings, POIs --------------------------------------------------------------------
    def buildings(self, compounds: list[_Compound]) -> gpd.GeoDataFrame:
        areas = self.extract.areas
        candidates = [i for i, tags in enumerate(areas.tags) if tags.get("building", "no") != "no"]
        polygons = _polygonal_all(self.metric.to_metric(areas.geometries[candidates]))
        valid = ~shapely.is_missing(polygons)
        if not valid.all():
            self.result.dropped["楼栋几何无效"] += int((~valid).sum())
        anchors = shapely.point_on_surface(polygons[valid])
        inside = shapely.contains(self.area, anchors)
        rows = np.asarray(candidates, dtype=np.int64)[valid][inside]
        polygons, anchors = polygons[valid][inside], anchors[inside]
        count = len(rows)
        compound_of = np.full(count, -1)
        if compounds:
            tree = STRtree([c.polygon for c in compounds])
            compound_of = _first_hits(tree.query(anchors, predicate="within"), count)
        landuse = [(r, p, areas.tags[r].get("landuse")) for r, p in self.landuse]
        residential = _AreaIndex([(r, p) for r, p, use in landuse if use == "residential"])
        other = _AreaIndex([(r, p) for r, p, use in landuse if use in NON_RESIDENTIAL_LANDUSE])
        in_other = other.first_containing(anchors) >= 0
        in_residential = residential.first_containing(anchors)
        footprint = shapely.area(polygons)
        data: dict[str, list[Any]] = {
            k: [] for k in ("id", "name", "compound", "floors", "units", "households", "residents")
        }
        for n, row in enumerate(rows.tolist()):
            tags = areas.tags[row]
            levels = building_levels(tags)
            households, residents, units = estimate_households(
                float(footprint[n]),
                levels,
                residential=is_residential(tags, in_non_residential_area=bool(in_other[n])),
            )
            if compound_of[n] >= 0:
                compound = compounds[compound_of[n]].name
            else:
                around = in_residential[n]
                compound = (
                    (display_name(areas.tags[around]) if around >= 0 else None)
                    or tags.get("addr:street")
                    or "未归属小区"
                )
            osm_id = areas.osm_ids[row]
            for key, value in (
                ("id", osm_id),
                ("name", display_name(tags) or f"楼栋 {osm_id}"),
                ("compound", compound),
                ("floors", levels),
                ("units", units),
                ("households", households),
                ("residents", residents),
            ):
                data[key].append(value)
        data["estimated"] = [True] * count
        entrances = self._entrances(polygons)
        if any(e is not None for e in entrances):
            data["entrances"] = entrances
        return self._frame(data, polygons)

    def _entrances(self, polygons: np.ndarray) -> list[list[list[float]] | None]:
        """Each building's entrances (lon, lat) within :data:`ENTRANCE_SNAP_M` of its outline."""
        found: list[list[list[float]] | None] = [None] * len(polygons)
        nodes = [n for n in self.extract.barrier_nodes.values() if "entrance" in n.tags]
        if not nodes or not len(polygons):
            return found
        points = np.asarray(shapely.points(self._points(nodes)), dtype=object)
        lonlat = shapely.get_coordinates(self.metric.to_wgs84(points))
        building, entrance = STRtree(points).query(
            shapely.boundary(polygons), predicate="dwithin", distance=ENTRANCE_SNAP_M
        )
        order = np.lexsort((entrance, building))
        for b, e in zip(building[order].tolist(), entrance[order].tolist(), strict=True):
            if found[b] is None:
                found[b] = []
            found[b].append([round(lonlat[e, 0], 7), round(lonlat[e, 1], 7)])
        return found

    def pois(self) -> gpd.GeoDataFrame:
        data: dict[str, list[Any]] = {"id": [], "name": [], "category": []}
        lon, lat = [], []
        for node in self.extract.poi_nodes:
            category = poi_category(node.tags)
            if category:
                data["id"].append(f"n{node.id}")
                data["name"].append(display_name(node.tags) or category)
                data["category"].append(category)
                lon.append(node.lon)
                lat.append(node.lat)
        areas = self.extract.areas
        poi_areas = []
        for row, tags in enumerate(areas.tags):
            category = poi_category(tags)
            if category:
                data["id"].append(areas.osm_ids[row])
                data["name"].append(display_name(tags) or category)
                data["category"].append(category)
                poi_areas.append(row)
        points = np.concatenate(
            [
                np.asarray(shapely.points(np.column_stack([lon, lat]).reshape(-1, 2))),
                shapely.point_on_surface(areas.geometries[poi_areas]),
            ]
        )
        metric = self.metric.to_metric(points)
        inside = np.flatnonzero(shapely.contains(self.area, metric))
        return self._frame({k: [v[i] for i in inside] for k, v in data.items()}, metric[inside])

    def _frame(self, columns: dict[str, list[Any]], geoms: Any) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=self.metric.crs)


class _AreaIndex:
    """OSM areas (in metres) indexed for "which contain these points"."""

    def __init__(self, areas: list[tuple[int, BaseGeometry]]) -> None:
        self.rows = np.asarray([r for r, _ in areas], dtype=np.int64)
        self.tree = STRtree([p for _, p in areas]) if areas else None

    def first_containing(self, points: np.ndarray) -> np.ndarray:
        """Row of the first area (in extract order) containing each point, -1 where none."""
        if self.tree is None:
            return np.full(len(points), -1, dtype=np.int64)
        first = _first_hits(self.tree.query(points, predicate="within"), len(points), lowest=True)
        return np.where(first >= 0, self.rows[np.maximum(first, 0)], -1)


def _pieces(line: shapely.LineString, cuts: list[float]) -> list[BaseGeometry]:
    """``line`` without a :data:`CUT_GAP_M` gap either side of each cut distance."""
    pieces, start = [], 0.0
    for cut in sorted(cuts):
        end = cut - CUT_GAP_M
        if end - start > 0:
            pieces.append(substring(line, start, end))
        start = max(start, cut + CUT_GAP_M)
    if line.length - start > 0:
        pieces.append(substring(line, start, line.length))
    return [p for p in pieces if p.geom_type == "LineString" and p.length > 0]


def _grids_from_file(
    path: str | Path, builder: _Builder, boundary_id: str, result: OsmImport
) -> gpd.GeoDataFrame:
    frame = read_vector(path)
    grids, _, notes = to_layer_frame(frame, SCHEMA_BY_NAME["grids"], {})
    result.notes.extend(f"{path}：{n}" for n in notes)
    for column, default in (("parent", boundary_id), ("leader", PROVISIONAL_LEADER)):
        if column not in grids or grids[column].isna().any():
            result.notes.append(f"{path}：缺少 {column} 的网格填为 {quoted(default)}")
            grids[column] = grids.get(column, None)
            grids[column] = grids[column].where(grids[column].notna(), default)
    return grids.to_crs(builder.metric.crs)


def _provisional_grids(
    builder: _Builder, ways: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, boundary_id: str
) -> gpd.GeoDataFrame:
    streets = list(ways.geometry[ways["kind"] == "street"]) if len(ways) else []
    anchors = shapely.get_coordinates(buildings.geometry.representative_point())
    drafts = draft_grids(
        streets, builder.area, anchors, buildings["households"].to_numpy(dtype=int)
    )
    numbers = range(1, len(drafts) + 1)
    columns: dict[str, list[Any]] = {
        "id": [f"{boundary_id}-{n:02d}" for n in numbers],
        "name": [f"暂定网格 {n:02d}" for n in numbers],
        "parent": [boundary_id] * len(drafts),
        "leader": [PROVISIONAL_LEADER] * len(drafts),
        "provisional": [True] * len(drafts),
    }
    return builder._frame(columns, [d.geometry for d in drafts])


def _assign_grids(points: gpd.GeoSeries, grids: gpd.GeoDataFrame) -> list[str | None]:
    """Grid id of each point: the grid containing it, else the nearest (``None`` if no grid).

    Grids do not overlap, so a point inside one has no other at distance 0: the containment
    test (prepared, fast) answers those, the nearest-grid search only the rest.
    """
    if grids.empty or points.empty:
        return [None] * len(points)
    tree = STRtree(list(grids.geometry))
    pts = np.asarray(points.values, dtype=object)
    found = _first_hits(tree.query(pts, predicate="within"), len(pts))
    rest = np.flatnonzero(found < 0)
    if len(rest):
        _, nearest = tree.query_nearest(pts[rest], all_matches=False)
        found[rest] = nearest
    ids = grids["id"].tolist()
    return [ids[int(i)] for i in found]


def _stations(
    path: str | Path, builder: _Builder, grids: gpd.GeoDataFrame, result: OsmImport
) -> gpd.GeoDataFrame:
    frame = read_vector(path)
    stations, _, notes = to_layer_frame(frame, SCHEMA_BY_NAME["stations"], {})
    result.notes.extend(f"{path}：{n}" for n in notes)
    stations = stations.to_crs(builder.metric.crs)
    if "grid_id" not in stations or stations["grid_id"].isna().any():
        assigned = _assign_grids(stations.geometry, grids)
        current = stations["grid_id"] if "grid_id" in stations else [None] * len(stations)
        stations["grid_id"] = [
            c if c is not None else a for c, a in zip(current, assigned, strict=True)
        ]
    return stations


def import_osm(
    extract_path: str | Path,
    *,
    out: str | Path,
    boundary: str | Path | None = None,
    bbox: str | None = None,
    grids: str | Path | None = None,
    stations: str | Path | None = None,
    progress: Progress | None = None,
) -> OsmImport:
    """Build and (when valid) write the layer set of ``extract_path`` into ``out``."""
    say = progress or (lambda _message: None)
    if boundary is not None and bbox is not None:
        msg = "--boundary 与 --bbox 只能给一个"
        raise ImportInputError(msg, parameter="--bbox")
    result = OsmImport()
    frames = _layer_frames(
        extract_path,
        boundary=boundary,
        bbox=bbox,
        grids=grids,
        stations=stations,
        result=result,
        say=say,
    )  # the extract is freed here: only the frames are kept
    if frames["paths"].empty:
        raise _nothing_walkable(extract_path, boundary=boundary, bbox=bbox)
    say("生成 GeoJSON …")
    texts = {}
    for name in list(frames):
        frame = frames.pop(name)  # each frame freed once it is text
        wgs84 = frame.to_crs(WGS84) if len(frame) else frame.set_crs(WGS84, allow_override=True)
        if name not in ("paths", "stations", "pois"):
            wgs84 = wgs84.set_geometry(list(_rounded_polygons(wgs84.geometry.values)))
        texts[name] = feature_collection(SCHEMA_BY_NAME[name], wgs84)
        result.counts[name] = len(frame)
    say("校验 …")
    check = check_layers(out, texts)
    result.issues = check.issues
    if not result.issues:
        result.written = write_layers(out, texts)
    return result


def _nothing_walkable(
    extract_path: str | Path, *, boundary: str | Path | None, bbox: str | None
) -> ImportInputError:
    """The refusal of an area without one walkable way: nothing would be left to walk on."""
    if bbox is not None:
        parameter, hint = f"--bbox {bbox}", "（范围与提取文件重叠吗？顺序为 西,南,东,北）"
    elif boundary is not None:
        parameter, hint = f"--boundary {boundary}", "（边界与提取文件重叠吗？）"
    else:
        parameter, hint = "EXTRACT", ""
    where = f"{parameter} 范围内" if hint else ""
    msg = f"{extract_path}：{where}没有可步行的道路，未写入任何文件{hint}"
    return ImportInputError(msg, parameter=parameter.split(" ")[0])


def _layer_frames(
    extract_path: str | Path,
    *,
    boundary: str | Path | None,
    bbox: str | None,
    grids: str | Path | None,
    stations: str | Path | None,
    result: OsmImport,
    say: Progress,
) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the extract as a frame in metres, in the order they are written."""
    say(f"读取 {extract_path} …")
    extract = read_extract(extract_path, progress=lambda n: say(f"  已读 {n:,} 个对象"))
    if boundary is not None:
        area, boundary_id, boundary_name = _boundary_from_file(boundary)
    else:
        area = parse_bbox(bbox) if bbox is not None else _street_extent(extract)
        boundary_id, boundary_name = DEFAULT_BOUNDARY_ID, f"导入范围（{Path(extract_path).name}）"
    builder = _Builder(extract, area, result)
    say("识别封闭小区与大门 …")
    compounds = builder.compounds()
    say("整理步行路网 …")
    ways = builder.ways()
    builder.apply_compound_gates(ways, compounds)
    paths = builder.path_frame(ways, compounds)
    say("整理楼栋与便民设施 …")
    buildings = builder.buildings(compounds)
    pois = builder.pois()
    say("划分网格 …")
    if grids is not None:
        grid_frame = _grids_from_file(grids, builder, boundary_id, result)
    else:
        grid_frame = _provisional_grids(builder, paths, buildings, boundary_id)
        result.provisional_grids = True
    buildings["grid_id"] = _assign_grids(buildings.geometry.representative_point(), grid_frame)
    station_frame = (
        _stations(stations, builder, grid_frame, result)
        if stations is not None
        else builder._frame({}, [])
    )
    return {
        "boundary": builder._frame({"id": [boundary_id], "name": [boundary_name]}, [builder.area]),
        "grids": grid_frame,
        "buildings": buildings,
        "stations": station_frame,
        "paths": paths,
        "pois": pois,
        "compounds": builder._frame(
            {"id": [c.osm_id for c in compounds], "name": [c.name for c in compounds]},
            [c.polygon for c in compounds],
        ),
    }


def _rounded_polygons(geoms: Any) -> np.ndarray:
    """Each geometry as written (1e-7°), repaired if rounding made it invalid."""
    geoms = np.asarray(geoms, dtype=object)
    repaired = _polygonal_all(shapely.set_precision(geoms, 1e-7))
    return np.where(shapely.is_missing(repaired), geoms, repaired)
