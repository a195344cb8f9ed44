"""The admin's layer editor: place, move, edit and delete stations and POIs on the map, edit
buildings' attributes, and restore a replaced version — live, without a restart.

Pages under ``/admin/layers``, JSON under ``/admin/api/layers`` (``X-CSRFToken`` header). Every
save validates the whole layer set, writes the file atomically, keeps the replaced version,
writes an audit entry and swaps the running community (:mod:`geo_app.layers_edit.service`);
a refused edit changes nothing and answers the validator's message.
"""

from __future__ import annotations

import math
from typing import Any

import shapely.geometry
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from geo_app.formats.bbox import BoxError, parse_box
from geo_app.formats.numbers import integer_number
from geo_app.layers_edit.attached import items_text
from geo_app.layers_edit.building_form import (
    EXPECTED_PREFIX,
    conflict_message,
    form_values,
    merged_values,
)
from geo_app.layers_edit.restore_preview import restore_preview
from geo_app.layers_edit.service import delete_feature, get_editor, restore_version, save_edit
from geo_app.layers_edit.view import MAP_LAYERS, VIEW_LAYERS, cut_to_box, layer_trees
from geo_app.maps.styles import grid_colours
from geo_app.state.cache import per_community
from geo_app.state.community import get_community
from geo_app.store.audit_text import LAYER_FIELDS
from geo_app.store.roles import ADMIN
from geo_app.web.access import require_roles
from geo_app.web.building_search import MAX_BUILDING_QUERY, building_search
from geo_app.web.editor_openapi import EDITOR_LAYERS
from geo_app.web.errors import ApiError, json_object_body
from geo_app.web.openapi import DELETE_LAYER_FEATURE, documented, parse_query
from geo_app.web.paging import list_page
from layers import SCHEMA_BY_NAME, Community
from layers.editing import (
    EDITABLE_FIELDS,
    POINT_LAYERS,
    EditResult,
    LayerEditError,
    LayerEditor,
    StaleEditError,
)
from layers.quoting import quoted
from layers.schema import (
    ITEM_LABELS,
    POI_CATEGORIES,
    STATION_KINDS,
    WEEKDAY_LABELS,
)

bp = Blueprint("layer_editor", __name__, url_prefix="/admin")

#: Kept versions a page of the history lists (each with what restoring it would change).
HISTORY_PAGE_ROWS = 20
#: Building attributes read from the form as whole numbers.
BUILDING_NUMBERS = ("floors", "units", "households", "residents")


# ---------------------------------------------------------------------- pages


@bp.get("/layers")
@require_roles(ADMIN)
def editor() -> str:
    """图层编辑：在地图上新增、拖动、修改服务站与便民设施，点楼栋修改其属性。"""
    community = get_community()
    boundary = community.boundary.geometry
    centre = boundary.union_all().centroid
    west, south, east, north = (float(v) for v in boundary.total_bounds)
    config = {
        "layersUrl": url_for("layer_editor.layers_json"),
        "viewLayers": list(VIEW_LAYERS),
        "bounds": [[south, west], [north, east]] if len(boundary) else None,
        "createUrl": url_for("layer_editor.create_json", layer="__layer__"),
        "updateUrl": url_for(
            "layer_editor.update_json", layer="__layer__", feature_id="__id__"
        ),
        "deleteUrl": url_for(
            "layer_editor.delete_json", layer="__layer__", feature_id="__id__"
        ),
        "buildingUrl": url_for("layer_editor.building_form", building_id="__id__"),
        "centre": [centre.y, centre.x],
        "gridColours": grid_colours(community.grids["id"]),
        "items": ITEM_LABELS,
        "weekdays": WEEKDAY_LABELS,
    }
    return render_template(
        "layer_editor.html", config=config, kinds=STATION_KINDS, categories=POI_CATEGORIES,
        grids=_grid_names(community), items=ITEM_LABELS, weekdays=WEEKDAY_LABELS,
        read_only=_read_only_reason(),
    )


@bp.get("/layers/buildings")
@require_roles(ADMIN)
def building_list() -> str:
    """楼栋属性：按名称、编号、小区搜索或按网格筛选，分页显示，点名称修改（区级规模有
    上万栋楼，一次全列出是 4.8 MB 的页面）。"""
    community = get_community()
    grids = _grid_names(community)
    search = building_search(request.args, grids)
    rows = [b for b in community.buildings.itertuples()
            if search.matches(grid=str(b.grid_id), texts=(b.name, b.id, b.compound))]
    page = list_page(len(rows))
    return render_template(
        "layer_editor_buildings.html", buildings=rows[page.start:page.stop], found=len(rows),
        total=len(community.buildings), page=page, search=search, keep=search.keep,
        grids=grids, max_query=MAX_BUILDING_QUERY,
    )


@bp.get("/layers/buildings/<building_id>")
@require_roles(ADMIN)
def building_form(building_id: str) -> str:
    """修改一栋楼的名称、层数、单元数、户数、常住人口、所属网格与出入口。"""
    values = form_values(_building(building_id))
    return _building_page(building_id, values=values, started=values)


def _building(building_id: str) -> dict[str, Any]:
    """The building's properties as served now; 404 when there is none."""
    community = get_community()
    found = community.buildings[community.buildings["id"] == building_id]
    if found.empty:
        raise ApiError("building_id", f"没有编号为 {quoted(building_id)} 的楼栋", status=404)
    return dict(found.iloc[0])


def _building_page(building_id: str, *, values: dict[str, str], started: dict[str, str]) -> str:
    """The form showing ``values``, its hidden inputs holding what it started from."""
    return render_template(
        "layer_editor_building.html", building_id=building_id, values=values,
        started=started, expected_prefix=EXPECTED_PREFIX, grids=_grid_names(get_community()),
    )


@bp.post("/layers/buildings/<building_id>")
@require_roles(ADMIN)
def save_building(building_id: str) -> ResponseReturnValue:
    """保存楼栋属性（整套图层校验通过才写入；未通过时原文件不变）。打开表单后别人已保存过
    这栋楼时不覆盖（409）：说明改了哪些字段、由谁，表单换成最新内容并保留自己改过的字段。"""
    back = redirect(url_for("layer_editor.building_form", building_id=building_id))
    try:
        changes = _building_changes(request.form)
        expected = _building_changes(request.form, prefix=EXPECTED_PREFIX)
        if not changes:
            flash("没有修改任何字段", "ok")
            return back
        result = _save(lambda editor, moment: editor.update(
            "buildings", building_id, changes, expected=expected, moment=moment))
    except StaleEditError as exc:
        values, kept = merged_values(request.form, form_values(exc.current["properties"]))
        flash(conflict_message(building_id, exc, request.form, kept), "error")
        started = form_values(exc.current["properties"])
        return _building_page(building_id, values=values, started=started), 409
    except LayerEditError as exc:
        flash(_refused("未保存", exc.message), "error")
        return back
    before = result.before["properties"] if result.before is not None else {}
    changed = [LAYER_FIELDS.get(k, k) for k in changes if before.get(k) != changes[k]]
    name = (result.after or {}).get("properties", {}).get("name") or building_id
    flash(f"已保存楼栋 {name}（{building_id}）：{'、'.join(changed) or '无变化'}，"
          "服务已使用新数据", "ok")
    return back


@bp.get("/layers/history")
@require_roles(ADMIN)
def history() -> str:
    """历史版本：每次保存前的图层文件，可恢复任一版本，并说明恢复后与当前图层相比会改回什么
    （自带的样例图层没有历史版本，页面说明原因而不是报错）。"""
    try:
        editor = get_editor()
        entries = editor.history()
    except LayerEditError as exc:
        return render_template(
            "layer_editor_history.html", entries=[], labels=_layer_labels(),
            read_only=exc.message, page=None,
        )
    page = list_page(len(entries), rows=HISTORY_PAGE_ROWS)
    shown = entries[page.start:page.stop]
    current = {layer: _current_text(editor, layer) for layer in {e.layer for e in shown}}
    return render_template(
        "layer_editor_history.html", entries=shown, labels=_layer_labels(), read_only=None,
        page=page, previews={e.name: restore_preview(e, current[e.layer]) for e in shown},
    )


def _current_text(editor: LayerEditor, layer: str) -> bytes | None:
    """The layer's file as it is now (None when there is none)."""
    try:
        return editor.source.read(layer)
    except OSError:
        return None


@bp.post("/layers/history/<name>/restore")
@require_roles(ADMIN)
def restore(name: str) -> Response:
    """恢复一个历史版本（同样先整套校验；当前文件也会先存为历史版本）。"""
    try:
        restored = restore_version(name, actor=g.user.username,
                                   write_off_stock=request.form.get("stock") == "write_off")
    except LayerEditError as exc:
        flash(_refused("未恢复", exc.message), "error")
    else:
        result = restored.result
        kept = f"，恢复前的文件已存为 {result.kept.name}" if result.kept else ""
        written_off = (f"；库存报损清零：{items_text(restored.written_off)}"
                       if restored.written_off else "")
        flash(f"已恢复 {_layer_labels()[result.layer]} 为历史版本 {name}"
              f"（{result.features_before} → {result.features_after} 个要素）{kept}{written_off}",
              "ok")
    return redirect(url_for("layer_editor.history"))


# ---------------------------------------------------------------------- JSON


@bp.get("/api/layers")
@require_roles(ADMIN)
@documented(EDITOR_LAYERS)
def layers_json() -> dict[str, Any]:
    """JSON: the layers the editor draws (``layers``, default all), as served now, each a
    FeatureCollection; with ``bbox`` the buildings, paths and POIs in that box only."""
    args = parse_query(EDITOR_LAYERS.parameters)
    names = _layer_names(args["layers"])
    collections = per_community("layer_editor.collections", _collections)
    if args["bbox"] is None:
        return {"layers": {name: collections[name] for name in names}}
    try:
        box = parse_box(args["bbox"])
    except BoxError as exc:
        raise ApiError("bbox", f"参数 bbox {exc}") from None
    limit = int(current_app.config["EDITOR_VIEW_MAX_FEATURES"])
    cut = cut_to_box(collections, per_community("layer_editor.trees", layer_trees), box,
                     names=names, limit=limit)
    return {
        "layers": cut.collections,
        "view": {"bbox": list(box), "found": cut.found, "limit": limit,
                 "complete": cut.complete},
    }


@bp.get("/api/layers/history")
@require_roles(ADMIN)
def history_json() -> dict[str, Any]:
    """JSON: the kept versions, newest first (409 on the sample shipped in the repository)."""
    try:
        entries = get_editor().history()
    except LayerEditError as exc:
        raise ApiError(exc.parameter, exc.message, status=exc.status) from None
    return {
        "versions": [
            {"name": e.name, "layer": e.layer, "replaced_at": e.replaced_at.isoformat(),
             "size": e.size}
            for e in entries
        ]
    }


@bp.post("/api/layers/<layer>")
@require_roles(ADMIN)
def create_json(layer: str) -> tuple[dict[str, Any], int]:
    """JSON {properties, lon, lat} → the new station or POI (201); 400 with the validator's
    message when the layer set would not validate."""
    body = json_object_body()
    position = _position(body, required=True)
    assert position is not None
    result = _api_save(lambda editor, moment: editor.create(
        layer, _properties(body), position, moment=moment))
    return _answer(result), 201


@bp.post("/api/layers/<layer>/<feature_id>")
@require_roles(ADMIN)
def update_json(layer: str, feature_id: str) -> dict[str, Any]:
    """JSON {properties?, lon?, lat?, expected?} → the changed feature: new attributes and/or
    moved; 409 when ``expected`` (the values the form started from) is no longer current."""
    body = json_object_body()
    position = _position(body, required=False)
    properties = _properties(body)
    expected = _properties(body, key="expected")
    if position is None and not properties:
        raise ApiError("properties", "没有要修改的内容：请给出 properties 或新的 lon/lat")
    result = _api_save(lambda editor, moment: editor.update(
        layer, feature_id, properties, position=position, expected=expected, moment=moment))
    return _answer(result)


@bp.delete("/api/layers/<layer>/<feature_id>")
@require_roles(ADMIN)
@documented(DELETE_LAYER_FEATURE)
def delete_json(layer: str, feature_id: str) -> dict[str, Any]:
    """JSON: delete a station or POI → the feature as it was; 409 listing what is still at a
    station (``?stock=write_off`` writes its shelf stock off with it)."""
    args = parse_query(DELETE_LAYER_FEATURE.parameters)
    try:
        deletion = delete_feature(layer, feature_id, actor=g.user.username,
                                  write_off_stock=args["stock"] == "write_off")
    except LayerEditError as exc:
        raise ApiError(exc.parameter, exc.message, status=exc.status) from None
    return {**_answer(deletion.edit), "written_off": deletion.written_off}


# ---------------------------------------------------------------------- helpers


def _refused(outcome: str, message: str) -> str:
    """A refusal for a flash: ``outcome``（未保存/未恢复）first, unless the validator's
    message already says it ("图层校验未通过，未保存：…")."""
    return message if message.startswith("图层校验未通过") else f"{outcome}：{message}"


def _read_only_reason() -> str | None:
    """Why the running layers cannot be edited here (the bundled sample), else ``None``."""
    try:
        get_editor()
    except LayerEditError as exc:
        return exc.message
    return None


def _save(change: Any) -> EditResult:
    return save_edit(change, actor=g.user.username)


def _api_save(change: Any) -> EditResult:
    """:func:`_save`, a refusal answered as ``{"error", "parameter"}`` with its status."""
    try:
        return _save(change)
    except LayerEditError as exc:
        raise ApiError(exc.parameter, exc.message, status=exc.status) from None


def _answer(result: EditResult) -> dict[str, Any]:
    return {
        "layer": result.layer,
        "id": result.feature_id,
        "before": result.before,
        "after": result.after,
        "kept": result.kept.name if result.kept else None,
    }


def _properties(body: dict[str, Any], *, key: str = "properties") -> dict[str, Any]:
    """The object ``body[key]`` (``properties``, or ``expected``: the values the form started
    from); absent: empty."""
    properties = body.get(key) or {}
    if not isinstance(properties, dict):
        raise ApiError(key, f"{key} 须为对象，收到 {type(properties).__name__}")
    return properties


def _position(body: dict[str, Any], *, required: bool) -> tuple[float, float] | None:
    lon, lat = body.get("lon"), body.get("lat")
    if lon is None and lat is None and not required:
        return None
    for name, value in (("lon", lon), ("lat", lat)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(
            value
        ):
            raise ApiError(name, f"{name} 须为数值（WGS84 经纬度），收到 {quoted(value)}")
    return float(lon), float(lat)  # type: ignore[arg-type]


def _building_changes(form: Any, *, prefix: str = "") -> dict[str, Any]:
    """The form's fields that are present, typed for the layer (absent fields unchanged);
    ``prefix`` ``expected_``: the hidden inputs holding what the form started from."""
    changes: dict[str, Any] = {}
    labels = {f.name: f.label for f in SCHEMA_BY_NAME["buildings"].fields}
    for name in EDITABLE_FIELDS["buildings"]:
        if prefix + name not in form:
            continue
        text = form[prefix + name].strip()
        if name in BUILDING_NUMBERS and text:
            try:
                changes[name] = integer_number(text)
            except ValueError:
                message = f"{labels[name]}（{name}）须为整数，收到 {quoted(text)}"
                raise LayerEditError(message, parameter=name) from None
        elif name == "entrances":
            changes[name] = _entrances(text)
        else:
            changes[name] = text
    return changes


def _entrances(text: str) -> list[list[float]] | None:
    """Lines "经度, 纬度" → [[lon, lat], …] (None when empty: the field is removed)."""
    points = []
    for number, line in enumerate(text.replace("，", ",").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        try:
            lon, lat = (float(p) for p in parts)
        except ValueError:
            message = f"出入口第 {number} 行 {quoted(line.strip())} 应为「经度, 纬度」两个数"
            raise LayerEditError(message, parameter="entrances") from None
        points.append([lon, lat])
    return points or None


def _layer_names(text: str | None) -> list[str]:
    """The layers ``?layers=`` names (comma-separated, each once, in map order); all if absent."""
    if text is None:
        return list(MAP_LAYERS)
    asked = [name.strip() for name in text.replace("，", ",").split(",")]
    for name in asked:
        if name not in MAP_LAYERS:
            raise ApiError("layers", f"参数 layers 中的图层 {quoted(name)} 不存在"
                           f"（可用：{'、'.join(MAP_LAYERS)}）")
    return [name for name in MAP_LAYERS if name in asked]


def _grid_names(community: Community) -> dict[str, str]:
    grids = community.grids
    return dict(zip(grids["id"], grids["name"], strict=True))


def _layer_labels() -> dict[str, str]:
    return {name: schema.label for name, schema in SCHEMA_BY_NAME.items()}


def _collections(community: Community) -> dict[str, dict[str, Any]]:
    """Each map layer of ``community`` as a GeoJSON FeatureCollection (absent values left out);
    editable layers are marked so the page knows which to offer for editing."""
    collections = {}
    for name in MAP_LAYERS:
        frame = community.layer(name)
        fields = [f.name for f in SCHEMA_BY_NAME[name].fields]
        features = [
            {
                "type": "Feature",
                "properties": {k: v for k, v in row.items() if not _absent(v)},
                "geometry": shapely.geometry.mapping(geometry),
            }
            for row, geometry in zip(
                frame[fields].to_dict("records"), frame.geometry, strict=True
            )
        ]
        collections[name] = {
            "type": "FeatureCollection",
            "features": features,
            "editable": name in EDITABLE_FIELDS,
            "movable": name in POINT_LAYERS,
        }
    return collections


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
