"""Validation of GeoJSON layers against :mod:`layers.schema`.

Every check reports a :class:`~layers.errors.LayerIssue` naming file, feature, field and reason;
all issues of a run are collected, none stops the others.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from layers.errors import LayerIssue
from layers.json_errors import invalid_json_message
from layers.quoting import quoted
from layers.schema import ITEM_LABELS, WEEKDAYS, Field, LayerSchema

#: ``crs`` members accepted as WGS84 lon/lat (CGCS2000 agrees to centimetres here).
WGS84_CRS_NAMES = frozenset(
    {
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "urn:ogc:def:crs:EPSG::4326",
        "EPSG:4326",
        "urn:ogc:def:crs:EPSG::4490",
        "EPSG:4490",
    }
)

_INTERVAL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_TYPE_NAMES = {
    str: "字符串",
    int: "整数",
    float: "小数",
    bool: "布尔值",
    list: "数组",
    dict: "对象",
    type(None): "null",
}


@dataclass
class ParsedFeature:
    """A feature that passed validation: its geometry and properties."""

    index: int
    geometry: BaseGeometry
    properties: dict[str, Any]


@dataclass
class ParsedLayer:
    """The result of validating one file: its features (when valid) and its issues."""

    schema: LayerSchema
    features: list[ParsedFeature]
    issues: list[LayerIssue]

    @property
    def ids(self) -> set[str]:
        return {str(f.properties["id"]) for f in self.features if "id" in f.properties}


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _loads(raw: bytes | str) -> Any:
    """JSON text → Python, by orjson; what orjson refuses (NaN, other encodings, bad text)
    goes through :func:`json.loads`, which reads it or words the error as it always has."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def parse_layer(schema: LayerSchema, raw: bytes | str, filename: str) -> ParsedLayer:
    """Parse and check one layer's text; cross-layer references are checked later."""
    issues: list[LayerIssue] = []
    try:
        doc = _loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        issues.append(LayerIssue(filename, invalid_json_message(exc)))
        return ParsedLayer(schema, [], issues)
    except (RecursionError, ValueError) as exc:  # 100,000 nested "[", a 5,000-digit number
        issues.append(LayerIssue(filename, unreadable_json_reason(exc)))
        return ParsedLayer(schema, [], issues)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        got = doc.get("type") if isinstance(doc, dict) else _type_name(doc)
        reason = f"不是 GeoJSON FeatureCollection（type 为 {quoted(got)}）"
        issues.append(LayerIssue(filename, reason))
        return ParsedLayer(schema, [], issues)
    crs_issue = _check_crs(doc.get("crs"), filename)
    if crs_issue:
        issues.append(crs_issue)
    raw_features = doc.get("features")
    if not isinstance(raw_features, list):
        issues.append(LayerIssue(filename, "缺少 features 数组", field="features"))
        return ParsedLayer(schema, [], issues)
    if not raw_features and schema.needed_for:
        reason = f"{schema.label}图层没有任何要素：{schema.needed_for}，至少需要一个"
        issues.append(LayerIssue(filename, reason, field="features"))

    # Pass 1, per feature in Python: structure and properties. A geometry of plain structure
    # (Point, LineString or Polygon of [lon, lat] pairs) is kept for the array checks of pass 2;
    # any other is checked feature by feature, as always.
    feature_issues: list[list[LayerIssue]] = []
    plain = _PlainGeometries()
    built: dict[int, BaseGeometry] = {}
    fids = [_feature_id(feature) for feature in raw_features]
    for index, feature in enumerate(raw_features):
        fid = fids[index]
        before = len(plain.rows)
        try:
            found = list(_check_feature(schema, feature, filename, index, fid, plain=plain))
        except RecursionError as exc:  # coordinates nested almost as deep as the parser allows
            found = [LayerIssue(filename, unreadable_json_reason(exc), index, fid)]
        feature_issues.append(found)
        if not found and len(plain.rows) == before:  # checked alone, and fine
            built[index] = shape(feature["geometry"])
    # Pass 2, every plain geometry at once with shapely's array functions.
    for index, reason in plain.check():
        feature_issues[index].append(
            LayerIssue(filename, reason, index, fids[index], "geometry")
        )
    built.update(plain.built())

    features: list[ParsedFeature] = []
    first_index_of_id: dict[str, int] = {}
    has_id = "id" in {f.name for f in schema.fields}
    for index, feature in enumerate(raw_features):
        fid = fids[index]
        found = feature_issues[index]
        if fid is not None and has_id:
            if fid in first_index_of_id:
                found.append(
                    LayerIssue(
                        filename,
                        f"id 重复（与要素 #{first_index_of_id[fid]} 相同）",
                        index,
                        fid,
                        "id",
                    )
                )
            else:
                first_index_of_id[fid] = index
        if found:
            issues.extend(found)
            continue
        features.append(ParsedFeature(index, built[index], feature["properties"]))
    return ParsedLayer(schema, features, issues)


class _PlainGeometries:
    """Plain geometries gathered feature by feature, then built and checked as arrays.

    A geometry is plain when it is a Point, LineString or Polygon whose every position is a
    list of two numbers, lines have two positions or more and rings four or more, closed.
    Its coordinate problems, emptiness, validity and zero length are then found for all at
    once; a feature with a coordinate problem is re-checked alone, so its message is the one
    :func:`_check_geometry` gives.
    """

    def __init__(self) -> None:
        self.rows: list[int] = []  # feature index of each plain geometry
        self.types: list[str] = []
        self.features: list[dict[str, Any]] = []
        self.xy: list[list[float]] = []
        self.ring_of_position: list[int] = []
        self.part_of_ring: list[int] = []
        self._geometries: np.ndarray | None = None
        self._ok: np.ndarray | None = None

    def add(self, index: int, feature: dict[str, Any]) -> bool:
        """Keep ``feature``'s geometry when it is plain; False (nothing kept) when not."""
        geom = feature["geometry"]
        gtype, coords = geom["type"], geom["coordinates"]
        rings: list[list[Any]] | None
        if gtype == "Point":
            rings = [[coords]]
        elif gtype == "LineString":
            rings = [coords] if len(coords) >= 2 else None
        elif gtype == "Polygon":
            rings = coords if all(_closed_ring(ring) for ring in coords) else None
        else:
            rings = None
        if rings is None or not all(_pairs(ring) for ring in rings):
            return False
        geometry = len(self.rows)
        first_ring = len(self.part_of_ring)
        for number, ring in enumerate(rings):
            self.xy.extend(ring)
            self.ring_of_position.extend([first_ring + number] * len(ring))
            self.part_of_ring.append(geometry)
        self.rows.append(index)
        self.types.append(gtype)
        self.features.append(feature)
        return True

    def check(self) -> Iterator[tuple[int, str]]:
        """(feature index, reason) of every plain geometry with a problem, in feature order."""
        n = len(self.rows)
        if n == 0:
            self._geometries = np.empty(0, dtype=object)
            return
        xy = np.asarray(self.xy, dtype=float).reshape(-1, 2)
        ring = np.asarray(self.ring_of_position, dtype=np.int64)
        part = np.asarray(self.part_of_ring, dtype=np.int64)
        lon, lat = xy[:, 0], xy[:, 1]
        bad_position = ~(np.isfinite(lon) & np.isfinite(lat)) | (np.abs(lat) > 90) | (
            np.abs(lon) > 180)
        bad = np.zeros(n, dtype=bool)
        bad[part[ring[bad_position]]] = True
        types = np.asarray(self.types)
        geometries = np.full(n, None, dtype=object)
        for gtype in ("Point", "LineString", "Polygon"):
            rows = np.flatnonzero((types == gtype) & ~bad)
            if len(rows):
                geometries[rows] = self._build(gtype, rows, xy, ring, part)
        good = np.flatnonzero(~bad)
        reasons: dict[int, str] = {}
        for row in np.flatnonzero(bad).tolist():
            reasons[row] = next(_check_geometry_of(types[row], self.features[row]))
        empty = shapely.is_empty(geometries[good])
        valid = shapely.is_valid(geometries[good])
        lines = np.isin(types[good], ["LineString"])
        zero = lines & (shapely.length(geometries[good]) == 0)
        for row in good[empty]:
            reasons[row] = "几何为空"
        for row in good[~empty & ~valid]:
            reason = _explain(shapely.is_valid_reason(geometries[row]))
            reasons[row] = f"几何无效：{reason}"
        for row in good[~empty & valid & zero]:
            reasons[row] = "线段长度为零"
        self._geometries = geometries
        self._ok = np.ones(n, dtype=bool)
        self._ok[list(reasons)] = False
        for row in sorted(reasons):
            yield self.rows[row], reasons[row]

    @staticmethod
    def _build(gtype: str, rows: np.ndarray, xy: np.ndarray, ring: np.ndarray,
               part: np.ndarray) -> np.ndarray:
        """The geometries ``rows`` (all of ``gtype``), built in one call per kind."""
        rings = np.flatnonzero(np.isin(part, rows))
        positions = np.isin(ring, rings)
        # Renumber rings and geometries 0, 1, … in order, as shapely's ``indices`` want.
        ring_index = np.searchsorted(rings, ring[positions])
        # np.asarray: from an (n, 2) array shapely gives an array (its types also allow one)
        if gtype == "Point":
            return np.asarray(shapely.points(xy[positions]))
        if gtype == "LineString":
            return np.asarray(shapely.linestrings(xy[positions], indices=ring_index))
        linear = np.asarray(shapely.linearrings(xy[positions], indices=ring_index))
        return np.asarray(shapely.polygons(linear, indices=np.searchsorted(rows, part[rings])))

    def built(self) -> dict[int, BaseGeometry]:
        """Feature index → geometry, for the plain geometries that passed every check."""
        if self._geometries is None or self._ok is None:
            return {}
        return {self.rows[row]: self._geometries[row] for row in np.flatnonzero(self._ok)}


def _pairs(positions: Any) -> bool:
    """Every item of ``positions`` is a list of exactly two numbers."""
    return isinstance(positions, list) and all(
        type(p) is list and len(p) == 2 and isinstance(p[0], int | float)
        and isinstance(p[1], int | float)
        for p in positions
    )


def _closed_ring(ring: Any) -> bool:
    return isinstance(ring, list) and len(ring) >= 4 and ring[0] == ring[-1]


def check_references(
    layer: ParsedLayer, known_ids: dict[str, set[str]], filename: str
) -> list[LayerIssue]:
    """Check each ``ref`` field of ``layer`` against the ids of the layers it names."""
    issues = []
    for spec in layer.schema.fields:
        if spec.ref is None:
            continue
        targets = spec.ref.split("|")
        allowed = set().union(*(known_ids.get(t, set()) for t in targets))
        for feature in layer.features:
            value = feature.properties.get(spec.name)
            if value is None or str(value) in allowed:
                continue
            label = " 或 ".join(targets)
            issues.append(
                LayerIssue(
                    filename,
                    f"引用了不存在的 {label} 编号 {quoted(value)}",
                    feature.index,
                    str(feature.properties.get("id")),
                    spec.name,
                )
            )
    return issues


def _check_crs(crs: Any, filename: str) -> LayerIssue | None:
    if crs is None:
        return None
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if name in WGS84_CRS_NAMES:
        return None
    shown = name if isinstance(name, str) else repr(crs)
    return LayerIssue(
        filename,
        f"crs 为 {shown}，GeoJSON 须为 WGS84 经纬度（RFC 7946），请先转换坐标",
        field="crs",
    )


def _feature_id(feature: Any) -> str | None:
    if not isinstance(feature, dict):
        return None
    props = feature.get("properties")
    if isinstance(props, dict) and props.get("id") is not None:
        return str(props["id"])
    return None


def _check_feature(
    schema: LayerSchema,
    feature: Any,
    filename: str,
    index: int,
    fid: str | None,
    *,
    plain: _PlainGeometries,
) -> Iterator[LayerIssue]:
    """The feature's issues; a plain geometry goes to ``plain``, to be checked with the rest."""

    def issue(reason: str, field: str | None = None) -> LayerIssue:
        return LayerIssue(filename, reason, index, fid, field)

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        yield issue("不是 GeoJSON Feature")
        return
    props = feature.get("properties")
    if not isinstance(props, dict):
        yield issue("缺少 properties 对象", "properties")
        props = {}
    for spec in schema.fields:
        yield from (issue(reason, spec.name) for reason in _check_property(spec, props))
    geom = feature.get("geometry")
    if (
        isinstance(geom, dict)
        and geom.get("type") in schema.geometry_types
        and isinstance(geom.get("coordinates"), list)
        and geom["coordinates"]
        and plain.add(index, feature)
    ):
        return
    yield from (issue(reason, "geometry") for reason in _check_geometry(schema, feature))


def _check_property(spec: Field, props: dict[str, Any]) -> Iterator[str]:
    value = props.get(spec.name)
    if value is None or value == "":
        if spec.required:
            yield "缺少必填字段"
        return
    if spec.kind == "str":
        if not isinstance(value, str):
            yield f"应为字符串，实际为{_type_name(value)} {quoted(value)}"
        elif spec.choices and value not in spec.choices:
            yield f"取值 {quoted(value)} 不在允许范围内（{'、'.join(spec.choices)}）"
    elif spec.kind in ("int", "number"):
        yield from _check_number(spec, value)
    elif spec.kind == "bool":
        if not isinstance(value, bool):
            yield f"应为 true 或 false，实际为{_type_name(value)} {quoted(value)}"
    elif spec.kind == "items":
        yield from _check_items(value)
    elif spec.kind == "hours":
        yield from _check_hours(value)
    elif spec.kind == "points":
        yield from _check_points(value)


def _check_number(spec: Field, value: Any) -> Iterator[str]:
    integer = spec.kind == "int"
    ok_types = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_types):
        yield f"应为{'整数' if integer else '数值'}，实际为{_type_name(value)} {quoted(value)}"
        return
    if not math.isfinite(value):
        yield f"数值无效（{value}）"
    elif spec.minimum is not None and value < spec.minimum:
        bound = "不能为负数" if spec.minimum == 0 else f"不能小于 {spec.minimum:g}"
        yield f"{bound}（{value}）"


def _check_items(value: Any) -> Iterator[str]:
    if not isinstance(value, dict):
        yield f"应为对象 {{物资: 数量}}，实际为{_type_name(value)}"
        return
    for item, count in value.items():
        if item not in ITEM_LABELS:
            yield f"未知物资 {quoted(item)}（可选：{'、'.join(ITEM_LABELS)}）"
        elif isinstance(count, bool) or not isinstance(count, int):
            yield f"物资 {item} 的数量应为整数，实际为{_type_name(count)} {quoted(count)}"
        elif count < 0:
            yield f"物资 {item} 的数量不能为负数（{count}）"


def _check_hours(value: Any) -> Iterator[str]:
    if value == "24h":
        return
    if not isinstance(value, dict):
        yield f'应为 "24h" 或按星期的对象，实际为{_type_name(value)} {quoted(value)}'
        return
    for day in value:
        if day not in WEEKDAYS:
            yield f"未知星期 {quoted(day)}（可选：{'、'.join(WEEKDAYS)}）"
    for day in WEEKDAYS:
        spans = value.get(day)
        if spans is None or spans == "closed":
            continue
        if not isinstance(spans, str):
            yield f"{day} 的时段应为字符串，如 \"08:00-18:00\""
            continue
        for span in spans.split(","):
            match = _INTERVAL.match(span.strip())
            if not match:
                yield f"{day} 的时段 {quoted(span)} 格式应为 HH:MM-HH:MM"
            elif match.group(1, 2) >= match.group(3, 4):
                yield f"{day} 的时段 {quoted(span)} 结束时间早于开始时间"


def _check_points(value: Any) -> Iterator[str]:
    if not isinstance(value, list) or not value:
        yield "应为坐标数组 [[经度, 纬度], …]"
        return
    for point in value:
        if (
            not isinstance(point, list)
            or len(point) != 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in point)
        ):
            yield f"坐标 {quoted(point)} 应为 [经度, 纬度]"
            continue
        reason = _coordinate_problem(point)
        if reason:
            yield reason


def _coordinate_problem(position: list[float]) -> str | None:
    lon, lat = position[0], position[1]
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return f"坐标 {position} 含无效数值"
    if abs(lat) > 90 and abs(lon) <= 90:
        return f"坐标 {position} 的纬度超出 ±90°，疑似经纬度颠倒（GeoJSON 顺序为 [经度, 纬度]）"
    if abs(lat) > 90 or abs(lon) > 180:
        return f"坐标 {position} 超出经纬度范围（经度 ±180°，纬度 ±90°），是否为投影坐标？"
    return None


def _positions(coords: Any) -> Iterable[list[float]]:
    if isinstance(coords, list) and coords and all(isinstance(c, (int, float)) for c in coords):
        yield coords
    elif isinstance(coords, list):
        for part in coords:
            yield from _positions(part)


def _rings(geom: dict[str, Any]) -> Iterable[list[Any]]:
    if geom["type"] == "Polygon":
        yield from geom["coordinates"]
    elif geom["type"] == "MultiPolygon":
        for polygon in geom["coordinates"]:
            yield from polygon


def _check_geometry(schema: LayerSchema, feature: dict[str, Any]) -> Iterator[str]:
    geom = feature.get("geometry")
    if not isinstance(geom, dict):
        yield "缺少几何"
        return
    gtype = geom.get("type")
    if gtype not in schema.geometry_types:
        yield f"几何类型应为 {' 或 '.join(schema.geometry_types)}，实际为 {gtype}"
        return
    yield from _check_geometry_of(gtype, feature)


def _check_geometry_of(gtype: str, feature: dict[str, Any]) -> Iterator[str]:
    """A geometry's problems once its type is known to be allowed (one feature at a time)."""
    geom = feature["geometry"]
    coords = geom.get("coordinates")
    if not isinstance(coords, list) or not coords:
        yield "缺少坐标"
        return
    for position in _positions(coords):
        if len(position) < 2:
            yield f"坐标 {position} 不完整"
            return
        reason = _coordinate_problem(position)
        if reason:
            yield reason
            return
    try:
        for ring in _rings(geom):
            if len(ring) < 4:
                yield f"多边形环只有 {len(ring)} 个点，至少需要 4 个（首尾相同）"
                return
            if ring[0] != ring[-1]:
                yield f"多边形环未闭合：首点 {ring[0]} 与末点 {ring[-1]} 不同"
                return
        geometry = shape(geom)
    except (ValueError, TypeError, IndexError, KeyError, shapely.errors.GEOSException) as exc:
        yield f"坐标结构无效：{exc}"
        return
    if geometry.is_empty:
        yield "几何为空"
    elif not geometry.is_valid:
        yield f"几何无效：{_explain(shapely.is_valid_reason(geometry))}"
    elif gtype in ("LineString", "MultiLineString") and geometry.length == 0:
        yield "线段长度为零"


def _explain(reason: str) -> str:
    translations = {
        "Self-intersection": "自相交",
        "Ring Self-intersection": "环自相交",
        "Too few points": "点数过少",
        "Interior is disconnected": "内部不连通",
        "Hole lies outside shell": "内环在外环之外",
        "Nested shells": "外环嵌套",
        "Duplicate Rings": "重复的环",
    }
    for english, chinese in translations.items():
        if reason.startswith(english):
            return f"{chinese}，位置 {reason[len(english):].strip()}"
    return reason


# --- rules added for issue 10 (kept apart from the checks above) ---------------------------

#: How far outside the community boundary a feature may reach (metres): streets and shops
#: just across the boundary road belong on the map, a typo 1,600 km away does not.
BOUNDARY_MARGIN_M = 1000.0


def unreadable_json_reason(error: RecursionError | ValueError) -> str:
    """One line for JSON that Python's parser refuses beyond syntax (depth, huge numbers)."""
    if isinstance(error, RecursionError):
        return "JSON 嵌套层数过深（超出解析上限），不是有效的 GeoJSON"
    if "digits" in str(error):
        return "含位数过多的整数（超过 4300 位），不是有效的数值"
    return f"不是有效的 JSON：{error}"


def check_within_boundary(
    layers: Mapping[str, ParsedLayer],
    filenames: Mapping[str, str],
    *,
    margin_m: float = BOUNDARY_MARGIN_M,
) -> list[LayerIssue]:
    """Every feature of every layer must lie within ``margin_m`` of the community boundary.

    Distances are measured in metres in the UTM zone of the boundary: each vertex's distance
    to the boundary polygon, the farthest vertex of a feature counting.
    """
    boundary = layers.get("boundary")
    if boundary is None or not boundary.features:
        return []
    area = shapely.union_all([f.geometry for f in boundary.features])
    to_metres = _utm_transformer(area)
    area_m = shapely.transform(area, to_metres)
    shapely.prepare(area_m)  # many point-in-polygon tests follow
    issues = []
    for name, layer in layers.items():
        if name == "boundary" or not layer.features:
            continue
        coords, owner = shapely.get_coordinates(
            [f.geometry for f in layer.features], return_index=True
        )
        xy = to_metres(coords)
        # a vertex inside the boundary is 0 m from it: only the others are measured
        outside = ~shapely.contains_xy(area_m, xy[:, 0], xy[:, 1])
        distances = np.zeros(len(xy))
        distances[outside] = shapely.distance(area_m, shapely.points(xy[outside]))
        farthest = np.full(len(layer.features), 0.0)
        np.maximum.at(farthest, owner, distances)
        for feature, metres in zip(layer.features, farthest, strict=True):
            if metres > margin_m:
                issues.append(
                    LayerIssue(
                        filenames[name],
                        f"位于社区边界之外 {_distance_text(metres)}（允许 {margin_m:g} 米），"
                        "坐标是否有误？",
                        feature.index,
                        str(feature.properties.get("id")),
                        "geometry",
                    )
                )
    return issues


#: How far a building's entrance may lie from its outline, metres (the sample's are 3 m out; a
#: typo in a digit of lon/lat puts one hundreds of metres or kilometres away).
ENTRANCE_MAX_M = 50.0


def entrance_distances(
    outlines: Sequence[BaseGeometry], points: np.ndarray, owner: np.ndarray
) -> np.ndarray:
    """Metres from each entrance ``points[i]`` (lon, lat) to its building ``outlines[owner[i]]``,
    in the local UTM zone (``inf`` for a point that is not a finite lon/lat)."""
    metres = np.full(len(points), np.inf)
    finite = np.isfinite(points).all(axis=1) if len(points) else np.zeros(0, dtype=bool)
    if not finite.any():
        return metres
    used = owner[finite]
    # one transform of every outline concerned (a call per outline cost seconds at 100,000)
    mine = np.array(outlines, dtype=object)[used]
    to_metres = _utm_transformer(mine[0])
    metres[finite] = shapely.distance(shapely.transform(mine, to_metres),
                                      shapely.points(to_metres(points[finite])))
    return metres


def check_entrances(buildings: ParsedLayer, filename: str) -> list[LayerIssue]:
    """Every entrance of a building lies within :data:`ENTRANCE_MAX_M` of its outline: it is
    where the building's residents start to walk, so a far one moves every answer for them."""
    outlines, points, owner = [], [], []
    for row, feature in enumerate(buildings.features):
        outlines.append(feature.geometry)
        for point in feature.properties.get("entrances") or ():
            points.append(point)
            owner.append(row)
    if not points:
        return []
    metres = entrance_distances(outlines, np.array(points, dtype=float), np.array(owner))
    issues = []
    number = 0
    for i, (row, distance) in enumerate(zip(owner, metres, strict=True)):
        number = number + 1 if i and owner[i - 1] == row else 1
        if distance > ENTRANCE_MAX_M:
            feature = buildings.features[row]
            issues.append(LayerIssue(
                filename,
                f"第 {number} 个出入口 {tuple(points[i])} 离楼栋 {_distance_text(distance)}"
                f"（应在 {ENTRANCE_MAX_M:g} 米以内），经纬度是否有误？",
                feature.index, str(feature.properties.get("id")), "entrances",
            ))
    return issues


def _utm_transformer(area: BaseGeometry) -> Callable[[np.ndarray], np.ndarray]:
    centre = area.representative_point()
    zone = int((centre.x + 180) // 6) % 60 + 1
    epsg = (32600 if centre.y >= 0 else 32700) + zone
    transformer = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)

    def to_metres(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return to_metres


def _distance_text(metres: float) -> str:
    return f"{metres / 1000:,.1f} 千米" if metres >= 10_000 else f"{metres:,.0f} 米"
