"""Tables of 微协商: residents' views (社情民意), their log, meetings and governance items.

A view's place is stored as WGS84 lon/lat; its grid is where it was routed (or transferred to).
Contact (name, phone) is personal data: only the grid's leader, stewards and the admin read it.
Every state change of a view writes a :class:`ViewEvent` in the same transaction; every change
of an item writes an :class:`ItemEvent` (its public timeline). Created by migration ``0004``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from geo_app.store.models import Base, owned_by
from geo_app.store.utc_time import UtcDateTime


class View(Base):
    """One resident's view: where, what, who (private), its state and its grid."""

    __tablename__ = "gov_views"
    __table_args__ = (
        CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
                        name="ck_gov_views_satisfaction"),
        CheckConstraint("supporters >= 0", name="ck_gov_views_supporters"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    grid_id: Mapped[str] = mapped_column(String(64), index=True)
    building_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(32), default=None)
    contact_phone: Mapped[str | None] = mapped_column(String(20), default=None)
    state: Mapped[str] = mapped_column(String(16), index=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_views.id"), default=None
    )
    assignee: Mapped[str | None] = mapped_column(String(64), default=None)
    supporters: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(16), default="web")
    device_hash: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    photo: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    satisfaction: Mapped[int | None] = mapped_column(Integer, default=None)
    events: Mapped[list[ViewEvent]] = relationship(
        back_populates="view", order_by="ViewEvent.id", cascade="all, delete-orphan"
    )


class ViewEvent(Base):
    """One step of a view's life: who, when, from which state (and grid) to which, and why."""

    __tablename__ = "gov_view_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    view_id: Mapped[int] = owned_by("gov_views", index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16), default=None)
    to_state: Mapped[str] = mapped_column(String(16))
    from_grid: Mapped[str | None] = mapped_column(String(64), default=None)
    to_grid: Mapped[str | None] = mapped_column(String(64), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    view: Mapped[View] = relationship(back_populates="events")


class ViewSupport(Base):
    """A "+1" from one device to an open view (at most one per device and view)."""

    __tablename__ = "gov_view_supports"

    view_id: Mapped[int] = owned_by("gov_views", primary_key=True)
    device_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class ViewLink:
    """Mixin of a link from a meeting or an item to one view it took up."""

    view_id: Mapped[int] = owned_by("gov_views", primary_key=True)


class TakesUpViews:
    """Mixin of a meeting or an item: its links to the views it took up, in view order.

    ``link_class`` names the :class:`ViewLink` table of the owner.
    """

    link_class: ClassVar[str]

    @declared_attr
    def view_links(cls) -> Mapped[list[ViewLink]]:
        return relationship(
            cls.link_class, cascade="all, delete-orphan", order_by=f"{cls.link_class}.view_id"
        )

    @property
    def view_ids(self) -> list[int]:
        return [link.view_id for link in self.view_links]


class Meeting(TakesUpViews, Base):
    """A 走访 (home visit) or 座谈/议事 (deliberation) at a place, with the views it took up."""

    __tablename__ = "gov_meetings"
    link_class = "MeetingView"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    held_at: Mapped[datetime] = mapped_column(UtcDateTime())
    topic: Mapped[str] = mapped_column(String(200))
    place_name: Mapped[str] = mapped_column(String(100))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))


class MeetingView(ViewLink, Base):
    """A view a meeting took up."""

    __tablename__ = "gov_meeting_views"

    meeting_id: Mapped[int] = owned_by("gov_meetings", primary_key=True)


class Item(TakesUpViews, Base):
    """A governance item (治理项目): what was decided, who carries it, with what money, how far.

    ``reach`` holds the buildings within the walk radius of its place, computed once per place
    (``reach_key`` says for which place and radius).
    """

    __tablename__ = "gov_items"
    link_class = "ItemView"
    __table_args__ = (
        CheckConstraint("progress BETWEEN 0 AND 100", name="ck_gov_items_progress"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    place_name: Mapped[str] = mapped_column(String(100), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    owner: Mapped[str] = mapped_column(String(64))
    budget_source: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("gov_meetings.id"), default=None)
    reach: Mapped[Any] = mapped_column(JSON, nullable=True, default=None)
    reach_key: Mapped[str | None] = mapped_column(String(96), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    events: Mapped[list[ItemEvent]] = relationship(
        order_by="ItemEvent.id", cascade="all, delete-orphan"
    )


class ItemView(ViewLink, Base):
    """A view behind an item."""

    __tablename__ = "gov_item_views"

    item_id: Mapped[int] = owned_by("gov_items", primary_key=True)


class ItemEvent(Base):
    """One entry of an item's public timeline: status and progress after it, and a note."""

    __tablename__ = "gov_item_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = owned_by("gov_items", index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("gov_meetings.id"), default=None)
