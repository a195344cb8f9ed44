"""Editing the layer files in place: one change, the whole set validated, an atomic write, history.

:class:`LayerEditor` applies one edit — a new station or POI, a moved point, changed
attributes of a station, POI or building, a deleted station or POI — to the layer's GeoJSON
on disk. Before anything is
written the whole layer set, with the edited layer in place, is validated exactly as
``geo-app validate`` validates it (:func:`layers.community.validate_source`); a station must
also lie inside a grid (its ``grid_id`` follows the grid it is placed in). Only then is the
previous file kept in the history folder (``<timestamp>-<layer>.geojson``) and the new one
written atomically (a temporary file renamed over it). A refused edit raises
:class:`LayerEditError` and leaves every file untouched. Edits from several processes are
serialised by a lock file in the history folder. Any kept version can be restored, which is
itself an edit (validated, and the replaced version kept).

The editor's messages are read at a browser: they name a layer by its Chinese name
("服务站点图层: 要素 #3 …"), never by the server's file path, which ``geo-app validate`` and the
imports keep quoting.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, shape

from layers.community import validate_source
from layers.errors import LayerError, LayerIssue
from layers.quoting import quoted
from layers.schema import SCHEMA_BY_NAME, STATION_KINDS
from layers.source import GeoJSONDirectory, LayerSource
from layers.validate import ENTRANCE_MAX_M, entrance_distances, parse_layer

#: Layer → the properties an admin may change (``id`` is set once, when a feature is created).
EDITABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "stations": ("name", "kind", "grid_id", "hours", "contact", "items", "address"),
    "pois": ("name", "category"),
    "buildings": (
        "name", "floors", "units", "households", "residents", "grid_id", "entrances",
    ),
}
#: Layers whose features are points the admin places and moves on the map.
POINT_LAYERS: tuple[str, ...] = ("stations", "pois")
#: Layers whose features the admin may delete (a building stays: its households live there).
DELETABLE_LAYERS: tuple[str, ...] = POINT_LAYERS
#: What the refusal to delete elsewhere calls them (the words an admin uses).
DELETABLE_WORDS = "站点和兴趣点"
#: Id prefix of a new feature: per station kind, and for POIs.
ID_PREFIXES: dict[str, str] = {"party_service_station": "PS", "rest_post": "RP", "pois": "POI"}
#: Decimal places kept of a placed point's lon/lat (about 1 cm).
COORDINATE_DECIMALS = 7
#: How many issues a refusal quotes in full.
QUOTED_ISSUES = 5

HISTORY_SUFFIX = ".geojson"
_HISTORY_NAME = re.compile(
    r"^(?P<stamp>\d{8}T\d{6}\.\d{6}Z)(?:-(?P<n>\d+))?-(?P<layer>[a-z]+)\.geojson$"
)
_STAMP_FORMAT = "%Y%m%dT%H%M%S.%fZ"
LOCK_NAME = ".edit.lock"


class LayerEditError(LayerError):
    """An edit refused: the reason in Chinese, the parameter it concerns, an HTTP status,
    and the validator's issues when the layer set would not validate."""

    def __init__(
        self,
        message: str,
        *,
        parameter: str | None,
        status: int = 400,
        issues: tuple[LayerIssue, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.status = status
        self.issues = issues


class StaleEditError(LayerEditError):
    """An edit refused (409) because values its form started from were changed by another save
    since: ``fields`` names them (properties, and ``coordinates``), ``current`` is the feature
    as it is now (:func:`feature_snapshot`), for a form shown again with the newer values."""

    def __init__(
        self, message: str, *, fields: tuple[str, ...], current: Mapping[str, Any]
    ) -> None:
        super().__init__(message, parameter="expected", status=409)
        self.fields = fields
        self.current = dict(current)


@dataclass(frozen=True)
class HistoryEntry:
    """One kept version of a layer: the file as it was until ``replaced_at`` (UTC)."""

    name: str
    layer: str
    replaced_at: datetime
    path: Path

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass(frozen=True)
class EditResult:
    """What an edit changed: the feature before (None when created) and after (None when
    deleted), and the history entry keeping the replaced file."""

    layer: str
    feature_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    kept: HistoryEntry | None


@dataclass(frozen=True)
class RestoreResult:
    """A restored version: which layer, from which entry, and the entry keeping the replaced
    file; the number of features before and after."""

    layer: str
    restored: HistoryEntry
    kept: HistoryEntry | None
    features_before: int
    features_after: int


def layer_label(layer: str) -> str:
    """How the editor names a layer to the admin: ``服务站点图层`` (never the file's path)."""
    schema = SCHEMA_BY_NAME.get(layer)
    return f"{schema.label}图层" if schema is not None else f"图层 {layer}"


class OverlaySource(LayerSource):
    """A directory's layers with some replaced by new text (the edit being checked); messages
    name each layer by :func:`layer_label`, for the admin at the browser (``geo-app
    validate`` and the imports read the directory itself, and name its files)."""

    def __init__(self, base: GeoJSONDirectory, overrides: Mapping[str, bytes]) -> None:
        self.base = base
        self.overrides = dict(overrides)

    def read(self, name: str) -> bytes:
        if name in self.overrides:
            return self.overrides[name]
        return self.base.read(name)

    def describe(self, name: str) -> str:
        return layer_label(name)

    def __str__(self) -> str:
        return str(self.base)


def dump_layer(doc: Mapping[str, Any]) -> str:
    """A layer's GeoJSON text as the bundled files are written (UTF-8, one-space indent)."""
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def feature_snapshot(feature: Mapping[str, Any]) -> dict[str, Any]:
    """A feature's properties, and its coordinates when it is a point (for the audit log)."""
    snapshot: dict[str, Any] = {"properties": dict(feature.get("properties") or {})}
    geometry = feature.get("geometry")
    if isinstance(geometry, dict) and geometry.get("type") == "Point":
        snapshot["coordinates"] = geometry.get("coordinates")
    return snapshot


class LayerEditor:
    """Edits the layers of ``directory``, keeping replaced versions in ``history_dir``."""

    def __init__(self, directory: str | Path, history_dir: str | Path) -> None:
        self.source = GeoJSONDirectory(directory)
        self.history_dir = Path(history_dir)

    # ------------------------------------------------------------------ edits

    def create(
        self, layer: str, properties: Mapping[str, Any], position: tuple[float, float], *,
        moment: datetime,
    ) -> EditResult:
        """Add a station or POI at ``position`` (lon, lat); ``id`` is generated when absent."""
        _require_layer(layer, POINT_LAYERS, "新增")
        with self._locked():
            raw, doc = self._read(layer)
            feature: dict[str, Any] = {
                "type": "Feature", "properties": {}, "geometry": _point(position),
            }
            feature_id = properties.get("id")
            if feature_id in (None, ""):
                feature_id = _next_id(layer, doc, properties)
            elif not isinstance(feature_id, str):
                msg = f"编号 id 应为字符串，收到 {quoted(feature_id)}"
                raise LayerEditError(msg, parameter="id")
            feature["properties"]["id"] = feature_id
            _apply_properties(layer, feature, {k: v for k, v in properties.items() if k != "id"})
            if layer == "stations":
                self._place_in_grid(feature, explicit="grid_id" in properties)
            doc["features"].append(feature)
            kept = self._save(layer, raw, doc, moment=moment)
        return EditResult(layer, feature_id, None, feature_snapshot(feature), kept)

    def update(
        self,
        layer: str,
        feature_id: str,
        properties: Mapping[str, Any],
        *,
        position: tuple[float, float] | None = None,
        expected: Mapping[str, Any] | None = None,
        moment: datetime,
    ) -> EditResult:
        """Change ``properties`` of feature ``feature_id`` (None or "" removes an optional
        one) and, for a station or POI, move it to ``position``.

        ``expected``: the values (properties, and ``coordinates``) the editor's form started
        from; when another save changed any of them since, the edit is refused (409) instead
        of silently writing the older form over it."""
        _require_layer(layer, tuple(EDITABLE_FIELDS), "修改")
        if position is not None:
            _require_layer(layer, POINT_LAYERS, "移动")
        with self._locked():
            raw, doc = self._read(layer)
            feature = _find(layer, doc, feature_id)
            before = feature_snapshot(feature)
            if expected:
                _require_unchanged(layer, feature_id, before, expected)
            _apply_properties(layer, feature, properties)
            if layer == "buildings" and properties.get("entrances"):
                _check_entrances(feature)
            if position is not None:
                feature["geometry"] = _point(position)
            if layer == "stations" and (position is not None or "grid_id" in properties):
                self._place_in_grid(feature, explicit="grid_id" in properties)
            kept = self._save(layer, raw, doc, moment=moment)
        return EditResult(layer, feature_id, before, feature_snapshot(feature), kept)

    def delete(
        self,
        layer: str,
        feature_id: str,
        *,
        moment: datetime,
        guard: Callable[[Mapping[str, Any]], None] | None = None,
    ) -> EditResult:
        """Remove station or POI ``feature_id``. ``guard(feature)`` runs first, under the
        lock, and refuses by raising (a station with loans or stock still at it); then the
        layer set without it is validated and written like any edit."""
        if layer not in DELETABLE_LAYERS:
            labels = "、".join(f"{SCHEMA_BY_NAME[n].label} {n}" for n in DELETABLE_LAYERS)
            message = (f"这里只能删除{DELETABLE_WORDS}（{labels}），"
                       f"{layer_label(layer)}的要素不能删除")
            raise LayerEditError(message, parameter="layer")
        with self._locked():
            raw, doc = self._read(layer)
            feature = _find(layer, doc, feature_id)
            if guard is not None:
                guard(feature)
            doc["features"] = [f for f in doc["features"] if f is not feature]
            kept = self._save(layer, raw, doc, moment=moment)
        return EditResult(layer, feature_id, feature_snapshot(feature), None, kept)

    # ------------------------------------------------------------------ history

    def history(self, *, limit: int = 200) -> list[HistoryEntry]:
        """Kept versions, newest first."""
        if not self.history_dir.is_dir():
            return []
        entries = [e for p in self.history_dir.iterdir() if (e := _entry_of(p)) is not None]
        entries.sort(key=lambda e: (e.replaced_at, e.name), reverse=True)
        return entries[:limit]

    def entry(self, name: str) -> HistoryEntry:
        """The kept version called ``name`` (a name from :meth:`history`, nothing else)."""
        entry = _entry_of(self.history_dir / name) if "/" not in name else None
        if entry is None or not entry.path.is_file():
            msg = f"没有这个历史版本：{quoted(name)}"
            raise LayerEditError(msg, parameter="version", status=404)
        return entry

    def restore(
        self,
        name: str,
        *,
        moment: datetime,
        guard: Callable[[str, list[dict[str, Any]]], None] | None = None,
    ) -> RestoreResult:
        """Put the kept version ``name`` back (validated like any edit; the file it replaces
        is kept in turn, so a restore can be undone). ``guard(layer, removed)`` runs first,
        under the lock, with the current features the version lacks, and refuses by raising
        (a station with loans still at it, as :meth:`delete`)."""
        entry = self.entry(name)
        text = entry.path.read_bytes()
        with self._locked():
            try:
                raw: bytes | None = self.source.read(entry.layer)
            except FileNotFoundError:
                raw = None
            self._check_set(entry.layer, text)
            if guard is not None:
                guard(entry.layer, _features_missing_from(raw, text))
            kept = self._keep(entry.layer, raw, moment=moment) if raw is not None else None
            self._write(entry.layer, text.decode("utf-8"), kept)
        return RestoreResult(
            entry.layer, entry, kept, _feature_count(raw), _feature_count(text)
        )

    # ------------------------------------------------------------------ steps

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One edit at a time, across processes (a lock file in the history folder)."""
        self.history_dir.mkdir(parents=True, exist_ok=True)
        with (self.history_dir / LOCK_NAME).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read(self, layer: str) -> tuple[bytes, dict[str, Any]]:
        """The layer's current text and document; a file that does not parse is refused with
        the validator's message."""
        filename = layer_label(layer)
        try:
            raw = self.source.read(layer)
        except OSError as exc:
            message = f"{filename}: 无法读取：{_os_reason(exc)}"
            raise LayerEditError(message, parameter=layer) from None
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
            # not a FeatureCollection: refused with the validator's own message
            raise _refusal(layer, parse_layer(SCHEMA_BY_NAME[layer], raw, filename).issues)
        return raw, doc

    def _save(
        self, layer: str, raw: bytes, doc: dict[str, Any], *, moment: datetime
    ) -> HistoryEntry:
        text = dump_layer(doc)
        self._check_set(layer, text.encode("utf-8"))
        kept = self._keep(layer, raw, moment=moment)
        self._write(layer, text, kept)
        return kept

    def _write(self, layer: str, text: str, kept: HistoryEntry | None) -> None:
        """Replace the layer's file atomically; a failed write leaves it as it was, drops the
        copy just kept (nothing was replaced) and is refused in words."""
        try:
            self.source.write(layer, text)
        except OSError as exc:
            if kept is not None:
                kept.path.unlink(missing_ok=True)
            message = f"{layer_label(layer)}写入失败（{_os_reason(exc)}），未保存，原文件未改动"
            raise LayerEditError(message, parameter=layer, status=500) from exc

    def _check_set(self, layer: str, text: bytes) -> None:
        """Validate every layer with ``layer`` replaced by ``text``; refuse on any issue."""
        _, issues = validate_source(OverlaySource(self.source, {layer: text}))
        if issues:
            raise _refusal(layer, issues)

    def _keep(self, layer: str, raw: bytes, *, moment: datetime) -> HistoryEntry:
        """Write the replaced version to the history folder under a name of its own."""
        stamp = moment.astimezone(UTC).strftime(_STAMP_FORMAT)
        n = 1
        while True:
            name = f"{stamp}-{layer}{HISTORY_SUFFIX}" if n == 1 else (
                f"{stamp}-{n}-{layer}{HISTORY_SUFFIX}"
            )
            path = self.history_dir / name
            if not path.exists():
                break
            n += 1
        _write_atomically(path, raw)
        entry = _entry_of(path)
        assert entry is not None  # the name was made to match
        return entry

    def _place_in_grid(self, feature: dict[str, Any], *, explicit: bool) -> None:
        """Set a station's ``grid_id`` to the grid it lies in (the smallest, for nested grids);
        refuse a station outside every grid, or inside another grid than the ``grid_id`` asked."""
        grids = parse_layer(
            SCHEMA_BY_NAME["grids"], self.source.read("grids"), layer_label("grids")
        )
        lon, lat = feature["geometry"]["coordinates"]
        point = Point(lon, lat)
        around = sorted(
            (f for f in grids.features if f.geometry.covers(point)), key=lambda f: f.geometry.area
        )
        where = f"站点 {feature['properties'].get('id')} 的位置 ({lon}, {lat})"
        if not around:
            raise LayerEditError(f"{where} 不在任何网格内，站点须设在网格内", parameter="lon/lat")
        ids = [str(f.properties["id"]) for f in around]
        asked = feature["properties"].get("grid_id")
        if explicit and asked not in (None, ""):
            if asked not in ids:
                message = f"{where} 位于网格 {ids[0]} 内，与所填所属网格 {asked} 不符"
                raise LayerEditError(message, parameter="grid_id")
            return
        feature["properties"]["grid_id"] = ids[0]


# ---------------------------------------------------------------------- helpers


def _require_layer(layer: str, allowed: tuple[str, ...], verb: str) -> None:
    if layer not in allowed:
        labels = "、".join(f"{SCHEMA_BY_NAME[n].label}（{n}）" for n in allowed)
        raise LayerEditError(
            f"图层 {quoted(layer)} 不能{verb}要素（可{verb}：{labels}）", parameter="layer",
            status=404,
        )


def _refusal(layer: str, issues: list[LayerIssue]) -> LayerEditError:
    """The validator's issues as one refusal, naming the edited field when it is among them."""
    mine = [i for i in issues if i.file == layer_label(layer)] or issues
    field = mine[0].field
    if field == "geometry" and layer in POINT_LAYERS:
        field = "lon/lat"
    quoted = "；".join(str(i) for i in issues[:QUOTED_ISSUES])
    more = f"（共 {len(issues)} 个问题）" if len(issues) > QUOTED_ISSUES else ""
    return LayerEditError(
        f"图层校验未通过，未保存：{quoted}{more}", parameter=field or layer, issues=tuple(issues)
    )


#: errno → what a failed read or write means, in words (other errors: the system's text).
_OS_REASONS = {
    errno.ENOENT: "文件不存在",
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "磁盘配额已满",
    errno.EACCES: "没有读写权限",
    errno.EPERM: "没有读写权限",
    errno.EROFS: "文件系统只读",
    errno.EIO: "磁盘读写错误",
}


def _os_reason(exc: OSError) -> str:
    """Why a file could not be read or written, without the server's path."""
    return _OS_REASONS.get(exc.errno or 0) or exc.strerror or type(exc).__name__


def _find(layer: str, doc: dict[str, Any], feature_id: str) -> dict[str, Any]:
    for feature in doc["features"]:
        props = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(props, dict) and str(props.get("id")) == feature_id:
            return feature
    label = SCHEMA_BY_NAME[layer].label
    raise LayerEditError(f"{label}图层中没有编号为 {quoted(feature_id)} 的要素", parameter="id",
                         status=404)


#: Text fields shown as one line on maps, posters and lists, and the most characters they take
#: in the editor (a real 楼栋、站点 or 设施 name is a few words; 300 characters is a paste).
SHORT_TEXT_FIELDS = {"name": "名称", "address": "地址", "contact": "联系电话"}
MAX_NAME_LENGTH = 50


def _require_unchanged(
    layer: str, feature_id: str, current: Mapping[str, Any], expected: Mapping[str, Any]
) -> None:
    """Refuse (409) when a value the form started from (``expected``: properties by name, and
    ``coordinates``) is no longer the feature's: another admin saved in between."""
    properties = current["properties"]
    words = {f.name: re.split(r"[：，\s]", f.label, maxsplit=1)[0]
             for f in SCHEMA_BY_NAME[layer].fields}
    fields = tuple(
        name for name, value in expected.items()
        if not _same_value(
            current.get("coordinates") if name == "coordinates" else properties.get(name), value)
    )
    if fields:
        changed = [words.get(name, name) if name != "coordinates" else "位置" for name in fields]
        label = SCHEMA_BY_NAME[layer].label
        name = properties.get("name") or ""
        message = (f"{label} {name}（{feature_id}）在你打开表单后已被另一次保存修改"
                   f"（{'、'.join(changed)}）：请点“取消”，重新打开看到最新内容后再修改")
        raise StaleEditError(message, fields=fields, current=current)


def _same_value(current: Any, expected: Any) -> bool:
    """Equal as JSON says it: absent, null and "" alike; 3 and 3.0 alike."""
    if current in (None, "") and expected in (None, ""):
        return True
    return bool(json.dumps(current, sort_keys=True) == json.dumps(expected, sort_keys=True)
                or current == expected)


def _apply_properties(layer: str, feature: dict[str, Any], changes: Mapping[str, Any]) -> None:
    """Set each changed property (None or "" removes it); refuse fields that are not editable."""
    allowed = EDITABLE_FIELDS[layer]
    for name, value in changes.items():
        if name not in allowed:
            message = f"字段 {quoted(name)} 不能在此修改（可修改：{'、'.join(allowed)}）"
            raise LayerEditError(message, parameter=name)
        if isinstance(value, str):
            value = value.strip()  # "   " is no name: removed, then refused if required
            if name in SHORT_TEXT_FIELDS and len(value) > MAX_NAME_LENGTH:
                message = (f"{SHORT_TEXT_FIELDS[name]}最多 {MAX_NAME_LENGTH} 个字，收到 "
                           f"{len(value)} 个字（{quoted(value[:12])}…）："
                           "地图标签、海报和名单放不下")
                raise LayerEditError(message, parameter=name)
        if value is None or value == "":
            feature["properties"].pop(name, None)
        else:
            feature["properties"][name] = value


def _check_entrances(feature: dict[str, Any]) -> None:
    """Refuse entrances farther than :data:`ENTRANCE_MAX_M` from the building's outline, said
    for the edited field (the validator says it for files); malformed ones are left to it."""
    points = feature["properties"]["entrances"]
    try:
        outline = shape(feature["geometry"])
        xy = np.array(points, dtype=float).reshape(-1, 2)
    except (TypeError, ValueError, AttributeError, KeyError, shapely.errors.GEOSException):
        return
    metres = entrance_distances([outline], xy, np.zeros(len(xy), dtype=int))
    for number, (lon_lat, distance) in enumerate(zip(points, metres, strict=True), start=1):
        if distance <= ENTRANCE_MAX_M:
            continue
        where = f"楼栋 {feature['properties'].get('id')} 的出入口第 {number} 个 {tuple(lon_lat)}"
        why = (f"离楼栋 {distance:,.0f} 米（应在 {ENTRANCE_MAX_M:g} 米以内），经纬度是否有误？"
               if np.isfinite(distance) else "不是有效的经纬度")
        raise LayerEditError(f"{where} {why}", parameter="entrances")


def _point(position: tuple[float, float]) -> dict[str, Any]:
    lon, lat = position
    for name, value in (("lon", lon), ("lat", lat)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LayerEditError(f"{name} 应为数值，收到 {quoted(value)}", parameter=name)
    coordinates = [round(float(lon), COORDINATE_DECIMALS), round(float(lat), COORDINATE_DECIMALS)]
    return {"type": "Point", "coordinates": coordinates}


def _next_id(layer: str, doc: dict[str, Any], properties: Mapping[str, Any]) -> str:
    """The next free id of the layer's (or the station kind's) prefix: PS-05, RP-02, POI-047."""
    kind = properties.get("kind")
    prefix = ID_PREFIXES.get(kind if kind in STATION_KINDS else layer, "ST")
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    numbers = [
        m.group(1)
        for f in doc["features"]
        if isinstance(f, dict) and isinstance(f.get("properties"), dict)
        and (m := pattern.match(str(f["properties"].get("id", ""))))
    ]
    width = max([len(n) for n in numbers] + [2])
    following = max([int(n) for n in numbers] + [0]) + 1
    return f"{prefix}-{following:0{width}d}"


def _entry_of(path: Path) -> HistoryEntry | None:
    match = _HISTORY_NAME.match(path.name)
    if match is None or match["layer"] not in SCHEMA_BY_NAME:
        return None
    replaced_at = datetime.strptime(match["stamp"], _STAMP_FORMAT).replace(tzinfo=UTC)
    return HistoryEntry(path.name, match["layer"], replaced_at, path)


def _features_of(raw: bytes | None) -> list[dict[str, Any]]:
    """The feature objects of a layer file's text (none when absent or not a collection)."""
    if raw is None:
        return []
    try:
        features = json.loads(raw).get("features")
    except (ValueError, AttributeError):
        return []
    return [f for f in features if isinstance(f, dict)] if isinstance(features, list) else []


def _feature_id(feature: dict[str, Any]) -> str | None:
    props = feature.get("properties")
    return str(props["id"]) if isinstance(props, dict) and props.get("id") is not None else None


def _features_missing_from(current: bytes | None, version: bytes) -> list[dict[str, Any]]:
    """The features of ``current`` whose id ``version`` does not have (what restoring it
    removes)."""
    kept = {_feature_id(f) for f in _features_of(version)}
    return [f for f in _features_of(current) if _feature_id(f) not in kept]


def _feature_count(raw: bytes | None) -> int:
    return len(_features_of(raw))


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
