"""What restoring a kept layer version would undo, in words, for the history page.

A kept version and the layer as it is now are compared feature by feature (by ``id``;
properties and geometry), never by reading the audit log — a file replaced on disk or an import
counts too. Restoring sets back what differs: a changed feature's fields 改回 their old values,
a feature added since is 删除, one deleted since comes back (恢复). A few changes are told in
full, the rest counted: "恢复后：服务站点 和园歇歇角（S-2）的开放时间改回 24 小时开放；删除新增的
便民设施 水果店（POI-2）；另有 12 处楼栋修改".

Kept versions never change, so each preview is cached under the version's name and the digest
of the current file (an edit of the layer makes a new digest).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from geo_app.stations.hours import HoursFormatError, describe_hours, parse_hours
from geo_app.store.audit_text import LAYER_FIELDS
from layers.editing import HistoryEntry
from layers.schema import ITEM_LABELS, SCHEMA_BY_NAME, STATION_KINDS

#: How many changes a preview tells in full before counting the rest.
SHOWN_CHANGES = 3
#: The longest value quoted (a name, an address).
QUOTED_CHARS = 16
#: Previews kept in memory (a version × a state of its layer).
CACHE_SIZE = 512
_CACHE: OrderedDict[tuple[str, str], str] = OrderedDict()

Features = dict[str, dict[str, Any]]


def restore_preview(entry: HistoryEntry, current: bytes | None) -> str:
    """What restoring ``entry`` would change in its layer, whose file now holds ``current``
    (None: there is no file)."""
    key = (entry.name, hashlib.sha256(current or b"").hexdigest())
    if key not in _CACHE:
        _CACHE[key] = _preview(entry.layer, entry.path.read_bytes(), current)
        if len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return _CACHE[key]


def _preview(layer: str, version: bytes, current: bytes | None) -> str:
    old, now = _features(version), _features(current or b'{"features": []}')
    if old is None:
        return "版本文件无法读取，不能恢复"
    if now is None:
        return "当前图层文件无法读取：恢复后换成这个版本"
    label = SCHEMA_BY_NAME[layer].label
    # (kind of change, text): kinds are counted once the first few are told
    changes: list[tuple[str, str]] = []
    for fid, feature in old.items():
        if fid not in now:
            changes.append(("恢复", f"恢复已删除的{label} {_name(feature, fid)}"))
        elif (fields := _differences(feature, now[fid])):
            changes.append(("修改", f"{label} {_name(now[fid], fid)}的{'、'.join(fields)}"))
    changes += [("删除", f"删除新增的{label} {_name(f, fid)}")
                for fid, f in now.items() if fid not in old]
    if not changes:
        return "与当前图层相同，恢复不会改变任何内容"
    told = "；".join(text for _, text in changes[:SHOWN_CHANGES])
    rest = changes[SHOWN_CHANGES:]
    counts = [f"{n} {'处' if kind == '修改' else '个'}{label}{kind}"
              for kind in ("修改", "恢复", "删除")
              if (n := sum(1 for k, _ in rest if k == kind))]
    more = f"；另有 {'、'.join(counts)}" if counts else ""
    return f"恢复后：{told}{more}"


def _features(raw: bytes) -> Features | None:
    """The features of a GeoJSON text by id; None when it is not a FeatureCollection."""
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        return None
    found: Features = {}
    for index, feature in enumerate(doc["features"], start=1):
        if not isinstance(feature, dict):
            continue
        properties = feature.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        fid = properties.get("id")
        found[str(fid) if fid not in (None, "") else f"#{index}"] = feature
    return found


def _name(feature: Mapping[str, Any], fid: str) -> str:
    name = str((feature.get("properties") or {}).get("name") or "").strip()
    return f"{_short(name)}（{fid}）" if name else fid


def _differences(old: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """Each field of ``now`` that restoring sets back to ``old``: "开放时间改回 24 小时开放"."""
    before, after = old.get("properties") or {}, now.get("properties") or {}
    order = list(LAYER_FIELDS)
    keys = sorted(before.keys() | after.keys(),
                  key=lambda k: (order.index(k) if k in order else len(order), k))
    fields = [f"{LAYER_FIELDS.get(k, k)}改回 {_value(k, before.get(k))}"
              for k in keys if not _same(before.get(k), after.get(k))]
    geometry = old.get("geometry") or {}
    if not _same(geometry, now.get("geometry")):
        point = geometry.get("type") == "Point"
        fields.append("位置改回原处" if point else "轮廓改回原样")
    return fields


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _value(key: str, value: Any) -> str:
    """A layer value as the admin reads it (hours and items in words, long text cut)."""
    if value is None or value == "":
        return "（空）"
    if key == "hours":
        try:
            return describe_hours(parse_hours(value))
        except HoursFormatError:
            return _short(str(value))
    if key == "items" and isinstance(value, dict):
        return "、".join(f"{ITEM_LABELS.get(k, k)} {n}" for k, n in value.items()) or "（无）"
    if key == "kind":
        return STATION_KINDS.get(str(value), str(value))
    if key == "entrances" and isinstance(value, list):
        return f"{len(value)} 个出入口"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return f"“{_short(str(value))}”"


def _short(text: str) -> str:
    return text if len(text) <= QUOTED_CHARS else f"{text[:QUOTED_CHARS]}…"
