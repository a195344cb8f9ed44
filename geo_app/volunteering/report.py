"""The community's report of 微活动、微宣讲、微积分 for a month or a year.

Activities held by kind, participants (checked in) and beneficiaries, talks by topic and by
place, volunteer hours, points earned and redeemed, goods given out and exchanges, and the
teams with their members (书画队, 舞蹈队 …): the figures the community's own account reports.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo_app.store.utc_time import as_utc
from geo_app.volunteering.activities import ACTIVITY_KINDS, PLACE_KINDS
from geo_app.volunteering.models import (
    Activity,
    CheckIn,
    Goods,
    PointsEntry,
    Redemption,
    ServiceHours,
)
from geo_app.volunteering.registry import TEAM_KINDS, team_sizes


@dataclass(frozen=True)
class Period:
    """A calendar month (``month`` 1–12) or a whole year (``month`` None), in local time."""

    year: int
    month: int | None = None

    @property
    def label(self) -> str:
        return f"{self.year} 年" + (f" {self.month} 月" if self.month else "全年")

    def bounds(self, timezone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC."""
        first = date(self.year, self.month or 1, 1)
        if self.month is None or self.month == 12:
            after = date(self.year + 1, 1, 1)
        else:
            after = date(self.year, self.month + 1, 1)
        start = datetime(first.year, first.month, first.day, tzinfo=timezone).astimezone(UTC)
        end = datetime(after.year, after.month, after.day, tzinfo=timezone).astimezone(UTC)
        return start, end


@dataclass
class CommunityReport:
    period: Period
    activities_by_kind: dict[str, int] = field(default_factory=dict)
    activities_held: int = 0
    participants: int = 0
    beneficiaries: int = 0
    talks_by_topic: dict[str, int] = field(default_factory=dict)
    talks_by_place: dict[str, int] = field(default_factory=dict)
    volunteer_hours: float = 0.0
    points_earned: int = 0
    points_redeemed: int = 0
    exchanges: int = 0
    goods_given: dict[str, int] = field(default_factory=dict)
    teams: list[tuple[str, str, int]] = field(default_factory=list)
    members_by_team_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "period": self.period.label,
            "activities_held": self.activities_held,
            "activities_by_kind": self.activities_by_kind,
            "participants": self.participants,
            "beneficiaries": self.beneficiaries,
            "talks_by_topic": self.talks_by_topic,
            "talks_by_place": self.talks_by_place,
            "volunteer_hours": round(self.volunteer_hours, 1),
            "points_earned": self.points_earned,
            "points_redeemed": self.points_redeemed,
            "exchanges": self.exchanges,
            "goods_given": self.goods_given,
            "teams": [{"name": n, "kind": k, "members": m} for n, k, m in self.teams],
            "members_by_team_kind": self.members_by_team_kind,
        }


def community_report(session: Session, period: Period, *, timezone: ZoneInfo) -> CommunityReport:
    """The figures of ``period`` (activities by their start time, points by their entry time)."""
    start, end = period.bounds(timezone)
    report = CommunityReport(period)
    held = session.scalars(
        select(Activity).where(
            Activity.starts_at >= start, Activity.starts_at < end, Activity.status == "held"
        )
    ).all()
    kinds = Counter(a.kind for a in held)
    report.activities_by_kind = {ACTIVITY_KINDS[k]: kinds[k] for k in ACTIVITY_KINDS if kinds[k]}
    report.activities_held = len(held)
    report.beneficiaries = sum(a.beneficiaries for a in held)
    talks = [a for a in held if a.kind == "talk"]
    report.talks_by_topic = dict(Counter(a.topic or "其他" for a in talks).most_common())
    report.talks_by_place = dict(Counter(PLACE_KINDS[a.place_kind] for a in talks).most_common())
    ids = [a.id for a in held]
    if ids:
        report.participants = int(
            session.scalar(select(func.count()).where(CheckIn.activity_id.in_(ids))) or 0
        )
        minutes = session.scalar(
            select(func.coalesce(func.sum(ServiceHours.minutes), 0)).where(
                ServiceHours.activity_id.in_(ids)
            )
        )
        report.volunteer_hours = int(minutes or 0) / 60
    in_period = (PointsEntry.at >= start, PointsEntry.at < end)
    earned = session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.kind == "earn", *in_period
        )
    )
    redeemed = session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.kind == "redeem", *in_period
        )
    )
    report.points_earned = int(earned or 0)
    report.points_redeemed = -int(redeemed or 0)
    given = session.execute(
        select(Goods.name, func.count(), func.sum(Redemption.quantity))
        .join(Goods, Goods.id == Redemption.goods_id)
        .where(Redemption.at >= start, Redemption.at < end)
        .group_by(Goods.name)
        .order_by(Goods.name)
    ).all()
    report.exchanges = sum(int(n) for _, n, _ in given)
    report.goods_given = {name: int(quantity) for name, _, quantity in given}
    sizes = team_sizes(session)
    report.teams = [(t.name, TEAM_KINDS[t.kind], n) for t, n in sizes]
    members: Counter[str] = Counter()
    for team, n in sizes:
        members[TEAM_KINDS[team.kind]] += n
    report.members_by_team_kind = dict(members)
    return report


def upcoming(session: Session, *, now: datetime, limit: int = 50) -> list[Activity]:
    """Activities not yet over and not cancelled, soonest first."""
    return list(
        session.scalars(
            select(Activity)
            .where(Activity.ends_at >= now.astimezone(UTC), Activity.status != "cancelled")
            .order_by(Activity.starts_at, Activity.id)
            .limit(limit)
        )
    )


def local_text(moment: datetime, timezone: ZoneInfo) -> str:
    return as_utc(moment).astimezone(timezone).strftime("%Y-%m-%d %H:%M")
