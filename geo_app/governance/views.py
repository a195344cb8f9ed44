"""Residents' views (社情民意): creating them, moving them through their life, who sees what.

Every change of state is one conditional ``UPDATE … WHERE id = :id AND state = :before AND
grid_id = :grid`` and its :class:`~geo_app.store.governance_models.ViewEvent`, in the caller's
transaction: a step that lost a race, or that the state machine refuses, changes nothing.

Scope (the one answer to "who sees this view"): the admin sees every view; a grid's leader and
红色小管家 see their grid's views with the resident's contact; a 楼栋党员 or 业主代表 sees the
published views from their own buildings, without contact. The public sees published views
(without contact) and, with the tracking code, their own view's status and public replies.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, CursorResult, false, select, update
from sqlalchemy.orm import Session

from geo_app.formats.numbers import number_text
from geo_app.governance import audit_trail, lifecycle
from geo_app.governance.errors import (
    BudgetExceededError,
    GovernanceError,
    NotFoundError,
    RoleRefusedError,
    TransitionError,
)
from geo_app.store.governance_models import View, ViewEvent, ViewSupport
from geo_app.store.roles import ADMIN, BUILDING_ROLES, WHOLE_GRID_ROLES
from geo_app.store.utc_time import as_utc
from layers.quoting import quoted

#: Tracking codes: 10 characters without look-alikes (0/O, 1/I/L): about 50 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
NOTE_MAX_CHARS = 1000
ASSIGNEE_MAX_CHARS = 64
#: Mainland mobile (11 digits from 1) or a landline such as 0551-66128801.
PHONE_PATTERN = r"^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$"


def phone_text(raw: str) -> str:
    """A phone number as typed on a phone: full-width digits and dash read as ASCII (NFKC),
    spaces and brackets dropped ("１３９ 1234 5678" → "13912345678")."""
    return re.sub(r"[\s()]", "", number_text(raw))


#: Where a view came from: the web form, a home visit (走访) or a meeting (座谈).
SOURCES = {"web": "居民提交", "visit": "走访收集", "meeting": "座谈收集"}


class Caller(Protocol):
    """Who acts: their role, grid and buildings, and the name written in the log (read-only,
    so an account row and a frozen dataclass both qualify)."""

    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def grid_id(self) -> str | None: ...
    @property
    def building_ids(self) -> frozenset[str]: ...


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """A code as typed (lower case, spaces, dashes) in its stored form."""
    return re.sub(r"[\s-]", "", code).upper()


# ---------------------------------------------------------------- scope


def sees_grid(caller: Caller | None, grid_id: str) -> bool:
    """Whether ``caller`` is staff of ``grid_id``: the admin, or its leader or a steward."""
    if caller is None:
        return False
    return caller.role == ADMIN or (
        caller.role in WHOLE_GRID_ROLES and caller.grid_id == grid_id
    )


def sees_contact(caller: Caller | None, view: View) -> bool:
    """Only the admin and the view's grid leader and stewards read the resident's contact."""
    return sees_grid(caller, view.grid_id)


def can_see(caller: Caller | None, view: View, *, own_buildings: Collection[str] = ()) -> bool:
    """Whether ``caller`` may see ``view`` among their views (``own_buildings``: the building
    roles' buildings that still lie in their grid)."""
    if caller is None:
        return False
    if sees_contact(caller, view):
        return True
    return (
        caller.role in BUILDING_ROLES
        and view.public
        and view.building_id in own_buildings
        and view.grid_id == caller.grid_id
    )


def scope_clause(caller: Caller, *, own_buildings: Collection[str] = ()) -> ColumnElement[bool]:
    """The SQL condition of :func:`can_see`, for listing."""
    if caller.role == ADMIN:
        return View.id.is_not(None)
    if caller.role in WHOLE_GRID_ROLES and caller.grid_id:
        return View.grid_id == caller.grid_id
    if caller.role in BUILDING_ROLES and caller.grid_id and own_buildings:
        return (
            (View.grid_id == caller.grid_id)
            & View.public.is_(True)
            & View.building_id.in_(sorted(own_buildings))
        )
    return false()


def get_view(session: Session, view_id: int, caller: Caller, **scope: Any) -> View:
    """The view ``view_id`` if ``caller`` may see it, else :class:`NotFoundError`."""
    view = session.get(View, view_id)
    if view is None or not can_see(caller, view, **scope):
        msg = f"没有编号为 {view_id} 的意见（或不在您的网格内）"
        raise NotFoundError(msg, parameter="view_id")
    return view


def find_by_code(session: Session, code: str) -> View:
    """The view with tracking code ``code`` (any case, spaces ignored)."""
    view = session.scalar(select(View).where(View.code == normalise_code(code)))
    if view is None:
        msg = f"没有查询码为 {code} 的意见，请核对查询码"
        raise NotFoundError(msg, parameter="code")
    return view


def views_in_scope(
    session: Session,
    caller: Caller,
    *,
    own_buildings: Collection[str] = (),
    grid_id: str | None = None,
    state: str | None = None,
) -> list[View]:
    """The caller's views, newest first (optionally of one grid or state)."""
    query = select(View).where(scope_clause(caller, own_buildings=own_buildings))
    if grid_id:
        query = query.where(View.grid_id == grid_id)
    if state:
        query = query.where(View.state == state)
    return list(session.scalars(query.order_by(View.created_at.desc(), View.id.desc())))


def is_overdue(view: View, moment: datetime) -> bool:
    """Not answered and past its due time."""
    return view.state in lifecycle.UNANSWERED_STATES and as_utc(view.due_at) < as_utc(moment)


def overdue_first(views: Iterable[View], moment: datetime) -> list[View]:
    """The overdue views among ``views``, the most overdue (the longest past due) first."""
    late = (v for v in views if is_overdue(v, moment))
    return sorted(late, key=lambda v: (as_utc(v.due_at), v.id))


# ---------------------------------------------------------------- creating


@dataclass(frozen=True)
class Submission:
    """A new view as received (checked by :func:`create_view`)."""

    lon: float
    lat: float
    category: str
    text: str
    grid_id: str
    building_id: str | None = None
    name: str | None = None
    phone: str | None = None
    source: str = "web"
    device_hash: str | None = None


def _check_submission(
    data: Submission, categories: Mapping[str, Mapping[str, Any]], limits: Mapping[str, int]
) -> None:
    if data.category not in categories:
        choices = "、".join(f"{c}（{v['label']}）" for c, v in categories.items())
        msg = f"category 的取值 {quoted(data.category)} 无效，可选：{choices}"
        raise GovernanceError(msg, parameter="category")
    text = data.text.strip()
    if not limits["min_chars"] <= len(text) <= limits["max_chars"]:
        msg = (
            f"text（反映的内容）应为 {limits['min_chars']} 至 {limits['max_chars']} 个字，"
            f"实际为 {len(text)} 个字"
        )
        raise GovernanceError(msg, parameter="text")
    if data.name and len(data.name.strip()) > limits["name_chars"]:
        msg = f"name（称呼）最多 {limits['name_chars']} 个字"
        raise GovernanceError(msg, parameter="name")
    if data.phone and not re.fullmatch(PHONE_PATTERN, phone_text(data.phone)):
        msg = (f"电话（phone）的格式不对：{quoted(data.phone)}"
               "（应为 11 位手机号或 0551-66128801 这样的座机号）")
        raise GovernanceError(msg, parameter="phone")
    if data.source not in SOURCES:
        msg = f"未知来源 {quoted(data.source)}"
        raise GovernanceError(msg, parameter="source")


def create_view(
    session: Session,
    data: Submission,
    *,
    categories: Mapping[str, Mapping[str, Any]],
    limits: Mapping[str, int],
    at: datetime,
    actor: str = "resident",
) -> View:
    """Store a new view (state 采集) with its first log entry; its due time from its category."""
    _check_submission(data, categories, limits)
    at = as_utc(at)
    view = View(
        code=new_code(),
        grid_id=data.grid_id,
        building_id=data.building_id,
        lon=float(data.lon),
        lat=float(data.lat),
        category=data.category,
        text=data.text.strip(),
        contact_name=(data.name or "").strip() or None,
        contact_phone=phone_text(data.phone or "") or None,
        state="submitted",
        public=False,
        supporters=0,
        source=data.source,
        device_hash=data.device_hash,
        created_at=at,
        due_at=at + timedelta(hours=float(categories[data.category]["due_hours"])),
    )
    session.add(view)
    session.flush()
    session.add(ViewEvent(
        view_id=view.id, at=at, actor=actor, action="submitted", from_state=None,
        to_state="submitted", to_grid=data.grid_id, note=SOURCES[data.source], public=True,
    ))
    audit_trail.record_submission(
        session, view, actor=actor, category_label=str(categories[data.category]["label"]),
        source_label=SOURCES[data.source],
    )
    return view


def submissions_since(session: Session, device_hash: str, since: datetime) -> int:
    """How many views a device has sent since ``since``."""
    return len(session.scalars(
        select(View.id).where(View.device_hash == device_hash, View.created_at >= as_utc(since))
    ).all())


# ---------------------------------------------------------------- the life of a view


@dataclass(frozen=True)
class Step:
    """A requested step: where to (``to``), why (``note``) and what it needs."""

    to: str
    note: str = ""
    assignee: str | None = None
    grid_id: str | None = None
    duplicate_of: int | None = None


def unknown_original(number: int) -> GovernanceError:
    """The refusal of 标为重复 naming a number that is no view of the grid (400)."""
    msg = f"标为重复：本网格没有编号为 {number} 的意见（duplicate_of）"
    return GovernanceError(msg, parameter="duplicate_of")


def _check_step(
    session: Session, view: View, step: Step, *, known_grids: Collection[str]
) -> None:
    if step.to not in lifecycle.STEPS:
        choices = "、".join(f"{s}（{label}）" for s, label in lifecycle.STEPS.items())
        msg = f"to 的取值 {quoted(step.to)} 无效，可选：{choices}"
        raise GovernanceError(msg, parameter="to")
    if len(step.note) > NOTE_MAX_CHARS:
        msg = f"说明（note）最多 {NOTE_MAX_CHARS} 个字"
        raise GovernanceError(msg, parameter="note")
    if not lifecycle.is_allowed(view.state, step.to):
        allowed = "、".join(lifecycle.STEPS[s] for s in lifecycle.TRANSITIONS[view.state]) or "无"
        msg = (
            f"意见当前为「{lifecycle.STATES[view.state]}」，不能{lifecycle.STEPS[step.to]}"
            f"（可以：{allowed}）"
        )
        raise TransitionError(msg, parameter="to")
    if step.to in lifecycle.NOTE_REQUIRED and not step.note.strip():
        msg = f"{lifecycle.STEPS[step.to]}需要填写{lifecycle.NOTE_REQUIRED[step.to]}（note）"
        raise GovernanceError(msg, parameter="note")
    if step.to == "assigned" and not (step.assignee or "").strip():
        raise GovernanceError("派遣需要填写承办人或单位（assignee）", parameter="assignee")
    if step.assignee and len(step.assignee) > ASSIGNEE_MAX_CHARS:
        msg = f"承办人或单位（assignee）最多 {ASSIGNEE_MAX_CHARS} 个字"
        raise GovernanceError(msg, parameter="assignee")
    if step.to == lifecycle.TRANSFER:
        if not step.grid_id:
            raise GovernanceError("转办需要选择接收的网格（grid_id）", parameter="grid_id")
        if step.grid_id not in known_grids:
            msg = f"转办：接收的网格（grid_id）{quoted(step.grid_id)} 不是本社区的网格"
            raise GovernanceError(msg, parameter="grid_id")
        if step.grid_id == view.grid_id:
            raise GovernanceError("不能转办给本网格", parameter="grid_id")
    if step.to == "duplicate":
        if not step.duplicate_of:
            msg = "标为重复需要填写本网格内原意见的编号（duplicate_of）"
            raise GovernanceError(msg, parameter="duplicate_of")
        if step.duplicate_of == view.id:
            msg = f"标为重复：原意见（duplicate_of）不能是这条意见本身（#{view.id}）"
            raise GovernanceError(msg, parameter="duplicate_of")
        original = session.get(View, step.duplicate_of)
        if original is None or original.grid_id != view.grid_id:
            raise unknown_original(step.duplicate_of)
        if original.state == "duplicate":
            msg = (f"意见 {original.id} 本身已是重复意见，"
                   f"请关联到它的原意见 {original.duplicate_of_id}")
            raise GovernanceError(msg, parameter="duplicate_of")


def transition(
    session: Session,
    view_id: int,
    step: Step,
    *,
    caller: Caller,
    known_grids: Collection[str],
    at: datetime,
) -> View:
    """Take ``step`` on the view (in ``caller``'s grid), logged in the same transaction.

    Raises :class:`NotFoundError` outside the caller's grid (404), :class:`RoleRefusedError`
    when the caller's role may not take this step (403), :class:`TransitionError` when the
    state does not allow it (409) and :class:`GovernanceError` for a missing or bad field (400).
    """
    view = session.get(View, view_id)
    if view is None or not sees_contact(caller, view):
        msg = f"没有编号为 {view_id} 的意见（或不在您的网格内）"
        raise NotFoundError(msg, parameter="view_id")
    if step.to in lifecycle.STEPS and caller.role not in lifecycle.roles_for(step.to):
        msg = f"「{lifecycle.STEPS[step.to]}」须由网格长或社区管理员操作"
        raise RoleRefusedError(msg, parameter="to")
    _check_step(session, view, step, known_grids=known_grids)
    at = as_utc(at)
    before_state, before_grid = view.state, view.grid_id
    public = {"published": True, "hidden": False}.get(step.to, view.public)
    after_state = lifecycle.state_after(before_state, step.to, public=public)
    values: dict[str, Any] = {"state": after_state, "public": public}
    if step.to == "assigned":
        values["assignee"] = step.assignee.strip() if step.assignee else None
    if step.to == lifecycle.TRANSFER:
        values.update(grid_id=step.grid_id, assignee=None)
    if step.to == "duplicate":
        values["duplicate_of_id"] = step.duplicate_of
    if step.to == "answered" and view.answered_at is None:
        values["answered_at"] = at
    if step.to == "closed":
        values["closed_at"] = at
    changed = cast(CursorResult[Any], session.execute(  # an UPDATE's result: typed as Result
        update(View)
        .where(View.id == view.id, View.state == before_state, View.grid_id == before_grid)
        .values(**values)
        .execution_options(synchronize_session=False)
    )).rowcount
    if changed != 1:
        raise TransitionError("意见已被他人处理，请刷新后重试", parameter="to")
    if step.to == "duplicate":
        session.execute(
            update(View)
            .where(View.id == step.duplicate_of)
            .values(supporters=View.supporters + 1 + view.supporters)
            .execution_options(synchronize_session=False)
        )
    note = step.note.strip()
    if step.to == "assigned":
        note = f"承办：{values['assignee']}" + (f"；{note}" if note else "")
    session.add(ViewEvent(
        view_id=view.id, at=at, actor=caller.username, action=step.to, from_state=before_state,
        to_state=after_state, from_grid=before_grid, to_grid=values.get("grid_id", before_grid),
        note=note, public=step.to in lifecycle.PUBLIC_NOTE_STEPS,
    ))
    session.flush()
    session.refresh(view)
    audit_trail.record_step(session, view, actor=caller.username, step=step.to,
                            before_state=before_state, before_grid=before_grid, note=step.note)
    return view


def rate(session: Session, code: str, rating: int, *, at: datetime) -> View:
    """The resident's satisfaction (1–5), once, after the view has been answered."""
    view = find_by_code(session, code)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise GovernanceError("rating（满意度）应为 1 至 5 的整数", parameter="rating")
    if view.state not in ("answered", "closed"):
        raise TransitionError("收到答复后才能评价", parameter="rating")
    changed = cast(CursorResult[Any], session.execute(  # an UPDATE's result: typed as Result
        update(View).where(View.id == view.id, View.satisfaction.is_(None))
        .values(satisfaction=rating).execution_options(synchronize_session=False)
    )).rowcount
    if changed != 1:
        raise TransitionError("这条意见已经评价过了", parameter="rating")
    session.add(ViewEvent(
        view_id=view.id, at=as_utc(at), actor="resident", action="rated", from_state=view.state,
        to_state=view.state, note=f"满意度 {rating} 分", public=True,
    ))
    session.flush()
    session.refresh(view)
    audit_trail.record_rating(session, view, rating=rating)
    return view


def support(session: Session, view_id: int, *, device_hash: str, at: datetime) -> View:
    """A "+1" from a device to a published open view (once per device)."""
    view = session.get(View, view_id)
    if view is None or not view.public or view.state not in lifecycle.UNANSWERED_STATES:
        msg = f"没有编号为 {view_id} 的公开待办意见"
        raise NotFoundError(msg, parameter="view_id")
    if session.get(ViewSupport, (view_id, device_hash)) is not None:
        raise BudgetExceededError("您已经为这条意见 +1 过了", parameter="view_id")
    session.add(ViewSupport(view_id=view_id, device_hash=device_hash, at=as_utc(at)))
    session.execute(
        update(View).where(View.id == view_id).values(supporters=View.supporters + 1)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.refresh(view)
    return view


def attach_photo(
    session: Session, code: str, filename: str, *, device_hash: str, at: datetime,
    window: timedelta,
) -> View:
    """Record the photo of a view: only from the device that sent it, once, soon after."""
    view = find_by_code(session, code)
    if view.device_hash != device_hash:
        raise NotFoundError("只能由提交这条意见的手机上传照片", parameter="code")
    if view.photo is not None:
        raise TransitionError("这条意见已经有照片了", parameter="photo")
    if as_utc(at) - as_utc(view.created_at) > window:
        msg = f"照片须在提交意见后 {int(window.total_seconds() // 60)} 分钟内上传"
        raise TransitionError(msg, parameter="photo")
    view.photo = filename
    session.flush()
    return view


# ---------------------------------------------------------------- what is shown


def public_replies(view: View, grid_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """The log entries the resident sees: each step's time, state and public note, and for a
    转办 the grid (by name) that took the view over."""
    return [
        {
            "at": as_utc(e.at).isoformat(),
            "step": e.action,
            "state": e.to_state,
            "state_label": lifecycle.STATES.get(e.to_state, e.to_state),
            "note": e.note if e.public else "",
            "transferred_to": (grid_names.get(e.to_grid, e.to_grid)
                               if e.action == lifecycle.TRANSFER and e.to_grid else None),
        }
        for e in view.events
    ]


def _what_and_state(view: View, categories: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """What every reader of a view sees: its category (with label), text, state, publication."""
    return {
        "category": view.category,
        "category_label": categories.get(view.category, {}).get("label", view.category),
        "text": view.text,
        "state": view.state,
        "state_label": lifecycle.STATES[view.state],
        "public": view.public,
    }


def public_status(
    view: View, *, categories: Mapping[str, Mapping[str, Any]], grid_names: Mapping[str, str],
    original: View | None = None,
) -> dict[str, Any]:
    """What anyone holding the tracking code sees: no name, no phone, no photo, no device."""
    status: dict[str, Any] = {
        "code": view.code,
        **_what_and_state(view, categories),
        "created_at": as_utc(view.created_at).isoformat(),
        "due_at": as_utc(view.due_at).isoformat(),
        "supporters": view.supporters,
        "has_photo": view.photo is not None,
        "replies": public_replies(view, grid_names),
        "satisfaction": view.satisfaction,
        "can_rate": view.state in ("answered", "closed") and view.satisfaction is None,
        "merged_into": None,
    }
    if original is not None:
        status["merged_into"] = {
            "state": original.state,
            "state_label": lifecycle.STATES[original.state],
            "replies": [r for r in public_replies(original, grid_names) if r["note"]],
        }
    return status


def staff_record(
    view: View, *, with_contact: bool, categories: Mapping[str, Mapping[str, Any]],
    moment: datetime,
) -> dict[str, Any]:
    """A view as the grid's staff see it (contact only when ``with_contact``)."""
    return {
        "id": view.id,
        "code": view.code,
        "grid_id": view.grid_id,
        "building_id": view.building_id,
        "lon": round(view.lon, 6),
        "lat": round(view.lat, 6),
        **_what_and_state(view, categories),
        "source": view.source,
        "assignee": view.assignee,
        "supporters": view.supporters,
        "duplicate_of": view.duplicate_of_id,
        "created_at": as_utc(view.created_at).isoformat(),
        "due_at": as_utc(view.due_at).isoformat(),
        "overdue": is_overdue(view, moment),
        "satisfaction": view.satisfaction,
        "has_photo": view.photo is not None,
        "next_steps": list(lifecycle.TRANSITIONS[view.state]),
        "contact": (
            {"name": view.contact_name, "phone": view.contact_phone} if with_contact else None
        ),
    }


def published_clause() -> ColumnElement[bool]:
    """Views shown to the public: published by moderation, not rejected or merged."""
    return View.public.is_(True) & ~View.state.in_(["rejected", "duplicate"])

