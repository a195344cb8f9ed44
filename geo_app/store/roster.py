"""Changing the residents' roster: add, edit and move out households and people, tag care needs.

Every change writes one audit entry with the state before and after, in the caller's
transaction. Moving out keeps the row (with ``moved_out_at``) so the history stays readable;
the roster views leave such rows out. Callers check that the account may change the building
(:mod:`geo_app.web.access`); nothing here checks access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from geo_app.formats.numbers import number_text
from geo_app.store import audit
from geo_app.store.errors import StoreError
from geo_app.store.models import PERSON_DETAILS, Household, Resident, fields_of
from geo_app.store.people import ATTENTION_TAGS
from layers.quoting import quoted

ROOM_PATTERN = re.compile(r"^[0-9A-Za-z-]{1,16}$")
#: Mobile (11 digits starting with 1) or a landline with its area code (0551-12345678).
PHONE_PATTERN = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
GENDERS = ("男", "女")
RELATIONS = ("户主", "配偶", "子女", "父母", "孙辈", "兄弟姐妹", "租户", "其他")
MIN_BIRTH_YEAR = 1900
MAX_NAME_LENGTH = 32


class RosterError(StoreError):
    """A roster change is refused (bad value, unknown household or person)."""


def check_phone(value: object, *, parameter: str = "phone", required: bool = False) -> str:
    """A phone number without spaces or brackets, full-width digits read as ASCII (``""`` when
    empty and not required)."""
    typed = "" if value is None else value if isinstance(value, str) else str(value)
    text = re.sub(r"[\s()]", "", number_text(typed))
    if not text:
        if required:
            msg = "请填写联系电话"
            raise RosterError(msg, parameter=parameter)
        return ""
    if not PHONE_PATTERN.match(text):
        msg = f"电话号码 {quoted(value)} 格式不对：手机号为 11 位数字，固话如 0551-12345678"
        raise RosterError(msg, parameter=parameter)
    return text


def check_name(value: str | None, *, parameter: str = "name") -> str:
    """A person's name: 1–32 characters, no surrounding spaces."""
    text = (value or "").strip()
    if not text or len(text) > MAX_NAME_LENGTH:
        msg = f"姓名须为 1–{MAX_NAME_LENGTH} 个字符"
        raise RosterError(msg, parameter=parameter)
    return text


def check_tags(tags: Iterable[str]) -> list[str]:
    """Care tags, each one of :data:`ATTENTION_TAGS`, in that order."""
    wanted = set(tags)
    unknown = sorted(wanted - set(ATTENTION_TAGS))
    if unknown:
        msg = f"未知关注标签 {'、'.join(unknown)}（可选：{'、'.join(ATTENTION_TAGS)}）"
        raise RosterError(msg, parameter="tags")
    return [tag for tag in ATTENTION_TAGS if tag in wanted]


def describe_household(household: Household) -> dict[str, Any]:
    """What the audit log records of a household."""
    return {
        **fields_of(household, ("building_id", "unit", "room")),
        "tags": list(household.tags or []),
        "moved_out": household.moved_out_at is not None,
    }


def describe_person(person: Resident) -> dict[str, Any]:
    """What the audit log records of a person (with their household, for the sentence)."""
    return {
        "household_id": person.household_id,
        **fields_of(person, PERSON_DETAILS),
        "moved_out": person.moved_out_at is not None,
    }


def get_household(session: Session, household_id: str, *, building_id: str) -> Household:
    """The household ``household_id`` of ``building_id`` living there now, else RosterError."""
    household = session.get(Household, household_id, options=[selectinload(Household.members)])
    if household is None or household.building_id != building_id or household.moved_out_at:
        msg = f"楼栋 {building_id} 没有住户 {household_id}"
        raise RosterError(msg, parameter="household")
    return household


def get_person(session: Session, person_id: int, *, building_id: str) -> Resident:
    """Person ``person_id`` of a household of ``building_id`` living there now."""
    person = session.get(Resident, person_id)
    if (
        person is None
        or person.moved_out_at is not None
        or person.household.building_id != building_id
        or person.household.moved_out_at is not None
    ):
        msg = f"楼栋 {building_id} 没有这位居民（编号 {person_id}）"
        raise RosterError(msg, parameter="person")
    return person


def _unit_and_room(unit: Any, room: Any, *, units: int) -> tuple[int, str]:
    try:
        number = int(unit)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= units:
        msg = f"单元须为 1–{units} 之间的整数，收到 {quoted(unit)}"
        raise RosterError(msg, parameter="unit")
    text = str(room or "").strip()
    if not ROOM_PATTERN.match(text):
        msg = f"房号 {quoted(room)} 格式不对（如 101、1203）"
        raise RosterError(msg, parameter="room")
    return number, text


def _check_room_free(
    session: Session, building_id: str, unit: int, room: str, *, other_than: str | None = None
) -> None:
    taken = session.scalars(
        select(Household.id).where(
            Household.building_id == building_id, Household.unit == unit,
            Household.room == room, Household.moved_out_at.is_(None),
        )
    ).first()
    if taken is not None and taken != other_than:
        msg = f"{unit} 单元 {room} 室已有住户登记"
        raise RosterError(msg, parameter="room")


def add_household(
    session: Session,
    building_id: str,
    *,
    unit: Any,
    room: Any,
    tags: Iterable[str] = (),
    units: int,
    actor: str,
) -> Household:
    """Register a household in ``unit``/``room`` of a building that has ``units`` units."""
    number, text = _unit_and_room(unit, room, units=units)
    _check_room_free(session, building_id, number, text)
    base = f"{building_id}-{number}-{text}"
    household_id, suffix = base, 1
    while session.get(Household, household_id) is not None:  # a moved-out household's id
        suffix += 1
        household_id = f"{base}~{suffix}"
    household = Household(
        id=household_id, building_id=building_id, unit=number, room=text, tags=check_tags(tags),
        members=[],
    )
    return audit.add_and_record(
        session, household, actor=actor, action="household.add",
        target=f"household:{household_id}", after=describe_household(household),
    )


def edit_household(
    session: Session,
    household: Household,
    *,
    unit: Any,
    room: Any,
    tags: Iterable[str],
    units: int,
    actor: str,
) -> bool:
    """Change a household's unit, room and care tags (audited); ``False`` if nothing changed."""
    number, text = _unit_and_room(unit, room, units=units)
    _check_room_free(session, household.building_id, number, text, other_than=household.id)
    before = describe_household(household)
    household.unit, household.room, household.tags = number, text, check_tags(tags)
    return audit.record_change(
        session, actor=actor, action="household.edit", target=f"household:{household.id}",
        before=before, after=describe_household(household),
    )


def move_out_household(
    session: Session, household: Household, *, at: datetime, actor: str
) -> None:
    """Record that a household (and so each of its people) moved out."""
    before = describe_household(household)
    household.moved_out_at = at.astimezone(UTC)
    for person in household.members:
        if person.moved_out_at is None:
            person.moved_out_at = household.moved_out_at
    session.flush()
    audit.record(
        session, actor=actor, action="household.move_out", target=f"household:{household.id}",
        before=before, after=describe_household(household),
    )


def _person_fields(data: dict[str, Any], *, this_year: int) -> dict[str, Any]:
    gender = str(data.get("gender", ""))
    if gender not in GENDERS:
        msg = f"性别须为 {'或'.join(GENDERS)}"
        raise RosterError(msg, parameter="gender")
    try:
        birth_year = int(data.get("birth_year", ""))
    except (TypeError, ValueError):
        birth_year = 0
    if not MIN_BIRTH_YEAR <= birth_year <= this_year:
        msg = f"出生年份须在 {MIN_BIRTH_YEAR}–{this_year} 之间"
        raise RosterError(msg, parameter="birth_year")
    relation = str(data.get("relation", ""))
    if relation not in RELATIONS:
        msg = f"与户主关系须为 {'、'.join(RELATIONS)} 之一"
        raise RosterError(msg, parameter="relation")
    return {
        "name": check_name(data.get("name")),
        "gender": gender,
        "birth_year": birth_year,
        "relation": relation,
        "party_member": bool(data.get("party_member")),
        "phone": check_phone(data.get("phone")) or None,
    }


def add_person(
    session: Session, household: Household, data: dict[str, Any], *, this_year: int, actor: str
) -> Resident:
    """Add a person to a household from form ``data`` (name, gender, birth_year, relation,
    phone, party_member)."""
    person = Resident(household_id=household.id, **_person_fields(data, this_year=this_year))
    return audit.add_and_record(
        session, person, actor=actor, action="person.add",
        target=lambda added: f"resident:{added.id}", after=describe_person(person),
    )


def edit_person(
    session: Session, person: Resident, data: dict[str, Any], *, this_year: int, actor: str
) -> bool:
    """Change a person's details (audited); ``False`` if nothing changed."""
    before = describe_person(person)
    for key, value in _person_fields(data, this_year=this_year).items():
        setattr(person, key, value)
    return audit.record_change(
        session, actor=actor, action="person.edit", target=f"resident:{person.id}",
        before=before, after=describe_person(person),
    )


def move_out_person(session: Session, person: Resident, *, at: datetime, actor: str) -> None:
    """Record that one person moved out of their household."""
    before = describe_person(person)
    person.moved_out_at = at.astimezone(UTC)
    session.flush()
    audit.record(
        session, actor=actor, action="person.move_out", target=f"resident:{person.id}",
        before=before, after=describe_person(person),
    )
