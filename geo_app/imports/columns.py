"""Source columns → schema fields, and source values → the schema's types.

A column is matched to a field by ``--map field=column`` first, else by the field's own name,
its label or a common Chinese header (:data:`HEADER_VARIANTS`), compared without case, spaces
or brackets. Values are coerced only where the meaning is unambiguous (``"12"`` or ``12.0``
for an integer, ``"党群服务站"`` for ``party_service_station``, JSON text for an object);
anything else is passed on unchanged so the validator reports it with its usual message.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from geo_app.imports.errors import ImportInputError
from layers.quoting import quoted
from layers.schema import ITEM_LABELS, PATH_KINDS, STATION_KINDS, WEEKDAYS, Field, LayerSchema

#: Common headers of each field in Chinese 台账 and GIS attribute tables.
HEADER_VARIANTS: dict[str, tuple[str, ...]] = {
    "id": ("编号", "编码", "代码", "序号", "ID", "FID", "OBJECTID", "标识"),
    "name": (
        "名称",
        "名字",
        "楼栋名称",
        "楼号",
        "楼栋",
        "站点名称",
        "小区名称",
        "网格名称",
        "NAME",
    ),
    "compound": ("小区", "所在小区", "小区名", "所属小区"),
    "floors": ("层数", "楼层", "楼层数", "地上层数", "LEVELS"),
    "units": ("单元数", "单元"),
    "households": ("户数", "住户数", "总户数"),
    "residents": ("人口", "人数", "常住人口", "居住人口"),
    "grid_id": ("网格", "网格编码", "网格编号", "所属网格", "所属网格编码"),
    "parent": ("上级", "上级编码", "上级网格"),
    "leader": ("网格长", "负责人", "网格员"),
    "kind": ("类型", "种类", "站点类型", "道路类型"),
    "hours": ("开放时间", "营业时间", "时间"),
    "contact": ("电话", "联系电话", "联系方式", "手机"),
    "items": ("物资", "物资清单"),
    "address": ("地址", "详细地址"),
    "category": ("类别", "业态", "业态类别", "分类"),
    "entrances": ("出入口", "入口"),
    "provisional": ("暂定",),
    "estimated": ("估算",),
}

_TRUE = {"true", "1", "yes", "y", "是", "对", "√"}
_FALSE = {"false", "0", "no", "n", "否", "不是", "×"}
_ITEM_BY_LABEL = {label: key for key, label in ITEM_LABELS.items()}
_CHOICE_LABELS: dict[str, dict[str, str]] = {
    "kind": {**{v: k for k, v in STATION_KINDS.items()}, **{v: k for k, v in PATH_KINDS.items()}},
}
_ITEM_PAIR = re.compile(r"^\s*([^\s:：=\d]+)\s*[:：=]?\s*(\d+)\s*$")


def _key(text: str) -> str:
    return re.sub(r"[\s_\-（）()【】\[\]]", "", str(text)).lower()


def _map_error(
    pair: str, problem: str, *, choices: tuple[str, Iterable[str]]
) -> ImportInputError:
    """A ``--map`` pair that names what is not there, with what there is: (label, names)."""
    label, names = choices
    msg = f"--map {pair}：{problem}（{label}：{'、'.join(names)}）"
    return ImportInputError(msg, parameter="--map")


def parse_mapping(pairs: Iterable[str], schema: LayerSchema) -> dict[str, str]:
    """``["name=楼名", …]`` → {field: column}; an unknown field or bad pair is refused."""
    mapping: dict[str, str] = {}
    fields = {f.name for f in schema.fields}
    for pair in pairs:
        field_name, sep, column = pair.partition("=")
        field_name, column = field_name.strip(), column.strip()
        if not sep or not field_name or not column:
            msg = f"--map {pair!r} 格式应为 字段=列名"
            raise ImportInputError(msg, parameter="--map")
        if field_name not in fields:
            problem = f"{schema.name} 图层没有字段 {quoted(field_name)}"
            raise _map_error(repr(pair), problem, choices=("可选", sorted(fields)))
        mapping[field_name] = column
    return mapping


def match_columns(
    schema: LayerSchema, columns: Iterable[str], mapping: Mapping[str, str]
) -> dict[str, str]:
    """Field name → source column, for every field a column can be found for."""
    columns = [str(c) for c in columns]
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(_key(column), column)
    matched: dict[str, str] = {}
    for field_name, column in mapping.items():
        if column not in columns:
            problem = f"源文件没有列 {quoted(column)}"
            raise _map_error(f"{field_name}={column}", problem, choices=("现有列", columns))
        matched[field_name] = column
    taken = set(matched.values())
    for spec in schema.fields:
        if spec.name in matched:
            continue
        for candidate in (spec.name, spec.label, *HEADER_VARIANTS.get(spec.name, ())):
            found = by_key.get(_key(candidate)) if candidate else None
            if found is not None and found not in taken:
                matched[spec.name] = found
                taken.add(found)
                break
    return matched


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _as_int(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+(\.0+)?\s*", value):
        return int(float(value))
    return value


def _as_number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _as_str(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number or an id read as a number
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def _as_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return value


def _json_or(value: Any) -> Any:
    if isinstance(value, str) and value.strip()[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _as_items(value: Any) -> Any:
    """JSON, or ``雨伞:10, 充电宝 5`` / ``umbrella=10;…`` pairs with keys or labels."""
    value = _json_or(value)
    if isinstance(value, dict):
        return {_ITEM_BY_LABEL.get(k, k): _as_int(v) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    items: dict[str, Any] = {}
    for part in re.split(r"[,，;；、]", value):
        if not part.strip():
            continue
        match = _ITEM_PAIR.match(part)
        if not match:
            return value
        items[_ITEM_BY_LABEL.get(match.group(1), match.group(1))] = int(match.group(2))
    return items


def _as_hours(value: Any) -> Any:
    """``"24h"``, JSON by weekday, or one ``HH:MM-HH:MM[,…]`` text for every day."""
    value = _json_or(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("24h", "24小时", "全天"):
            return "24h"
        if re.fullmatch(r"[\d:\-,， ]+", text):
            return dict.fromkeys(WEEKDAYS, text.replace("，", ",").replace(" ", ""))
    return value


#: Field kind → its converter (other kinds are text, mapped onto the field's choices).
_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "int": _as_int,
    "number": _as_number,
    "bool": _as_bool,
    "items": _as_items,
    "hours": _as_hours,
    "points": _json_or,
}


def coerce(spec: Field, value: Any) -> Any:
    """``value`` in the type ``spec`` wants where that is unambiguous; ``None`` when empty."""
    if isinstance(value, np.generic):
        value = value.item()
    if _missing(value):
        return None
    convert = _CONVERTERS.get(spec.kind)
    if convert is not None:
        return convert(value)
    value = _as_str(value)
    if spec.choices and isinstance(value, str) and value not in spec.choices:
        return _CHOICE_LABELS.get(spec.name, {}).get(value, value)
    return value
