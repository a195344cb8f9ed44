"""Moments stored as UTC on every database.

``state.clock.now()`` gives aware Beijing times. PostgreSQL's ``timestamptz`` keeps the instant
of an aware value, but SQLite has no time zone type: SQLAlchemy writes the value's wall time and
drops its offset, so a Beijing 10:00 was stored as "10:00" and read back as 10:00 UTC, eight hours
late (the sample's points records showed entries at 00:30 and 04:00). :class:`UtcDateTime`
converts every aware value to UTC before it is written and hands back aware UTC values on read,
on both databases; a naive value is taken as UTC, as stored times always were.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that stores the UTC instant and reads back aware UTC."""

    impl = DateTime
    cache_ok = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (a naive one is taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
