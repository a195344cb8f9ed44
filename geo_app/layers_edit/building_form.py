"""The building form of the layer editor (``/admin/layers/buildings/<id>``) against lost updates.

The form carries, in hidden ``expected_<field>`` inputs, the text each field started from; the
save hands those values to :meth:`layers.editing.LayerEditor.update` as ``expected`` (the
station/POI editor's own path), which refuses with :class:`~layers.editing.StaleEditError`
when another save changed any of them since. This module words that refusal for the admin —
which fields, from what to what, who saved last and when (from the audit log) — and works
out what the form shows again: the current values, except where the admin had typed a change,
which is kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select

from geo_app.state.clock import community_timezone
from geo_app.store import get_store
from geo_app.store.accounts import list_accounts
from geo_app.store.audit_text import LAYER_FIELDS, actor_name, local_minute
from geo_app.store.models import AuditEntry
from layers.editing import EDITABLE_FIELDS, StaleEditError

#: Prefix of the hidden inputs holding what the form started from.
EXPECTED_PREFIX = "expected_"
#: The longest value a conflict message quotes (an entrance list can be long).
QUOTED_CHARS = 40


def form_values(properties: Mapping[str, Any]) -> dict[str, str]:
    """Each editable building field as the form shows it: whole numbers without ".0",
    entrances one "经度, 纬度" a line, an absent value empty."""
    return {name: _text(name, properties.get(name)) for name in EDITABLE_FIELDS["buildings"]}


def _text(name: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if name == "entrances":
        return "\n".join(f"{lon}, {lat}" for lon, lat in value) if len(value) else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _same_text(a: str | None, b: str | None) -> bool:
    """Equal as typed: blanks and line ends do not count (a browser sends CRLF)."""
    return (a or "").split() == (b or "").split()


def merged_values(
    form: Mapping[str, str], current: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """What the form shows again after a conflict: a field the admin changed (typed text not
    what it started from) keeps the typed text; every other field the ``current`` value. Also
    the fields kept as typed."""
    values, kept = {}, []
    for name, now in current.items():
        typed = form.get(name)
        if typed is not None and not _same_text(typed, form.get(EXPECTED_PREFIX + name)):
            values[name] = typed
            kept.append(name)
        else:
            values[name] = now
    return values, kept


def conflict_message(
    building_id: str, error: StaleEditError, form: Mapping[str, str], kept: list[str]
) -> str:
    """The refusal in words: which fields another save changed, from what to what, who saved
    the building last and when, and what the form now shows."""
    current = form_values(error.current["properties"])
    changes = "、".join(
        f"{LAYER_FIELDS.get(name, name)} {_quoted(form.get(EXPECTED_PREFIX + name))} → "
        f"{_quoted(current.get(name))}"
        for name in error.fields
    )
    name = current.get("name") or building_id
    typed = (f"你改过的{'、'.join(LAYER_FIELDS.get(k, k) for k in kept)}保留了你填写的值，"
             if kept else "")
    last = last_change(building_id)
    who = f"，{last}" if last else ""
    return (f"未保存：楼栋 {name}（{building_id}）在你打开表单后已被另一次保存修改"
            f"（{changes}{who}）。表单已换成最新内容，{typed}请核对后再点“保存”")


def _quoted(text: str | None) -> str:
    flat = "；".join((text or "").split("\n")).replace("\r", "").strip()
    if not flat:
        return "（空）"
    return f"“{flat[:QUOTED_CHARS]}…”" if len(flat) > QUOTED_CHARS else f"“{flat}”"


def last_change(building_id: str) -> str | None:
    """Who changed the building last, and when (北京时间), from the audit log — its own edits
    and restores of the whole buildings layer: "最近一次由 王书记（admin2）于 … 保存"; None when
    the log names none (the file was replaced on disk)."""
    with get_store().read() as db:
        query = (select(AuditEntry)
                 .where(AuditEntry.action.startswith("layer."),
                        or_(AuditEntry.target == f"buildings/{building_id}",
                            AuditEntry.target == "buildings"))
                 .order_by(AuditEntry.id.desc()).limit(1))
        entry = db.scalars(query).first()
        if entry is None:
            return None
        people = {a.username: a.display_name for a in list_accounts(db) if a.display_name}
    who = actor_name(entry.actor, people)
    who = f"{who}（{entry.actor}）" if who != entry.actor and entry.actor in people else who
    how = "恢复历史版本" if entry.action == "layer.restore" else "保存"
    gap = "" if who.endswith("）") else " "
    return f"最近一次由 {who}{gap}于 {local_minute(entry.at, community_timezone())} {how}"
