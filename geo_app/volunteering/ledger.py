"""微积分: the points ledger.

Every change of a balance is one append-only :class:`PointsEntry` (earn, redeem, adjust,
reversal) and one conditional ``UPDATE points_balances SET balance = balance + :points WHERE
balance + :points >= 0``, with an audit entry, in the caller's transaction: the balance is always
the sum of the entries and never negative, and two redemptions that the balance covers only
once succeed once (TimeOverflow merely flags overdrafts; here they are refused). Corrections are
reversal entries, never edits. Points and service hours are kept apart: redeeming points never
reduces recorded hours.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo_app.volunteering.checks import check_kind
from geo_app.volunteering.counters import append_movement, move_counter
from geo_app.volunteering.errors import ConflictError, NotFoundError, VolunteeringError
from geo_app.volunteering.models import PointsBalance, PointsEntry, Volunteer
from layers.quoting import quoted

#: Ledger entry kinds and how people read them.
ENTRY_KINDS: dict[str, str] = {
    "earn": "服务获得",
    "redeem": "兑换物品",
    "adjust": "人工调整",
    "reversal": "冲正",
}
#: The most points one entry may move (a typo of 1e6 is refused, not credited).
MAX_ENTRY_POINTS = 10_000


def balance_of(session: Session, volunteer_id: int) -> int:
    """The volunteer's balance now (0 before their first entry)."""
    found = session.get(PointsBalance, volunteer_id)
    return found.balance if found is not None else 0


def post_entry(
    session: Session,
    volunteer: Volunteer,
    *,
    kind: str,
    points: int,
    actor: str,
    reason: str,
    ref: str,
    reverses_id: int | None = None,
    at: datetime | None = None,
) -> PointsEntry:
    """Append one entry and move the balance by ``points`` (signed), in one transaction.

    Raises :class:`ConflictError` when the balance would fall below zero.
    """
    check_kind(kind, ENTRY_KINDS, label="积分类型")
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        msg = f"积分须为非零整数，收到 {quoted(points)}"
        raise VolunteeringError(msg, parameter="points")
    if abs(points) > MAX_ENTRY_POINTS:
        msg = f"单笔积分不能超过 {MAX_ENTRY_POINTS}，收到 {points}"
        raise VolunteeringError(msg, parameter="points")
    key = {"volunteer_id": volunteer.id}
    after = move_counter(session, PointsBalance, key, counter="balance", delta=points)
    if after is None:
        have = balance_of(session, volunteer.id)
        msg = f"积分不足：{volunteer.name}（{volunteer.card}）现有 {have} 分，需要 {-points} 分"
        raise ConflictError(msg, parameter="points")
    entry = PointsEntry(
        volunteer_id=volunteer.id,
        kind=kind,
        points=points,
        balance_after=after,
        actor=actor,
        reason=reason,
        ref=ref,
        reverses_id=reverses_id,
    )
    append_movement(
        session,
        entry,
        at=at,
        counter="balance",
        after=after,
        delta=points,
        actor=actor,
        action=f"points.{kind}",
        target=f"volunteer:{volunteer.card}",
        note=f"{ENTRY_KINDS[kind]} {points:+d}：{reason}（{ref}）",
    )
    return entry


def reverse_entry(session: Session, entry_id: int, *, actor: str, reason: str) -> PointsEntry:
    """Cancel an entry by a reversal entry of the opposite sign (each entry at most once)."""
    original = session.get(PointsEntry, entry_id)
    if original is None:
        msg = f"积分记录 {entry_id} 不存在"
        raise NotFoundError(msg, parameter="entry")
    if original.kind == "reversal":
        msg = f"积分记录 {entry_id} 本身是冲正，不能再冲正"
        raise ConflictError(msg, parameter="entry")
    done = session.scalar(select(PointsEntry.id).where(PointsEntry.reverses_id == entry_id))
    if done is not None:
        msg = f"积分记录 {entry_id} 已于记录 {done} 冲正过"
        raise ConflictError(msg, parameter="entry")
    if not reason.strip():
        msg = "冲正须写明原因"
        raise VolunteeringError(msg, parameter="reason")
    volunteer = session.get(Volunteer, original.volunteer_id)
    assert volunteer is not None  # foreign key
    return post_entry(
        session,
        volunteer,
        kind="reversal",
        points=-original.points,
        actor=actor,
        reason=reason.strip(),
        ref=f"entry:{entry_id}",
        reverses_id=entry_id,
    )


def entries_of(session: Session, volunteer_id: int, *, limit: int = 200) -> list[PointsEntry]:
    """The volunteer's entries, newest first."""
    query = (
        select(PointsEntry)
        .where(PointsEntry.volunteer_id == volunteer_id)
        .order_by(PointsEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def earned_between(session: Session, volunteer_id: int, refs: list[str]) -> int:
    """Points earned (net of reversals of those earnings) under the given references."""
    if not refs:
        return 0
    earned = session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.volunteer_id == volunteer_id,
            PointsEntry.kind == "earn",
            PointsEntry.ref.in_(refs),
        )
    )
    reversed_ = session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.volunteer_id == volunteer_id,
            PointsEntry.kind == "reversal",
            PointsEntry.reverses_id.in_(
                select(PointsEntry.id).where(PointsEntry.kind == "earn", PointsEntry.ref.in_(refs))
            ),
        )
    )
    return int(earned or 0) + int(reversed_ or 0)
