"""The audit log for people: plain Chinese sentences, filters by person, kind and day, CSV.

"王书记 2026-11-27 14:03 借出 风格城市党群服务站 雨伞 1 把，借用人 张**". Times are 北京时间
(the community's time zone); the stored entries stay in UTC and unchanged (append-only).
Borrowers' and residents' names appear masked (张**), phones never.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from geo_app.formats.csv_text import csv_text
from geo_app.governance.items import ITEM_STATUSES
from geo_app.governance.meetings import MEETING_KINDS
from geo_app.store.loans import mask_name
from geo_app.store.models import AuditEntry
from geo_app.store.roles import ROLE_LABELS
from layers.schema import ITEM_LABELS, SCHEMA_BY_NAME

#: Kind of entry (for the filter) → (label, action prefixes).
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "loan": ("借还", ("loan.",)),
    "stock": ("库存", ("stock.",)),
    "account": ("账号", ("account.",)),
    "roster": ("住户台账", ("household.", "person.", "people.")),
    "visit": ("走访", ("visit.",)),
    "building": ("楼栋划分", ("building.",)),
    "layer": ("图层编辑", ("layer.",)),
    "volunteering": ("志愿服务与积分", (
        "activity.", "signup.", "checkin", "hours.", "points.", "goods.", "team.", "volunteer.",
    )),
    "governance": ("微协商", ("view.", "meeting.", "item.")),
}
#: Measure words (量词) of the station items.
ITEM_UNITS: dict[str, str] = {
    "umbrella": "把", "first_aid_kit": "个", "power_bank": "个", "sewing_kit": "个",
    "drinking_water": "瓶", "reading_glasses": "副", "bicycle_pump": "个", "microwave": "台",
    "wheelchair": "辆", "cane": "根", "phone_charging": "次",
}
STOCK_VERBS = {"lent": "借出", "returned": "归还", "restocked": "补货", "written_off": "报损"}
#: Short names of the fields the layer editor changes (the schema's labels explain too much).
LAYER_FIELDS = {
    "name": "名称", "kind": "类型", "grid_id": "所属网格", "hours": "开放时间",
    "contact": "联系电话", "items": "物资", "address": "地址", "category": "业态类别",
    "floors": "层数", "units": "单元数", "households": "户数", "residents": "常住人口",
    "entrances": "出入口",
}
#: What an entry's target ``<prefix>:<id>`` is, for the entries told by their own note.
TARGET_KINDS = {"activity": "活动", "volunteer": "志愿者", "team": "队伍", "goods": "兑换物品",
                "roster": "台账文件", "view": "意见", "meeting": "会议", "item": "治理项目"}
#: Notes that name a person in full (a check-in's "吴浩英 签到"): told without the name.
PLAIN_NOTES = {"checkin": "签到"}
MAX_ROWS = 5000
#: Actors that are no account, in words ("cli:<login>" is a command run as that system user).
ACTOR_WORDS = {"system": "系统", "sample": "示例数据", "cli": "命令行", "resident": "居民"}


def actor_name(username: str, people: Mapping[str, str]) -> str:
    """Who acted, as people know them: an account's display name (``people``: username →
    name); the actors that are no account (the service itself, the sample generator, a
    resident, a command run as a system user) in words."""
    if username in people:
        return people[username]
    if username in ACTOR_WORDS:
        return ACTOR_WORDS[username]
    command, _, login = username.partition(":")
    if command == "cli":
        return f"命令行（{login}）" if login else "命令行"
    return username


@dataclass(frozen=True)
class Names:
    """What the sentences name things by: accounts, stations, buildings, grids."""

    people: Mapping[str, str]  # username → display name
    stations: Mapping[str, str]
    buildings: Mapping[str, str]
    grids: Mapping[str, str]

    def person(self, username: str) -> str:
        """Who acted, in words (:func:`actor_name`)."""
        return actor_name(username, self.people)

    def station(self, station_id: str) -> str:
        return self.stations.get(station_id, station_id)

    def grid(self, grid_id: str | None) -> str:
        return self.grids.get(grid_id or "", grid_id or "无")


def kind_of(action: str) -> str:
    """The filter kind of an action ("" when none fits)."""
    for kind, (_, prefixes) in KINDS.items():
        if action.startswith(prefixes):
            return kind
    return ""


def local_minute(moment: datetime, zone: tzinfo) -> str:
    """A stored time (naive means UTC) as 北京时间 ``YYYY-MM-DD HH:MM``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _items(item: str, quantity: Any) -> str:
    return f"{ITEM_LABELS.get(item, item)} {quantity} {ITEM_UNITS.get(item, '件')}"


def _room(data: Mapping[str, Any], names: Names) -> str:
    building = names.buildings.get(data.get("building_id", ""), data.get("building_id", ""))
    return f"{building} {data.get('unit')} 单元 {data.get('room')} 室"


def _tags(data: Mapping[str, Any] | None) -> str:
    return "、".join((data or {}).get("tags") or []) or "无"


def _stock(e: AuditEntry, n: Names) -> str:
    station, _, item = e.target.removeprefix("station:").partition("/")
    movement = e.action.removeprefix("stock.")
    if movement == "seed":
        return f"按图层初始化 {n.station(station)} 的库存"
    before, after = (e.before or {}).get("count"), (e.after or {}).get("count")
    quantity = abs((after or 0) - (before or 0))
    verb = STOCK_VERBS.get(movement, movement)
    return f"登记库存{verb} {n.station(station)} {_items(item, quantity)}（{before} → {after}）"


def _loan(e: AuditEntry, n: Names) -> str:
    data = e.after or {}
    station = n.station(data.get("station_id", ""))
    what = f"{station} {_items(data.get('item', ''), data.get('quantity'))}"
    borrower = data.get("borrower", "—")
    if e.action == "loan.lend":
        return f"借出 {what}，借用人 {borrower}，应还日期 {data.get('due')}"
    return f"收回 {what}，借用人 {borrower}（借用记录 {e.target.removeprefix('loan:')}）"


def _account(e: AuditEntry, n: Names) -> str:
    username = e.target.removeprefix("account:")
    after, before = e.after or {}, e.before or {}
    role = ROLE_LABELS.get(after.get("role", ""), after.get("role", ""))
    where = f"，网格 {n.grid(after.get('grid_id'))}" if after.get("grid_id") else ""
    buildings = after.get("building_ids") or []
    named = "、".join(n.buildings.get(b, b) for b in buildings)
    places = f"，负责 {named}" if buildings else ""
    if e.action == "account.create":
        return f"创建账号 {username}（{role}{where}{places}）"
    if e.action == "account.password":
        return f"重设了账号 {username} 的密码"
    if e.action == "account.deactivate":
        return f"停用了账号 {username}"
    if e.action == "account.reactivate":
        return f"重新启用了账号 {username}"
    changes = []
    if before.get("role") != after.get("role"):
        changes.append(f"角色 {ROLE_LABELS.get(before.get('role', ''), '—')} → {role}")
    if before.get("grid_id") != after.get("grid_id"):
        changes.append(f"网格 {n.grid(before.get('grid_id'))} → {n.grid(after.get('grid_id'))}")
    if before.get("building_ids") != after.get("building_ids"):
        changes.append(f"负责楼栋 → {named or '无'}")
    if before.get("active") != after.get("active"):
        changes.append("启用" if after.get("active") else "停用")
    return f"调整账号 {username}：{'；'.join(changes) or '无变化'}"


def _household(e: AuditEntry, n: Names) -> str:
    data = e.after or e.before or {}
    where = _room(data, n)
    if e.action == "household.add":
        return f"登记新住户 {where}（关注：{_tags(e.after)}）"
    if e.action == "household.move_out":
        return f"登记住户 {where} 迁出"
    before = _room(e.before or {}, n)
    moved = f"，房号 {before} → {where}" if before != where else ""
    return f"修改住户 {where}：关注 {_tags(e.before)} → {_tags(e.after)}{moved}"


PERSON_FIELDS = {"name": "姓名", "gender": "性别", "birth_year": "出生年份", "relation": "关系",
                 "party_member": "党员", "phone": "电话"}


def _person(e: AuditEntry, n: Names) -> str:
    data = e.after or e.before or {}
    who = f"{mask_name(data.get('name', '')) or '—'}（住户 {data.get('household_id', '')}）"
    if e.action == "person.add":
        return f"登记居民 {who}"
    if e.action == "person.move_out":
        return f"登记居民 {who} 迁出"
    before, after = e.before or {}, e.after or {}
    changed = [label for key, label in PERSON_FIELDS.items() if before.get(key) != after.get(key)]
    return f"修改居民 {who} 的{'、'.join(changed) or '信息'}"


def _visit(e: AuditEntry, n: Names) -> str:
    data = e.after or {}
    if e.action == "visit.follow_up_close":
        how = "（走访时解决）" if data.get("closing_visit_id") else ""
        return (f"办结 {_room(data, n)} {data.get('follow_up_of')} 走访的跟进事项"
                f"（{data.get('visited_on')}）{how}")
    follow = "，需跟进" if data.get("follow_up") else ""
    return f"{data.get('kind', '走访')} {_room(data, n)}（{data.get('visited_on')}）{follow}"


def _building(e: AuditEntry, n: Names) -> str:
    building = e.target.removeprefix("building:")
    before, after = (e.before or {}).get("grid_id"), (e.after or {}).get("grid_id")
    return f"把 {n.buildings.get(building, building)} 从 {n.grid(before)} 划入 {n.grid(after)}"


def _people_seed(e: AuditEntry, n: Names) -> str:
    data = e.after or {}
    return (f"生成示例住户台账：{len(data.get('buildings', []))} 栋楼，"
            f"{data.get('households')} 户，{data.get('residents')} 人")


def _layer_label(layer: str) -> str:
    schema = SCHEMA_BY_NAME.get(layer)
    return schema.label if schema is not None else layer


def _layer(e: AuditEntry, n: Names) -> str:
    """新增/修改/删除 a station, POI or building, or 恢复 a layer's kept version."""
    if e.action == "layer.restore":
        before, after = e.before or {}, e.after or {}
        return (f"把{_layer_label(e.target)}图层恢复为历史版本 {after['restored']}"
                f"（{before.get('features')} → {after.get('features')} 个要素）")
    layer, _, feature_id = e.target.partition("/")
    old = (e.before or {}).get("properties") or {}
    new = (e.after or {}).get("properties") or {}
    what = f"{_layer_label(layer)} {new.get('name') or old.get('name') or ''}（{feature_id}）"
    if e.action == "layer.create":
        return f"新增{what}"
    if e.action == "layer.delete":
        return f"删除{what}"
    order = list(LAYER_FIELDS)
    keys = sorted(old.keys() | new.keys(), key=lambda k: (order.index(k) if k in order else 99, k))
    changed = [LAYER_FIELDS.get(k, k) for k in keys if old.get(k) != new.get(k)]
    if (e.before or {}).get("coordinates") != (e.after or {}).get("coordinates"):
        changed.append("位置")
    return f"修改{what}：{'、'.join(changed) or '无变化'}"


def _noted(e: AuditEntry, n: Names) -> str:
    """An entry that says what happened in its own note (volunteering, points, goods): the
    note, then what it concerns in words (活动 12「title」, 志愿者 JN00001, a station's name)."""
    if not e.note:
        raise ValueError(e.action)
    prefix, _, ident = e.target.partition(":")
    after = e.after or {}
    if prefix == "station":
        station, _, _goods = ident.partition("/")
        concerning = n.station(station)
    else:
        concerning = f"{TARGET_KINDS.get(prefix, prefix)} {ident}".strip()
        title = after.get("title") if prefix == "activity" else (
            after.get("name") if prefix in ("team", "goods") else None)
        if title:
            concerning += f"「{title}」"
    card = after.get("card")
    note = PLAIN_NOTES.get(e.action, e.note)
    if card and card not in note:
        concerning += f"，志愿者 {card}"
    return f"{note}（{concerning}）"


#: A view's steps (``view.<step>``) in words; ``{view}`` is 意见 #12「its text shortened」.
VIEW_STEPS = {
    "submit": "提交{view}（{category}，{where}，来源：{source}）",
    "published": "审核{view}：公开",
    "hidden": "审核{view}：不公开",
    "accepted": "立案{view}",
    "assigned": "派遣{view}，承办：{assignee}",
    "in_progress": "开始处置{view}",
    "answered": "反馈{view}（已答复居民）",
    "closed": "结案{view}",
    "rejected": "不予受理{view}",
    "duplicate": "把{view}标为意见 #{duplicate_of} 的重复，并入原意见",
    "transferred": "把{view}从 {from_grid} 转办给 {to_grid}",
    "rated": "评价{view}：满意度 {rating} 分",
}


def _governed(kind: str, ident: object, title: object) -> str:
    """意见 #12「…」, 会议 #3「…」, 治理项目 #5「…」."""
    return f"{TARGET_KINDS[kind]} #{ident}「{title}」"


def _view(e: AuditEntry, n: Names) -> str:
    """A view submitted, moved on one step of its life, or rated (no name, no phone)."""
    data = e.after or {}
    building = data.get("building_id")
    where = n.grid(data.get("grid_id")) + (f" {n.buildings.get(building, building)}"
                                           if building else "")
    told = VIEW_STEPS[e.action.removeprefix("view.")].format(
        **data, view=_governed("view", e.target.removeprefix("view:"), data.get("text", "")),
        where=where, from_grid=n.grid((e.before or {}).get("grid_id")),
        to_grid=n.grid(data.get("grid_id")),
    )
    reason = data.get("reason")
    return f"{told}，原因「{reason}」" if reason else told


def _views(ids: Iterable[int]) -> str:
    return "、".join(f"#{i}" for i in ids) or "无"


def _meeting(e: AuditEntry, n: Names) -> str:
    data = e.after or {}
    return (f"记录{MEETING_KINDS[data['kind']]} #{e.target.removeprefix('meeting:')}"
            f"「{data['topic']}」"
            f"（{n.grid(data.get('grid_id'))}，{data.get('held_at')}，{data.get('place_name')}，"
            f"{data.get('attendees')} 人参加，议及意见 {_views(data.get('view_ids') or [])}）")


def _item_status(state: Mapping[str, Any]) -> str:
    return f"{ITEM_STATUSES[state['status']]} {state['progress']}%"


def _item(e: AuditEntry, n: Names) -> str:
    """A governance item created or moved on, by a meeting's decision or on its own page."""
    after, before = e.after or {}, e.before or {}
    item = _governed("item", e.target.removeprefix("item:"), after.get("title", ""))
    decided = f"会议 #{after['meeting_id']} 决定：" if after.get("meeting_id") else ""
    shown = "公开" if after.get("published") else "不公开"
    if e.action == "item.create":
        return (f"{decided}新建{item}（{n.grid(after.get('grid_id'))}，{_item_status(after)}，"
                f"责任方 {after.get('owner')}，资金来源 {after.get('budget_source')}，"
                f"关联意见 {_views(after.get('view_ids') or [])}，{shown}）")
    changes = []
    if (before.get("status"), before.get("progress")) != (after["status"], after["progress"]):
        changes.append(f"{_item_status(before)} → {_item_status(after)}")
    if before.get("published") != after.get("published"):
        changes.append(f"改为{shown}")
    added = [i for i in after.get("view_ids") or [] if i not in (before.get("view_ids") or [])]
    if added:
        changes.append(f"新增关联意见 {_views(added)}")
    if after.get("note"):
        changes.append(f"说明「{after['note']}」")
    return f"{decided}更新{item}：{'；'.join(changes) or '无变化'}"


SENTENCES: dict[str, Callable[[AuditEntry, Names], str]] = {
    "stock.": _stock,
    "loan.": _loan,
    "account.": _account,
    "household.": _household,
    "person.": _person,
    "people.seed": _people_seed,
    "visit.": _visit,
    "building.": _building,
    "layer.": _layer,
    "view.": _view,
    "meeting.": _meeting,
    "item.": _item,
}


def what_happened(entry: AuditEntry, names: Names) -> str:
    """The entry's action in plain Chinese, without who and when."""
    for prefix, sentence in SENTENCES.items():
        if entry.action.startswith(prefix):
            try:
                return sentence(entry, names)
            except (AttributeError, KeyError, TypeError, ValueError):  # an old entry's shape
                break
    try:
        return _noted(entry, names)
    except ValueError:  # no note either: the raw action, never nothing
        return f"{entry.action} {entry.target}"


def sentence(entry: AuditEntry, names: Names, zone: tzinfo) -> str:
    """Who, when (北京时间) and what, as one sentence."""
    who, when = names.person(entry.actor), local_minute(entry.at, zone)
    return f"{who} {when} {what_happened(entry, names)}"


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show: one person, one kind, a range of local days (all inclusive)."""

    actor: str = ""
    kind: str = ""
    since: date | None = None
    until: date | None = None


def _filtered(query: Any, chosen: AuditFilter, zone: tzinfo) -> Any:
    """``query`` narrowed to the entries ``chosen`` selects (days are local days of ``zone``)."""
    if chosen.actor:
        query = query.where(AuditEntry.actor == chosen.actor)
    if chosen.kind in KINDS:
        prefixes = KINDS[chosen.kind][1]
        query = query.where(or_(*(AuditEntry.action.startswith(p) for p in prefixes)))
    if chosen.since is not None:
        query = query.where(AuditEntry.at >= _utc_start(chosen.since, zone))
    if chosen.until is not None:
        query = query.where(AuditEntry.at < _utc_start(chosen.until + timedelta(days=1), zone))
    return query


def filtered_entries(
    session: Session, chosen: AuditFilter, *, zone: tzinfo, limit: int, offset: int = 0
) -> list[AuditEntry]:
    """The entries ``chosen`` selects, newest first; days are local days of ``zone``."""
    query = _filtered(select(AuditEntry).order_by(AuditEntry.id.desc()), chosen, zone)
    return list(session.scalars(query.limit(limit).offset(offset)))


def count_entries(session: Session, chosen: AuditFilter, *, zone: tzinfo) -> int:
    """How many entries ``chosen`` selects (for the pages of the log)."""
    return int(session.scalar(_filtered(select(func.count(AuditEntry.id)), chosen, zone)) or 0)


def log_actors(session: Session) -> list[str]:
    """Every actor the log names (accounts, the service, commands), sorted."""
    return sorted(session.scalars(select(AuditEntry.actor).distinct()))


def logged_station_names(session: Session) -> dict[str, str]:
    """Station id → the last name the layer editor's entries gave it: a deleted station's
    entries (its stock, its loans) are still told by its name, not its code."""
    query = (select(AuditEntry.target, AuditEntry.before, AuditEntry.after)
             .where(AuditEntry.action.startswith("layer."),
                    AuditEntry.target.startswith("stations/"))
             .order_by(AuditEntry.id))
    names: dict[str, str] = {}
    for target, before, after in session.execute(query):
        for state in (before, after):
            name = ((state or {}).get("properties") or {}).get("name")
            if name:
                names[target.partition("/")[2]] = str(name)
    return names


def _utc_start(day: date, zone: tzinfo) -> datetime:
    """The UTC moment local ``day`` begins (stored times are UTC)."""
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


CSV_HEADER = ("时间（北京时间）", "操作人", "账号", "类别", "内容", "对象", "修改前", "修改后")


def entries_csv(entries: Iterable[AuditEntry], names: Names, zone: tzinfo) -> str:
    """The entries as CSV with Chinese headers (with a BOM for spreadsheet programs)."""
    return csv_text(
        CSV_HEADER,
        (
            [
                local_minute(e.at, zone), names.person(e.actor), e.actor,
                KINDS.get(kind_of(e.action), ("其他",))[0], what_happened(e, names), e.target,
                _json(e.before), _json(e.after),
            ]
            for e in entries
        ),
    )


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
