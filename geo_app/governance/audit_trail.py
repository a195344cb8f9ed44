"""微协商 in the admin's audit log (/admin/audit): each action's row, in the action's transaction.

The rows carry no personal data of the resident: a view is named by its number and its text
shortened (any run of digits long enough to be a phone number masked), never by the name or
phone left with it; a meeting by its topic and how many attended, not who. Sentences are made
from these rows by :mod:`geo_app.store.audit_text`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from sqlalchemy.orm import Session

from geo_app.store import audit
from geo_app.store.governance_models import Item, Meeting, View

#: How much of a resident's text (or a staff reason) a row quotes.
QUOTE_CHARS = 20
#: Seven digits or more, spaces and dashes between them allowed: maybe a phone number.
NUMBER_LIKE = re.compile(r"\d(?:[\s\-－]*\d){6,}")
#: Steps whose note is a reason the log quotes (shortened): 不公开 and 不予受理.
REASON_STEPS = frozenset({"hidden", "rejected"})


def short_quote(text: str) -> str:
    """``text`` on one line, phone-like digit runs masked, cut to :data:`QUOTE_CHARS` (…)."""
    flat = " ".join(NUMBER_LIKE.sub("***", text).split())
    return flat if len(flat) <= QUOTE_CHARS else flat[:QUOTE_CHARS] + "…"


def _view_target(view: View) -> str:
    return f"view:{view.id}"


def record_submission(
    session: Session, view: View, *, actor: str, category_label: str, source_label: str
) -> None:
    """A new view: its number, category, where, and its text shortened."""
    audit.record(session, actor=actor, action="view.submit", target=_view_target(view), after={
        "text": short_quote(view.text), "category": category_label, "source": source_label,
        "grid_id": view.grid_id, "building_id": view.building_id,
    })


def record_step(
    session: Session, view: View, *, actor: str, step: str, before_state: str,
    before_grid: str, note: str,
) -> None:
    """A step of the view's life (审核, 立案, 派遣, 不予受理, 重复, 转办, 反馈, 结案 …)."""
    after: dict[str, Any] = {"state": view.state, "grid_id": view.grid_id,
                             "text": short_quote(view.text)}
    if view.assignee and step == "assigned":
        after["assignee"] = view.assignee
    if step == "duplicate":
        after["duplicate_of"] = view.duplicate_of_id
    if step in REASON_STEPS and note.strip():
        after["reason"] = short_quote(note)
    audit.record(session, actor=actor, action=f"view.{step}", target=_view_target(view),
                 before={"state": before_state, "grid_id": before_grid}, after=after)


def record_rating(session: Session, view: View, *, rating: int) -> None:
    """The resident's 满意度 of the answer."""
    audit.record(session, actor="resident", action="view.rated", target=_view_target(view),
                 after={"rating": rating, "text": short_quote(view.text)})


def record_meeting(session: Session, meeting: Meeting, *, actor: str, held_at: str) -> None:
    """A meeting or visit recorded: kind, topic, place, local time, head count and views."""
    audit.record(session, actor=actor, action="meeting.create", target=f"meeting:{meeting.id}",
                 after={"kind": meeting.kind, "topic": meeting.topic, "grid_id": meeting.grid_id,
                        "place_name": meeting.place_name, "held_at": held_at,
                        "attendees": len(meeting.attendees),
                        "view_ids": sorted(meeting.view_ids)})


def item_state(item: Item, view_ids: Collection[int] | None = None) -> dict[str, Any]:
    """What an item update may change, as its rows keep it."""
    ids = item.view_ids if view_ids is None else view_ids
    return {"status": item.status, "progress": item.progress, "published": item.published,
            "view_ids": sorted(ids)}


def _item_facts(item: Item, meeting_id: int | None) -> dict[str, Any]:
    return {"title": item.title, "grid_id": item.grid_id, "meeting_id": meeting_id}


def record_item_created(
    session: Session, item: Item, *, actor: str, meeting_id: int | None, view_ids: Collection[int]
) -> None:
    """A new item (a meeting's decision when ``meeting_id``): owner, money, status, views."""
    audit.record(session, actor=actor, action="item.create", target=f"item:{item.id}", after={
        **_item_facts(item, meeting_id), **item_state(item, view_ids),
        "owner": item.owner, "budget_source": item.budget_source,
    })


def record_item_update(
    session: Session, item: Item, before: dict[str, Any], *, actor: str,
    meeting_id: int | None, note: str,
) -> None:
    """An item moved on (by a meeting's decision when ``meeting_id``); its note shortened."""
    after = {**_item_facts(item, meeting_id), **item_state(item)}
    if note.strip():
        after["note"] = short_quote(note)
    audit.record(session, actor=actor, action="item.update", target=f"item:{item.id}",
                 before=before, after=after)
