"""Visits (走访): grid members record their visits; who is overdue follows from the dates.

"有事没事转一转" in data: each visit is one row (household, date, kind, note, follow-up
needed, visitor). From the rows and a day (the community's today, from the pinned clock in
tests) follow the buildings with no visit in N days and the care households overdue (e.g.
独居老人 every 7 days). Callers pass only buildings the account may see.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo_app.store import audit
from geo_app.store.errors import StoreError
from geo_app.store.models import Account, Household, Visit
from geo_app.store.people import LIVING, household_order
from layers.quoting import quoted

MAX_NOTE_LENGTH = 1000
#: How far back a visit may be recorded (a forgotten visit of last month, not of 2019).
MAX_BACKDATE_DAYS = 366


class VisitError(StoreError):
    """A visit cannot be recorded as given."""


def parse_day(value: object, *, parameter: str) -> date:
    """A date written ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        msg = f"日期 {quoted(value)} 格式不对，应为 年-月-日（如 2026-11-27）"
        raise VisitError(msg, parameter=parameter) from None


def record_visit(
    session: Session,
    household: Household,
    *,
    visited_on: date,
    kind: str,
    note: str,
    follow_up: bool,
    kinds: Sequence[str],
    today: date,
    visitor: str,
) -> Visit:
    """Record a visit to ``household`` (audited); dates in the future are refused."""
    if kind not in kinds:
        msg = f"走访方式须为 {'、'.join(kinds)} 之一"
        raise VisitError(msg, parameter="kind")
    if visited_on > today:
        msg = f"走访日期 {visited_on.isoformat()} 晚于今天 {today.isoformat()}"
        raise VisitError(msg, parameter="visited_on")
    if visited_on < today - timedelta(days=MAX_BACKDATE_DAYS):
        msg = f"走访日期 {visited_on.isoformat()} 早于一年前，请核对"
        raise VisitError(msg, parameter="visited_on")
    text = (note or "").strip()
    if len(text) > MAX_NOTE_LENGTH:
        msg = f"情况记录最多 {MAX_NOTE_LENGTH} 字"
        raise VisitError(msg, parameter="note")
    visit = Visit(
        household_id=household.id, building_id=household.building_id, visited_on=visited_on,
        kind=kind, note=text, follow_up=follow_up, visitor=visitor,
    )
    return audit.add_and_record(
        session, visit, actor=visitor, action="visit.record", target=f"household:{household.id}",
        after={"visited_on": visited_on.isoformat(), "kind": kind, "follow_up": follow_up,
               "building_id": household.building_id, "unit": household.unit,
               "room": household.room},
        note=text[:200],
    )


def visits_in(
    session: Session,
    building_ids: Collection[str],
    *,
    visitor: str | None = None,
    limit: int = 200,
) -> list[tuple[Visit, Household]]:
    """Visits to households of ``building_ids`` (only ``visitor``'s when given), newest first."""
    if not building_ids:
        return []
    query = (
        select(Visit, Household)
        .join(Household, Household.id == Visit.household_id)
        .where(Visit.building_id.in_(list(building_ids)))
        .order_by(Visit.visited_on.desc(), Visit.id.desc())
        .limit(limit)
    )
    if visitor is not None:
        query = query.where(Visit.visitor == visitor)
    return [(visit, household) for visit, household in session.execute(query)]


def display_names(session: Session, usernames: Collection[str]) -> dict[str, str]:
    """Username → the name people know the account by (its display name, else the username),
    for the visitors and actors a page lists; names not of an account are absent."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    rows = session.execute(
        select(Account.username, Account.display_name).where(Account.username.in_(wanted))
    )
    return {username: shown or username for username, shown in rows}


def last_visit_by_building(session: Session, building_ids: Collection[str]) -> dict[str, date]:
    """Building id → the day of its latest visit (buildings never visited are absent)."""
    if not building_ids:
        return {}
    query = (
        select(Visit.building_id, func.max(Visit.visited_on))
        .where(Visit.building_id.in_(list(building_ids)))
        .group_by(Visit.building_id)
    )
    return {building: day for building, day in session.execute(query)}


def buildings_not_visited(
    session: Session, building_ids: Sequence[str], *, today: date, days: int
) -> dict[str, date | None]:
    """Buildings with no visit in the last ``days`` days → their latest visit (``None``: never).

    A building visited exactly ``days`` days ago is still in time.
    """
    last = last_visit_by_building(session, building_ids)
    return {
        b: last.get(b)
        for b in building_ids
        if last.get(b) is None or (today - last[b]).days > days
    }


@dataclass(frozen=True)
class OverdueHousehold:
    """A care household whose latest visit is older than its tag allows."""

    household: Household
    tag: str
    every_days: int
    last_visit: date | None
    days_since: int | None


def overdue_care(
    session: Session,
    building_ids: Collection[str],
    *,
    today: date,
    care_days: Mapping[str, int],
) -> list[OverdueHousehold]:
    """Care households (a tag of ``care_days``) not visited within their tag's days.

    A household with several tags is judged by the strictest (fewest days). Never-visited
    households come first, then the longest overdue.
    """
    if not building_ids or not care_days:
        return []
    households = [
        h
        for h in session.scalars(
            select(Household).where(Household.building_id.in_(list(building_ids)), LIVING)
        )
        if any(tag in care_days for tag in h.tags or ())
    ]
    if not households:
        return []
    last = dict(
        session.execute(
            select(Visit.household_id, func.max(Visit.visited_on))
            .where(Visit.household_id.in_([h.id for h in households]))
            .group_by(Visit.household_id)
        ).all()
    )
    overdue = []
    for household in households:
        tag = min((t for t in household.tags if t in care_days), key=lambda t: care_days[t])
        every = int(care_days[tag])
        seen = last.get(household.id)
        since = (today - seen).days if seen is not None else None
        if since is None or since > every:
            overdue.append(OverdueHousehold(household, tag, every, seen, since))
    overdue.sort(
        key=lambda o: (o.days_since is not None, -(o.days_since or 0),
                       o.household.building_id, household_order(o.household))
    )
    return overdue
