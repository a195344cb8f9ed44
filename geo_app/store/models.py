"""Tables of the store: what changes while the service runs (geometry stays in the layers).

Accounts and their assignments, building → grid reassignments, station stock and loans, the
residents' roster (households, people, each building's 楼栋党员 and 业主代表), visits (走访) and
the append-only audit log.
The schema itself is created and changed by the migrations under ``geo_app/migrations``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column, relationship

from geo_app.store.utc_time import UtcDateTime


def utc_now() -> datetime:
    return datetime.now(UTC)


def owned_by(parent: str, *, primary_key: bool = False, index: bool = False) -> MappedColumn[Any]:
    """A required reference to ``parent``'s id; the row goes when its parent row goes."""
    return mapped_column(
        ForeignKey(f"{parent}.id", ondelete="CASCADE"), primary_key=primary_key, index=index
    )


class Base(DeclarativeBase):
    """Declarative base of every table of the store."""


def fields_of(row: Base, names: tuple[str, ...]) -> dict[str, Any]:
    """``row``'s attributes ``names`` as a dict, in that order (for JSON answers and audit)."""
    return {name: getattr(row, name) for name in names}


class Account(Base):
    """A person who logs in: a role and an assignment (a grid, a set of buildings)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    grid_id: Mapped[str | None] = mapped_column(String(64), default=None)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    buildings: Mapped[list[AccountBuilding]] = relationship(
        back_populates="account",
        cascade="all, delete-orphan",
        order_by="AccountBuilding.building_id",
    )

    @property
    def building_ids(self) -> list[str]:
        return [link.building_id for link in self.buildings]


class AccountBuilding(Base):
    """One building an account (楼栋党员, 业主代表) looks after."""

    __tablename__ = "account_buildings"

    account_id: Mapped[int] = owned_by("accounts", primary_key=True)
    building_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account: Mapped[Account] = relationship(back_populates="buildings")


class BuildingGrid(Base):
    """The admin's reassignment of a building to a grid (overrides the layer's ``grid_id``)."""

    __tablename__ = "building_grids"

    building_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    grid_id: Mapped[str] = mapped_column(String(64))


#: Most of one item a station can hold, and most lent out at once (the schema refuses more;
#: well inside 32-bit integers, so SQLite and PostgreSQL refuse the same values).
MAX_STOCK_COUNT = 1_000_000


class StationStock(Base):
    """How many of an item a station holds now, and how many of it are lent out.

    Both are integers from 0 to :data:`MAX_STOCK_COUNT` (CHECK constraints; on SQLite also
    ``typeof(...) = 'integer'``, so a REAL never lands in the column).
    """

    __tablename__ = "station_stock"
    __table_args__ = (
        CheckConstraint("count >= 0", name="ck_station_stock_count"),
        CheckConstraint(f"count <= {MAX_STOCK_COUNT}", name="ck_station_stock_count_max"),
        CheckConstraint(
            f"lent_out >= 0 AND lent_out <= {MAX_STOCK_COUNT}", name="ck_station_stock_lent_out"
        ),
    )

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    #: Lent and not yet returned: a return can never exceed it.
    lent_out: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LoginSession(Base):
    """One login: the cookie carries a random token, the store its SHA-256 (``id``).

    Revoked at logout, at a password change and when the account is deactivated; it also ends
    after ``SESSION_IDLE_MINUTES`` without a request and ``SESSION_ABSOLUTE_HOURS`` after login.
    """

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = owned_by("accounts", index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked: Mapped[bool] = mapped_column(default=False)


class RateLimitHit(Base):
    """One counted attempt of a rate limit (login, planner report builds), shared by every
    worker process through the store; old hits are deleted as new ones arrive."""

    __tablename__ = "rate_limit_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), index=True)
    at: Mapped[float] = mapped_column(Float)
    expires: Mapped[float] = mapped_column(Float, index=True)


class Household(Base):
    """A household of a building: where it lives and the tags that call for attention."""

    __tablename__ = "households"

    id: Mapped[str] = mapped_column(String(96), primary_key=True)
    building_id: Mapped[str] = mapped_column(String(64), index=True)
    unit: Mapped[int] = mapped_column(Integer)
    room: Mapped[str] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: When the household moved out (kept for the audit trail; ``None`` while it lives here).
    moved_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    members: Mapped[list[Resident]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="Resident.id"
    )


class Resident(Base):
    """One person of a household (personal data: never shown on public pages)."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[str] = owned_by("households", index=True)
    name: Mapped[str] = mapped_column(String(32))
    gender: Mapped[str] = mapped_column(String(4))
    birth_year: Mapped[int] = mapped_column(Integer)
    relation: Mapped[str] = mapped_column(String(16))
    party_member: Mapped[bool] = mapped_column(default=False)
    #: Contact phone (personal data: shown only to accounts that may see the building).
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    moved_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    household: Mapped[Household] = relationship(back_populates="members")


#: What a person's record says of them wherever it is shown or audited (with :func:`fields_of`).
PERSON_DETAILS = ("name", "gender", "birth_year", "relation", "party_member", "phone")


class BuildingContact(Base):
    """A building's 楼栋党员 or 业主代表, one of its residents."""

    __tablename__ = "building_contacts"
    __table_args__ = (UniqueConstraint("building_id", "role", name="uq_building_contacts_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32))
    resident_id: Mapped[int] = owned_by("residents")
    resident: Mapped[Resident] = relationship()


class Loan(Base):
    """An item lent at a station: to whom (name and phone), until when, by whom; its return."""

    __tablename__ = "loans"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_loans_quantity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    item: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    borrower_name: Mapped[str] = mapped_column(String(32))
    borrower_phone: Mapped[str] = mapped_column(String(20))
    lent_by: Mapped[str] = mapped_column(String(64))
    lent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due: Mapped[date] = mapped_column(Date)
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    returned_to: Mapped[str | None] = mapped_column(String(64), default=None)


class Visit(Base):
    """A grid member's visit (走访) to a household: when, what kind, a note, a follow-up."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[str] = owned_by("households", index=True)
    building_id: Mapped[str] = mapped_column(String(64), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[bool] = mapped_column(default=False)
    visitor: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class FollowUpClosure(Base):
    """A visit's follow-up (需要跟进) done: who, on which day, what was done (关爱户走访跟进).

    Its own row, so the visit that asked for the follow-up stays as it was recorded; one per
    visit at most (``visit_id`` is unique); ``closing_visit_id`` is the later visit that
    resolved it, when it was closed by recording one.
    """

    __tablename__ = "follow_up_closures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visits.id", ondelete="CASCADE"), unique=True
    )
    closed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    closed_by: Mapped[str] = mapped_column(String(64))
    closing_visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("visits.id", ondelete="SET NULL"), default=None
    )
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class AuditEntry(Base):
    """One change: who, what, on which target, the state before and after, when.

    Append-only: database triggers refuse every UPDATE and DELETE of this table.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
