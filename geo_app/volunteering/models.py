"""Tables of the volunteering service (created by migration 0005).

Counters carry CHECK constraints (a balance or a stock never negative, confirmed places never
above capacity) and are only moved by conditional updates; the points ledger and the goods
movements are append-only (database triggers refuse UPDATE and DELETE), like the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from geo_app.store.models import Base, owned_by, utc_now
from geo_app.store.utc_time import UtcDateTime


class Team(Base):
    """A volunteer team: a 书画队, a dance group, the 宣讲团, a 社企联盟 service team."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    leader_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), default=None
    )


class Volunteer(Base):
    """A registered volunteer (personal data: seen only by staff in scope)."""

    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(20))
    building_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    alliance_unit: Mapped[str | None] = mapped_column(String(64), default=None)
    pin_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    #: The account that registered the volunteer (it keeps seeing them; None: before 0008
    #: with no audit entry to tell).
    registered_by: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    teams: Mapped[list[TeamMember]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan"
    )


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = owned_by("teams", primary_key=True)
    volunteer_id: Mapped[int] = owned_by("volunteers", primary_key=True)
    volunteer: Mapped[Volunteer] = relationship(back_populates="teams")
    team: Mapped[Team] = relationship()


class Activity(Base):
    """An activity or talk at a place on the map, with capacity and the points it earns."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="ck_activities_capacity"),
        CheckConstraint("confirmed >= 0 AND confirmed <= capacity", name="ck_activities_confirmed"),
        CheckConstraint("beneficiaries >= 0", name="ck_activities_beneficiaries"),
        CheckConstraint("ends_at > starts_at", name="ck_activities_times"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(32), default=None)
    place_kind: Mapped[str] = mapped_column(String(16))
    place_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    place_name: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    points_per_hour: Mapped[int] = mapped_column(Integer, default=0)
    points_per_attendance: Mapped[int] = mapped_column(Integer, default=0)
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    organiser: Mapped[str] = mapped_column(String(64))
    beneficiaries: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class SignUp(Base):
    """A volunteer's place on an activity: confirmed, on the waitlist, or cancelled."""

    __tablename__ = "signups"
    __table_args__ = (UniqueConstraint("activity_id", "volunteer_id", name="uq_signups"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = owned_by("activities", index=True)
    volunteer_id: Mapped[int] = owned_by("volunteers")
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    volunteer: Mapped[Volunteer] = relationship()


class CheckIn(Base):
    """A volunteer's attendance at an activity (one per volunteer and activity)."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("activity_id", "volunteer_id", name="uq_checkins"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = owned_by("activities", index=True)
    volunteer_id: Mapped[int] = owned_by("volunteers")
    method: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    volunteer: Mapped[Volunteer] = relationship()


class ScanFailure(Base):
    """A scan that checked nobody in, and why."""

    __tablename__ = "scan_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = owned_by("activities", index=True)
    raw: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(120))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class ServiceHours(Base):
    """Confirmed service time of a volunteer at an activity (kept apart from points)."""

    __tablename__ = "service_hours"
    __table_args__ = (
        UniqueConstraint("activity_id", "volunteer_id", name="uq_service_hours"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="ck_service_hours_minutes"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = owned_by("activities")
    volunteer_id: Mapped[int] = owned_by("volunteers", index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class PointsBalance(Base):
    """A volunteer's balance: the sum of their ledger entries, never negative."""

    __tablename__ = "points_balances"
    __table_args__ = (CheckConstraint("balance >= 0", name="ck_points_balances_balance"),)

    volunteer_id: Mapped[int] = owned_by("volunteers", primary_key=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)


class PointsEntry(Base):
    """One append-only ledger entry: earn, redeem, adjust or reversal (signed points)."""

    __tablename__ = "points_entries"
    __table_args__ = (CheckConstraint("points <> 0", name="ck_points_entries_points"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int] = owned_by("volunteers", index=True)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(120))
    ref: Mapped[str] = mapped_column(String(64), index=True)
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("points_entries.id"), default=None, unique=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now, index=True)


class Goods(Base):
    """A household good residents exchange points for."""

    __tablename__ = "goods"
    __table_args__ = (CheckConstraint("points >= 1", name="ck_goods_points"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(8))
    points: Mapped[int] = mapped_column(Integer)


class GoodsStock(Base):
    """How many of a good a station holds now: the sum of its movements, never negative."""

    __tablename__ = "goods_stock"
    __table_args__ = (CheckConstraint("count >= 0", name="ck_goods_stock_count"),)

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    goods_id: Mapped[str] = mapped_column(ForeignKey("goods.id"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class GoodsMovement(Base):
    """One append-only goods movement at a station: received (+), redeemed or written off (−)."""

    __tablename__ = "goods_movements"
    __table_args__ = (CheckConstraint("quantity <> 0", name="ck_goods_movements_quantity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    goods_id: Mapped[str] = mapped_column(ForeignKey("goods.id"))
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now, index=True)


class Redemption(Base):
    """Goods given out for points at a station's counter."""

    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    station_id: Mapped[str] = mapped_column(String(64))
    goods_id: Mapped[str] = mapped_column(ForeignKey("goods.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now, index=True)


def as_dict(row: Any, *columns: str) -> dict[str, Any]:
    """Selected columns of a row, for audit entries."""
    return {column: getattr(row, column) for column in columns}
