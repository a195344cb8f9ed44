"""Governance items (治理项目): what a meeting decided, with its views, money, owner and progress.

An item belongs to a grid, links the views behind it (of that grid), names its owner and budget
source (社区党建项目 / 居民自筹 / 共建单位), and keeps a public timeline: every change of status
or progress is an :class:`~geo_app.store.governance_models.ItemEvent` written with it. Once
published it is on the public board ``/items`` with its progress and the number of views
behind it. Its walking reach (buildings within 300 m) is computed once per place.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.governance import audit_trail
from geo_app.governance.errors import GovernanceError, NotFoundError
from geo_app.governance.reach import Reach, reach_key
from geo_app.governance.views import Caller, sees_grid
from geo_app.store.governance_models import Item, ItemEvent, ItemView, View
from geo_app.store.utc_time import as_utc
from layers.quoting import quoted

ITEM_STATUSES: dict[str, str] = {
    "proposed": "协商中",
    "approved": "已议定",
    "in_progress": "实施中",
    "done": "已完成",
    "shelved": "暂缓",
}
TITLE_CHARS = (2, 100)
TEXT_MAX_CHARS = 2000
OWNER_MAX_CHARS = 64
PLACE_MAX_CHARS = 100

ReachFunction = Callable[[tuple[float, float]], Reach]


@dataclass(frozen=True)
class ItemInput:
    """A new item's fields."""

    title: str
    category: str
    owner: str
    budget_source: str
    lon: float
    lat: float
    place_name: str = ""
    description: str = ""
    status: str = "approved"
    progress: int = 0
    published: bool = True
    view_ids: Sequence[int] = field(default_factory=tuple)


@dataclass(frozen=True)
class ItemUpdate:
    """A change of an item: any of status, progress, publication, more views; and a note."""

    status: str | None = None
    progress: int | None = None
    published: bool | None = None
    note: str = ""
    view_ids: Sequence[int] = field(default_factory=tuple)


def _check_text(value: str, name: str, label: str, low: int, high: int) -> str:
    text = (value or "").strip()
    if not low <= len(text) <= high:
        msg = f"{name}（{label}）应为 {low} 至 {high} 个字，实际为 {len(text)} 个字"
        raise GovernanceError(msg, parameter=name)
    return text


def _check_status(status: str) -> None:
    if status not in ITEM_STATUSES:
        choices = "、".join(f"{k}（{v}）" for k, v in ITEM_STATUSES.items())
        msg = f"status 的取值 {quoted(status)} 无效，可选：{choices}"
        raise GovernanceError(msg, parameter="status")


def _check_progress(progress: object) -> int:
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        raise GovernanceError("progress（进度）应为 0 至 100 的整数", parameter="progress")
    return progress


#: The status whose progress can only be 100 % (the board showed "已完成 60%").
DONE = "done"


def _check_done(status: str, progress: int) -> None:
    """An item 已完成 is at 100 %: a lower figure contradicts it on the public board."""
    if status == DONE and progress != 100:
        msg = (f"状态为「{ITEM_STATUSES[DONE]}」时进度（progress）应为 100%，收到 {progress}%："
               "请把进度改为 100，或选择「实施中」")
        raise GovernanceError(msg, parameter="progress")


def grid_view_ids(session: Session, grid_id: str, view_ids: Collection[int]) -> list[int]:
    """``view_ids`` if every one is a view of ``grid_id``; else a 400 naming the first stranger."""
    wanted = sorted({int(v) for v in view_ids})
    found = set(session.scalars(select(View.id).where(View.id.in_(wanted),
                                                      View.grid_id == grid_id)))
    for view_id in wanted:
        if view_id not in found:
            msg = f"view_ids 中的意见 {view_id} 不存在或不属于网格 {grid_id}"
            raise GovernanceError(msg, parameter="view_ids")
    return wanted


def create_item(
    session: Session,
    data: ItemInput,
    *,
    grid_id: str,
    actor: str,
    at: datetime,
    categories: Mapping[str, Any],
    budget_sources: Collection[str],
    reach: ReachFunction,
    radius_m: float,
    meeting_id: int | None = None,
    note: str = "",
) -> Item:
    """Store a new item of ``grid_id`` with its views, its walking reach and a first entry."""
    title = _check_text(data.title, "title", "项目名称", *TITLE_CHARS)
    owner = _check_text(data.owner, "owner", "责任人或单位", 1, OWNER_MAX_CHARS)
    if data.category not in categories:
        raise GovernanceError(f"category 的取值 {quoted(data.category)} 无效", parameter="category")
    if data.budget_source not in budget_sources:
        msg = (f"budget_source 的取值 {quoted(data.budget_source)} 无效，"
               f"可选：{'、'.join(budget_sources)}")
        raise GovernanceError(msg, parameter="budget_source")
    _check_status(data.status)
    progress = _check_progress(data.progress)
    _check_done(data.status, progress)
    if len(data.description) > TEXT_MAX_CHARS:
        raise GovernanceError(f"description 最多 {TEXT_MAX_CHARS} 个字", parameter="description")
    if len(data.place_name) > PLACE_MAX_CHARS:
        raise GovernanceError(f"place_name 最多 {PLACE_MAX_CHARS} 个字", parameter="place_name")
    views = grid_view_ids(session, grid_id, data.view_ids)
    place = (float(data.lon), float(data.lat))
    at = as_utc(at)
    item = Item(
        grid_id=grid_id, title=title, category=data.category, description=data.description.strip(),
        place_name=data.place_name.strip(), lon=place[0], lat=place[1], owner=owner,
        budget_source=data.budget_source, status=data.status, progress=progress,
        published=bool(data.published), meeting_id=meeting_id,
        reach=reach(place).as_json(), reach_key=reach_key(place, radius_m),
        created_at=at, updated_at=at,
        view_links=[ItemView(view_id=v) for v in views],
    )
    session.add(item)
    session.flush()
    session.add(ItemEvent(item_id=item.id, at=at, actor=actor, status=item.status,
                          progress=item.progress, note=note.strip() or "立项",
                          meeting_id=meeting_id))
    session.flush()
    audit_trail.record_item_created(session, item, actor=actor, meeting_id=meeting_id,
                                    view_ids=views)
    return item


def get_item(session: Session, item_id: int, caller: Caller | None) -> Item:
    """The item if ``caller`` is staff of its grid (or, for ``None``: if it is published)."""
    item = session.get(Item, item_id)
    visible = item is not None and (
        item.published if caller is None else sees_grid(caller, item.grid_id)
    )
    if not visible:
        raise NotFoundError(f"没有编号为 {item_id} 的治理项目", parameter="item_id")
    return item  # type: ignore[return-value]


def update_item(
    session: Session,
    item_id: int,
    change: ItemUpdate,
    *,
    caller: Caller,
    at: datetime,
    meeting_id: int | None = None,
) -> Item:
    """Apply ``change`` to the item and add it to the item's timeline, together."""
    item = get_item(session, item_id, caller)
    before = audit_trail.item_state(item)  # status, progress, publication, views
    if change.status is not None:
        _check_status(change.status)
        if change.status == DONE and change.progress is None:
            item.progress = 100  # "done" alone says the work is complete
        item.status = change.status
    if change.progress is not None:
        item.progress = _check_progress(change.progress)
    _check_done(item.status, item.progress)
    if change.published is not None:
        item.published = bool(change.published)
    if len(change.note) > TEXT_MAX_CHARS:
        raise GovernanceError(f"note 最多 {TEXT_MAX_CHARS} 个字", parameter="note")
    present = set(item.view_ids)
    for view_id in grid_view_ids(session, item.grid_id, change.view_ids):
        if view_id not in present:
            item.view_links.append(ItemView(view_id=view_id))
    unchanged = audit_trail.item_state(item) == before
    if unchanged and not change.note.strip():  # an empty line on the public timeline
        msg = "没有改动：状态、进度、是否公开都与原来相同，也没有填写说明（note）"
        raise GovernanceError(msg, parameter="note")
    at = as_utc(at)
    item.updated_at = at
    session.add(ItemEvent(item_id=item.id, at=at, actor=caller.username, status=item.status,
                          progress=item.progress, note=change.note.strip(),
                          meeting_id=meeting_id))
    session.flush()
    session.refresh(item)
    audit_trail.record_item_update(session, item, before, actor=caller.username,
                                   meeting_id=meeting_id, note=change.note)
    return item


def refresh_reach(item: Item, *, reach: ReachFunction, radius_m: float) -> bool:
    """Recompute the item's reach if its place or the radius changed; whether it did."""
    place = (item.lon, item.lat)
    key = reach_key(place, radius_m)
    if item.reach_key == key and item.reach is not None:
        return False
    item.reach, item.reach_key = reach(place).as_json(), key
    return True


def published_items(session: Session) -> list[Item]:
    """Every published item, the newest first."""
    query = select(Item).where(Item.published.is_(True))
    return list(session.scalars(query.order_by(Item.updated_at.desc(), Item.id.desc())))


def published_items_of(session: Session, view_id: int) -> list[Item]:
    """The published items that take up the view ``view_id``, the newest first."""
    query = select(Item).join(ItemView, ItemView.item_id == Item.id).where(
        ItemView.view_id == view_id, Item.published.is_(True))
    return list(session.scalars(query.order_by(Item.updated_at.desc(), Item.id.desc())))


def grid_items(session: Session, grid_ids: Collection[str]) -> list[Item]:
    query = select(Item).where(Item.grid_id.in_(sorted(grid_ids)))
    return list(session.scalars(query.order_by(Item.updated_at.desc(), Item.id.desc())))


def item_summary(
    item: Item,
    *,
    views: Mapping[int, View],
    categories: Mapping[str, Mapping[str, Any]],
    building_names: Mapping[str, str],
    with_timeline: bool = False,
) -> dict[str, Any]:
    """An item as the public board shows it: progress, its views counted, its reach."""
    linked = [views[v] for v in item.view_ids if v in views]
    reach = item.reach or {"buildings": [], "radius_m": None}
    reached = [b["id"] for b in reach.get("buildings", [])]
    from_reach = sum(1 for v in linked if v.building_id in set(reached))
    summary: dict[str, Any] = {
        "id": item.id,
        "title": item.title,
        "category": item.category,
        "category_label": categories.get(item.category, {}).get("label", item.category),
        "grid_id": item.grid_id,
        "status": item.status,
        "status_label": ITEM_STATUSES[item.status],
        "progress": item.progress,
        "owner": item.owner,
        "budget_source": item.budget_source,
        "place_name": item.place_name,
        "lon": round(item.lon, 6),
        "lat": round(item.lat, 6),
        "views": len(item.view_ids),
        "view_points": [
            {"lon": round(v.lon, 6), "lat": round(v.lat, 6),
             "category_label": categories.get(v.category, {}).get("label", v.category)}
            for v in linked if v.public and v.state not in ("rejected", "duplicate")
        ],
        "supporters": sum(v.supporters for v in linked),
        "reach": {
            "radius_m": reach.get("radius_m"),
            "buildings": [
                {"id": b["id"], "name": building_names.get(b["id"], b["id"]),
                 "distance_m": b["distance_m"],
                 "views": sum(1 for v in linked if v.building_id == b["id"])}
                for b in reach.get("buildings", [])
            ],
            "views_from_reached": from_reach,
        },
        "updated_at": as_utc(item.updated_at).isoformat(),
    }
    if with_timeline:
        summary["description"] = item.description
        summary["timeline"] = [
            {"at": as_utc(e.at).isoformat(), "status": e.status,
             "status_label": ITEM_STATUSES[e.status], "progress": e.progress, "note": e.note}
            for e in item.events
        ]
    return summary
