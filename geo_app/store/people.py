"""The residents' roster of each building, read for the grid views (personal data)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from geo_app.store.models import BuildingContact, Household, Resident
from geo_app.store.roles import BUILDING_MEMBER, OWNER_REP

#: Tags that call for a grid worker's attention.
ATTENTION_TAGS: tuple[str, ...] = ("独居老人", "困难家庭", "残疾人")
_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key reading runs of digits as numbers: 101 < 102 < 1001, "2-301" < "10-101"."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in _DIGITS.split(str(text))
        if part
    )


def household_order(household: Household) -> tuple[object, ...]:
    """Households in unit, then natural room order."""
    return (household.unit, natural_key(household.room))


LIVING = Household.moved_out_at.is_(None)


@dataclass
class RosterSummary:
    """A building's roster in figures, with its 楼栋党员 and 业主代表 by name."""

    households: int = 0
    residents: int = 0
    party_members: int = 0
    building_member: str | None = None
    owner_rep: str | None = None
    attention: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ATTENTION_TAGS, 0))


def roster_summaries(session: Session, building_ids: Collection[str]) -> dict[str, RosterSummary]:
    """One :class:`RosterSummary` per building id asked for (empty when no roster exists)."""
    ids = list(building_ids)
    summaries = {b: RosterSummary() for b in ids}
    if not ids:
        return summaries
    for building_id, tags in session.execute(
        select(Household.building_id, Household.tags).where(Household.building_id.in_(ids), LIVING)
    ):
        summary = summaries[building_id]
        summary.households += 1
        for tag in tags or ():
            if tag in summary.attention:
                summary.attention[tag] += 1
    people = (
        select(
            Household.building_id,
            func.count(Resident.id),
            func.sum(case((Resident.party_member, 1), else_=0)),
        )
        .join(Resident, Resident.household_id == Household.id)
        .where(Household.building_id.in_(ids), LIVING, Resident.moved_out_at.is_(None))
        .group_by(Household.building_id)
    )
    for building_id, residents, party in session.execute(people):
        summaries[building_id].residents = int(residents)
        summaries[building_id].party_members = int(party or 0)
    for building_id, role, name in session.execute(
        select(BuildingContact.building_id, BuildingContact.role, Resident.name)
        .join(Resident, Resident.id == BuildingContact.resident_id)
        .where(BuildingContact.building_id.in_(ids))
    ):
        if role == BUILDING_MEMBER:
            summaries[building_id].building_member = name
        elif role == OWNER_REP:
            summaries[building_id].owner_rep = name
    return summaries


def households_of(session: Session, building_ids: Collection[str]) -> dict[str, list[Household]]:
    """Building id → its households living there now, in unit and natural room order.

    Each household's ``members`` still lists everyone; :func:`living_members` leaves out the
    people who moved out.
    """
    result: dict[str, list[Household]] = {b: [] for b in building_ids}
    if not result:
        return result
    query = (
        select(Household)
        .where(Household.building_id.in_(list(result)), LIVING)
        .options(selectinload(Household.members))
    )
    for household in session.scalars(query):
        result[household.building_id].append(household)
    for households in result.values():
        households.sort(key=household_order)
    return result


def living_members(household: Household) -> list[Resident]:
    """The people of ``household`` who have not moved out."""
    return [m for m in household.members if m.moved_out_at is None]


def contacts_of(session: Session, building_ids: Collection[str]) -> dict[str, dict[str, Resident]]:
    """Building id → role (``building_member`` / ``owner_rep``) → the resident holding it."""
    result: dict[str, dict[str, Resident]] = {b: {} for b in building_ids}
    if not result:
        return result
    query = (
        select(BuildingContact)
        .where(BuildingContact.building_id.in_(list(result)))
        .options(selectinload(BuildingContact.resident))
    )
    for contact in session.scalars(query):
        result[contact.building_id][contact.role] = contact.resident
    return result


def roster_matches(
    *,
    unit: int,
    room: str,
    tags: Iterable[str],
    people: Iterable[tuple[str, str | None]],
    tag: str = "",
    query: str = "",
) -> bool:
    """Whether a household has care ``tag`` (any when empty) and ``query`` in a person's name
    or phone (three digits or more), or in its room (``101``, or ``2-101`` with the unit)."""
    if tag and tag not in tags:
        return False
    text = query.strip()
    if not text:
        return True
    if any(text in room_text for room_text in (room, f"{unit}-{room}", f"{unit}单元{room}")):
        return True
    digits = text.replace("-", "").replace(" ", "")
    phone_query = digits.isdigit() and len(digits) >= 3
    return any(
        text in name or (phone_query and digits in (phone or "")) for name, phone in people
    )


def household_matches(household: Household, *, tag: str = "", query: str = "") -> bool:
    """:func:`roster_matches` for a household of the store (its people living there now)."""
    return roster_matches(
        unit=household.unit, room=household.room, tags=household.tags or (),
        people=((m.name, m.phone) for m in living_members(household)), tag=tag, query=query,
    )
