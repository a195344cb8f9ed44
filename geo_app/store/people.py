"""The residents' roster of each building, read for the grid views (personal data)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from geo_app.store.models import BuildingContact, Household, Resident
from geo_app.store.roles import BUILDING_MEMBER, OWNER_REP

#: Tags that call for a grid worker's attention.
ATTENTION_TAGS: tuple[str, ...] = ("独居老人", "困难家庭", "残疾人")


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
        select(Household.building_id, Household.tags).where(Household.building_id.in_(ids))
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
        .where(Household.building_id.in_(ids))
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
    """Building id → its households with their members, in unit and room order."""
    result: dict[str, list[Household]] = {b: [] for b in building_ids}
    if not result:
        return result
    query = (
        select(Household)
        .where(Household.building_id.in_(list(result)))
        .options(selectinload(Household.members))
        .order_by(Household.building_id, Household.unit, Household.room)
    )
    for household in session.scalars(query):
        result[household.building_id].append(household)
    return result


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
