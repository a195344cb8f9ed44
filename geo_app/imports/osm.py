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
from geo_app.imports.osm_reader import OsmExtract, OsmWay, read_extract
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
    """WGS84 ↔ the local metric CRS, for shapely geometries."""

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
        return np.column_stack(self._to.transform(lon, lat))


def _polygonal(geom: BaseGeometry | None) -> BaseGeometry | None:
    """Valid polygonal part of ``geom`` or ``None``."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    result = shapely.union_all(parts)
    return None if result.is_empty or result.area == 0 else result


def parse_bbox(text: str) -> BaseGeometry:
    """``W,S,E,N`` in degrees → a polygon; a bad value is refused naming ``--bbox``."""
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError as exc:
        msg = f"--bbox {text!r} 应为 西,南,东,北 四个经纬度数值"
        raise ImportInputError(msg, parameter="--bbox") from exc
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
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
    coords = np.array([(lon, lat) for w in extract.highways for _, lon, lat in w.nodes])
    if not len(coords):
        msg = "提取文件中没有道路，无法确定范围；请用 --boundary 或 --bbox 指定"
        raise ImportInputError(msg, parameter="EXTRACT")
    return shapely.box(*coords.min(axis=0), *coords.max(axis=0))


def _is_bridge_or_tunnel(tags: dict[str, str]) -> bool:
    return any(tags.get(k, "no") not in ("no", "0") for k in ("bridge", "tunnel")) or (
        tags.get("layer", "0") not in ("0", "")
    )


@dataclass
class _Way:
    osm: OsmWay
    kind: str
    line: shapely.LineString  # metres
    cuts: list[float] = field(default_factory=list)
    gate: bool = False


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
        self.landuse = [
            (a, self.metric.to_metric(a.geometry)) for a in extract.areas if "landuse" in a.tags
        ]

    # --- 小区 -----------------------------------------------------------------------------
    def compounds(self) -> list[_Compound]:
        fence_lines = [
            shapely.LineString([(lon, lat) for _, lon, lat in w.nodes])
            for w in self.extract.fences
            if len(w.nodes) >= 2
        ]
        fences = self.metric.to_metric(np.asarray(fence_lines, dtype=object))
        fence_tree = STRtree(fences) if len(fences) else None
        found = []
        for area, polygon in self.landuse:
            if area.tags.get("landuse") != "residential":
                continue
            polygon = _polygonal(polygon)
            if polygon is None or not self.area.contains(polygon.representative_point()):
                continue
            if not self._enclosed(area.tags, polygon, fences, fence_tree):
                continue
            name = display_name(area.tags) or f"小区 {area.osm_id}"
            found.append(_Compound(area.osm_id, name, polygon))
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
    def ways(self) -> list[_Way]:
        kept: list[tuple[OsmWay, str]] = []
        for way in self.extract.highways:
            kind = path_kind(way.tags)
            if kind is None:
                self.result.dropped[why_not_walkable(way.tags)] += 1
            elif len({(lon, lat) for _, lon, lat in way.nodes}) < 2:
                self.result.dropped["道路节点缺失"] += 1
            else:
                kept.append((way, kind))
        lines = np.asarray(
            [shapely.LineString([(lon, lat) for _, lon, lat in w.nodes]) for w, _ in kept],
            dtype=object,
        )
        lines = self.metric.to_metric(lines)
        ways = []
        for (way, kind), line in zip(kept, lines, strict=True):
            item = _Way(way, kind, line)
            self._cut_at_barriers(item)
            ways.append(item)
        return ways

    def _cut_at_barriers(self, way: _Way) -> None:
        nodes = self.extract.barrier_nodes
        blocked = [
            i
            for i, (node_id, _, _) in enumerate(way.osm.nodes)
            if node_id in nodes and barrier_blocks(nodes[node_id].tags)
        ]
        if not blocked:
            return
        coords = np.asarray(way.line.coords)
        along = np.r_[0.0, np.cumsum(np.hypot(*np.diff(coords, axis=0).T))]
        for i in blocked:
            way.cuts.append(float(along[i]))
            self.result.dropped["路上有不可通行的障碍（已在该处断开）"] += 1

    def apply_compound_gates(self, ways: list[_Way], compounds: list[_Compound]) -> None:
        """Cut ways where they cross a 小区 outline away from a gate; count each 小区's gates."""
        if not compounds or not ways:
            return
        gate_nodes = {i: n for i, n in self.extract.barrier_nodes.items() if is_gate(n.tags)}
        gate_ids = list(gate_nodes)
        gate_xy = self.metric.xy(
            np.array([gate_nodes[i].lon for i in gate_ids], dtype=float),
            np.array([gate_nodes[i].lat for i in gate_ids], dtype=float),
        )
        gate_points = (np.asarray(shapely.points(gate_xy)) if len(gate_ids)
                       else np.empty(0, dtype=object))
        gate_tree = STRtree(gate_points) if len(gate_ids) else None
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
        line_tree = STRtree([w.line for w in ways])
        way_idx, outline_idx = line_tree.query(outlines, predicate="intersects")[::-1]
        for w, o in zip(way_idx.tolist(), outline_idx.tolist(), strict=True):
            way = ways[w]
            if _is_bridge_or_tunnel(way.osm.tags):
                continue
            own_gates = [
                gate_points[gate_ids.index(n)] for n, _, _ in way.osm.nodes if n in gate_nodes
            ]
            crossing = way.line.intersection(outlines[o])
            for point in shapely.get_parts(crossing):
                if point.geom_type != "Point":
                    continue
                if any(point.distance(g) <= GATE_SNAP_M for g in own_gates):
                    way.gate = True
                else:
                    way.cuts.append(way.line.project(point))
                    self.result.dropped["穿越小区围墙处（无大门，已断开）"] += 1

    def path_frame(self, ways: list[_Way], compounds: list[_Compound]) -> gpd.GeoDataFrame:
        compound_tree = STRtree([c.polygon for c in compounds]) if compounds else None
        rows, geoms = [], []
        for way in ways:
            pieces = _pieces(way.line, way.cuts)
            for n, piece in enumerate(pieces):
                clipped = piece.intersection(self.area)
                for part in shapely.get_parts(shapely.line_merge(clipped)):
                    if part.geom_type != "LineString" or part.length == 0:
                        continue
                    kind = way.kind
                    if way.gate:
                        kind = "gate"
                    elif kind != "crossing" and compound_tree is not None:
                        middle = part.interpolate(0.5, normalized=True)
                        if len(compound_tree.query(middle, predicate="within")):
                            kind = "internal"
                    suffix = f"-{n + 1}" if len(pieces) > 1 else ""
                    rows.append(
                        {
                            "id": f"w{way.osm.id}{suffix}",
                            "kind": kind,
                            "name": display_name(way.osm.tags),
                        }
                    )
                    geoms.append(part)
        frame = self._frame(rows, geoms)
        # a way clipped into several parts by the boundary: number the parts
        dup = frame["id"].duplicated(keep=False)
        if dup.any():
            frame.loc[dup, "id"] = (
                frame.loc[dup, "id"] + "-" + (frame[dup].groupby("id").cumcount() + 1).astype(str)
            )
        return frame

    # --- buildings, POIs --------------------------------------------------------------------
    def buildings(self, compounds: list[_Compound]) -> gpd.GeoDataFrame:
        candidates = [a for a in self.extract.areas if a.tags.get("building", "no") != "no"]
        metric = self.metric.to_metric(np.asarray([a.geometry for a in candidates], dtype=object))
        compound_tree = STRtree([c.polygon for c in compounds]) if compounds else None
        residential = _AreaIndex(
            [(a, p) for a, p in self.landuse if a.tags.get("landuse") == "residential"]
        )
        other = _AreaIndex(
            [(a, p) for a, p in self.landuse if a.tags.get("landuse") in NON_RESIDENTIAL_LANDUSE]
        )
        entrances = [n for n in self.extract.barrier_nodes.values() if "entrance" in n.tags]
        entrance_xy = self.metric.xy(
            np.array([n.lon for n in entrances], dtype=float),
            np.array([n.lat for n in entrances], dtype=float),
        )
        entrance_tree = STRtree(np.asarray(shapely.points(entrance_xy))) if entrances else None
        rows, geoms = [], []
        for area, geometry in zip(candidates, metric, strict=True):
            polygon = _polygonal(geometry)
            if polygon is None:
                self.result.dropped["楼栋几何无效"] += 1
                continue
            anchor = polygon.representative_point()
            if not self.area.contains(anchor):
                continue
            levels = building_levels(area.tags)
            lived_in = is_residential(
                area.tags, in_non_residential_area=bool(other.containing(anchor))
            )
            households, residents, units = estimate_households(
                polygon.area, levels, residential=lived_in
            )
            compound = None
            if compound_tree is not None:
                hit = compound_tree.query(anchor, predicate="within")
                compound = compounds[int(hit[0])].name if len(hit) else None
            if compound is None:
                compound = (
                    next((display_name(a.tags) for a in residential.containing(anchor)), None)
                    or area.tags.get("addr:street")
                    or "未归属小区"
                )
            row = {
                "id": area.osm_id,
                "name": display_name(area.tags) or f"楼栋 {area.osm_id}",
                "compound": compound,
                "floors": levels,
                "units": units,
                "households": households,
                "residents": residents,
                "estimated": True,
            }
            if entrance_tree is not None:
                near = entrance_tree.query(
                    polygon.boundary, predicate="dwithin", distance=ENTRANCE_SNAP_M
                )
                if len(near):
                    lonlat = self.metric.to_wgs84(shapely.points(entrance_xy[np.sort(near)]))
                    row["entrances"] = [[round(p.x, 7), round(p.y, 7)] for p in lonlat]
            rows.append(row)
            geoms.append(polygon)
        return self._frame(rows, geoms)

    def pois(self) -> gpd.GeoDataFrame:
        rows, points = [], []
        for node in self.extract.poi_nodes:
            category = poi_category(node.tags)
            if category:
                rows.append(
                    {
                        "id": f"n{node.id}",
                        "name": display_name(node.tags) or category,
                        "category": category,
                    }
                )
                points.append(shapely.Point(node.lon, node.lat))
        for area in self.extract.areas:
            category = poi_category(area.tags)
            if category:
                rows.append(
                    {
                        "id": area.osm_id,
                        "name": display_name(area.tags) or category,
                        "category": category,
                    }
                )
                points.append(area.geometry.representative_point())
        metric = self.metric.to_metric(np.asarray(points, dtype=object))
        inside = [i for i, p in enumerate(metric) if self.area.contains(p)]
        return self._frame([rows[i] for i in inside], [metric[i] for i in inside])

    def _frame(self, rows: list[dict[str, Any]], geoms: list[BaseGeometry]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(rows, geometry=list(geoms), crs=self.metric.crs)


class _AreaIndex:
    """OSM areas (in metres) indexed for "which contain this point"."""

    def __init__(self, areas: list[tuple[Any, BaseGeometry]]) -> None:
        self.areas = [a for a, _ in areas]
        self.tree = STRtree([p for _, p in areas]) if areas else None

    def containing(self, point: BaseGeometry) -> list[Any]:
        if self.tree is None:
            return []
        hits = self.tree.query(point, predicate="within")
        return [self.areas[i] for i in sorted(hits.tolist())]


def _pieces(line: shapely.LineString, cuts: list[float]) -> list[BaseGeometry]:
    """``line`` without a :data:`CUT_GAP_M` gap either side of each cut distance."""
    if not cuts:
        return [line]
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
            result.notes.append(f"{path}：缺少 {column} 的网格填为 {default!r}")
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
    rows = [
        {
            "id": f"{boundary_id}-{n:02d}",
            "name": f"暂定网格 {n:02d}",
            "parent": boundary_id,
            "leader": PROVISIONAL_LEADER,
            "provisional": True,
        }
        for n in range(1, len(drafts) + 1)
    ]
    return builder._frame(rows, [d.geometry for d in drafts])


def _assign_grids(points: gpd.GeoSeries, grids: gpd.GeoDataFrame) -> list[str | None]:
    """Grid id of each point: the grid containing it, else the nearest (``None`` if no grid)."""
    if grids.empty or points.empty:
        return [None] * len(points)
    tree = STRtree(list(grids.geometry))
    pts = np.asarray(points.values, dtype=object)
    _, nearest = tree.query_nearest(pts, all_matches=False)
    ids = grids["id"].tolist()
    return [ids[int(i)] for i in nearest]


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
        else builder._frame([], [])
    )
    frames = {
        "boundary": builder._frame([{"id": boundary_id, "name": boundary_name}], [builder.area]),
        "grids": grid_frame,
        "buildings": buildings,
        "stations": station_frame,
        "paths": paths,
        "pois": pois,
        "compounds": builder._frame(
            [{"id": c.osm_id, "name": c.name} for c in compounds], [c.polygon for c in compounds]
        ),
    }
    texts = {}
    for name, frame in frames.items():
        wgs84 = frame.to_crs(WGS84) if len(frame) else frame.set_crs(WGS84, allow_override=True)
        if name not in ("paths", "stations", "pois"):
            wgs84 = wgs84.set_geometry([_rounded_polygon(g) for g in wgs84.geometry])
        texts[name] = feature_collection(SCHEMA_BY_NAME[name], wgs84)
        result.counts[name] = len(frame)
    say("校验 …")
    check = check_layers(out, texts)
    result.issues = check.issues
    if not result.issues:
        result.written = write_layers(out, texts)
    return result


def _rounded_polygon(geom: BaseGeometry) -> BaseGeometry:
    """``geom`` as written (1e-7°), repaired if rounding made it invalid."""
    rounded = shapely.set_precision(geom, 1e-7)
    return _polygonal(rounded) or geom
