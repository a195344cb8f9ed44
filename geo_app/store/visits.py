"""Visits (走访): grid members record their visits; who is overdue follows from the dates.

"有事没事转一转" in data: each visit is one row (household, date, kind, note, follow-up
needed, visitor). From the rows and a day (the community's today, from the pinned clock in
tests) follow the buildings with no visit in N days and the care households overdue (e.g.
独居老人 every 7 days). A visit that asks for a follow-up (需要跟进) stays open until it is
closed — by a 已跟进 note or by a later visit that resolves it — each closure its own audited
row (:class:`FollowUpClosure`), the visit itself unchanged. Callers pass only buildings the
account may see.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from geo_app.store import audit
from geo_app.store.errors import Conflict, NotFound, StoreError
from geo_app.store.models import Account, FollowUpClosure, Household, Visit
from geo_app.store.people import LIVING, household_order
from layers.quoting import quoted

MAX_NOTE_LENGTH = 1000
#: What a 已跟进 note may hold: a short line of who did what.
MAX_CLOSING_NOTE_LENGTH = 500
#: How far back a visit may be recorded (a forgotten visit of last month, not of 2019).
MAX_BACKDATE_DAYS = 366


class VisitError(StoreError):
    """A visit cannot be recorded as given."""


class FollowUpNotFound(NotFound):
    """No follow-up of that number in the caller's buildings (404: existence not revealed)."""


class FollowUpClosed(Conflict):
    """The follow-up was closed already (409: nothing written)."""


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
    resolves: Collection[int] = (),
    at: datetime | None = None,
) -> Visit:
    """Record a visit to ``household`` (audited); dates in the future are refused.

    ``resolves``: open follow-ups of the household (their visits' ids) this visit settles; each
    is closed by its own audited row naming this visit (the note must say how). ``at``: when
    it is recorded (the pinned clock in tests; default the system's).
    """
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
    resolved = [_open_follow_up_of(session, household, visit_id) for visit_id in resolves]
    if resolved and not text:
        msg = "本次走访解决了此前的跟进事项：请在情况记录中写明如何解决的"
        raise VisitError(msg, parameter="note")
    for earlier in resolved:
        if earlier.visited_on > visited_on:
            msg = (f"走访日期 {visited_on.isoformat()} 早于要跟进的那次走访"
                   f"（{earlier.visited_on.isoformat()}），不能解决它")
            raise VisitError(msg, parameter="visited_on")
    visit = Visit(
        household_id=household.id, building_id=household.building_id, visited_on=visited_on,
        kind=kind, note=text, follow_up=follow_up, visitor=visitor,
        recorded_at=(at or datetime.now(UTC)).astimezone(UTC),
    )
    after = {"visited_on": visited_on.isoformat(), "kind": kind, "follow_up": follow_up,
             "building_id": household.building_id, "unit": household.unit,
             "room": household.room}
    if resolved:
        after["resolves"] = [v.id for v in resolved]
    audit.add_and_record(
        session, visit, actor=visitor, action="visit.record", target=f"household:{household.id}",
        after=after, note=text[:200],
    )
    for earlier in resolved:
        _close(session, earlier, household, closed_on=visited_on, note=text, actor=visitor,
               at=visit.recorded_at, closing_visit=visit)
    return visit


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


# ---------------------------------------------------------------- follow-ups (需要跟进)


def _check_day(day: date, *, earliest: date, today: date, parameter: str) -> None:
    if day > today:
        msg = f"跟进日期 {day.isoformat()} 晚于今天 {today.isoformat()}"
        raise VisitError(msg, parameter=parameter)
    if day < earliest:
        msg = f"跟进日期 {day.isoformat()} 早于要跟进的那次走访（{earliest.isoformat()}）"
        raise VisitError(msg, parameter=parameter)


def _open_follow_up_of(session: Session, household: Household, visit_id: int) -> Visit:
    """The visit ``visit_id`` of ``household`` asking for a follow-up not yet closed (locked
    for the rest of the transaction on PostgreSQL; SQLite's write transaction is exclusive)."""
    visit = session.scalars(
        select(Visit).where(Visit.id == visit_id).with_for_update()
    ).one_or_none()
    if visit is None or visit.household_id != household.id or not visit.follow_up:
        msg = f"这户没有编号为 {visit_id} 的跟进事项"
        raise FollowUpNotFound(msg, parameter="resolves")
    _refuse_if_closed(session, visit)
    return visit


def _refuse_if_closed(session: Session, visit: Visit) -> None:
    done = session.scalars(
        select(FollowUpClosure).where(FollowUpClosure.visit_id == visit.id)
    ).one_or_none()
    if done is not None:
        names = display_names(session, [done.closed_by])
        msg = (f"{visit.visited_on.isoformat()} 走访的跟进事项已于 {done.closed_on.isoformat()} "
               f"由 {names.get(done.closed_by, done.closed_by)} 办结，不能再次办结")
        raise FollowUpClosed(msg, parameter="visit")


def _close(
    session: Session,
    visit: Visit,
    household: Household,
    *,
    closed_on: date,
    note: str,
    actor: str,
    at: datetime,
    closing_visit: Visit | None = None,
) -> FollowUpClosure:
    closure = FollowUpClosure(
        visit_id=visit.id, closed_on=closed_on, note=note, closed_by=actor,
        recorded_at=at.astimezone(UTC),
        closing_visit_id=closing_visit.id if closing_visit is not None else None,
    )
    # told in the audit log as "办结 <room> <day of the visit> 走访的跟进事项（<day closed>）"
    return audit.add_and_record(
        session, closure, actor=actor, action="visit.follow_up_close",
        target=f"visit:{visit.id}",
        before={"follow_up": "open", "visited_on": visit.visited_on.isoformat()},
        after={"kind": "办结跟进", "visited_on": closed_on.isoformat(),
               "follow_up_of": visit.visited_on.isoformat(), "building_id": visit.building_id,
               "unit": household.unit, "room": household.room,
               "closing_visit_id": closure.closing_visit_id},
        note=note[:200],
    )


def close_follow_up(
    session: Session,
    visit_id: int,
    *,
    building_id: str,
    closed_on: date,
    note: str,
    today: date,
    actor: str,
    at: datetime,
) -> FollowUpClosure:
    """已跟进: close the follow-up asked for by visit ``visit_id`` of a household of
    ``building_id`` living there now, with a short note of what was done (audited), recorded
    ``at`` (a moment: shown in 北京时间).

    Another building's visit, a visit without 需要跟进 or a moved-out household is
    :class:`FollowUpNotFound`; a follow-up closed already is :class:`FollowUpClosed`.
    """
    visit = session.get(Visit, visit_id)
    household = session.get(Household, visit.household_id) if visit is not None else None
    if visit is None or household is None or visit.building_id != building_id:
        msg = f"楼栋 {building_id} 没有编号为 {visit_id} 的跟进事项"
        raise FollowUpNotFound(msg, parameter="visit")
    if household.moved_out_at is not None:
        msg = "这户已迁出，跟进事项不再办理"
        raise FollowUpNotFound(msg, parameter="visit")
    visit = _open_follow_up_of(session, household, visit_id)
    text = (note or "").strip()
    if not text:
        msg = "请写明做了什么（如：已联系物业修好楼道灯）"
        raise VisitError(msg, parameter="note")
    if len(text) > MAX_CLOSING_NOTE_LENGTH:
        msg = f"跟进说明最多 {MAX_CLOSING_NOTE_LENGTH} 字"
        raise VisitError(msg, parameter="note")
    _check_day(closed_on, earliest=visit.visited_on, today=today, parameter="closed_on")
    return _close(session, visit, household, closed_on=closed_on, note=text, actor=actor, at=at)


@dataclass(frozen=True)
class OpenFollowUp:
    """A visit's follow-up not yet closed, and how many days it has been open."""

    visit: Visit
    household: Household
    days_open: int


def _open_query(building_ids: Collection[str]) -> Select[Visit, Household]:
    return (
        select(Visit, Household)
        .join(Household, Household.id == Visit.household_id)
        .outerjoin(FollowUpClosure, FollowUpClosure.visit_id == Visit.id)
        .where(
            Visit.building_id.in_(list(building_ids)), Visit.follow_up.is_(True),
            FollowUpClosure.id.is_(None), LIVING,
        )
    )


def open_follow_up_count(session: Session, building_ids: Collection[str]) -> int:
    """How many follow-ups of households living in ``building_ids`` are open."""
    if not building_ids:
        return 0
    query = select(func.count()).select_from(_open_query(building_ids).subquery())
    return int(session.scalar(query) or 0)


def open_follow_ups(
    session: Session,
    building_ids: Collection[str],
    *,
    today: date,
    start: int = 0,
    stop: int | None = None,
    household_id: str | None = None,
) -> list[OpenFollowUp]:
    """The open follow-ups of ``building_ids`` (one household's, when given), oldest visit
    first (rows ``start``..``stop`` of that order); days open count from the visit's day."""
    if not building_ids:
        return []
    query = _open_query(building_ids).order_by(Visit.visited_on, Visit.id).offset(start)
    if stop is not None:
        query = query.limit(max(0, stop - start))
    if household_id is not None:
        query = query.where(Visit.household_id == household_id)
    return [OpenFollowUp(visit, household, (today - visit.visited_on).days)
            for visit, household in session.execute(query)]


def closures_of(session: Session, visit_ids: Collection[int]) -> dict[int, FollowUpClosure]:
    """Visit id → how its follow-up was closed (visits still open, or never asking, absent)."""
    if not visit_ids:
        return {}
    query = select(FollowUpClosure).where(FollowUpClosure.visit_id.in_(list(visit_ids)))
    return {c.visit_id: c for c in session.scalars(query)}
