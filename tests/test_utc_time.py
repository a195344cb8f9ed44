"""Stored moments are instants, on SQLite as on PostgreSQL: an aware Beijing time is written as
its UTC instant and read back as aware UTC (SQLite dropped the offset: a Beijing 10:00 came back
as 10:00 UTC, eight hours late, in the points records of ``/me``)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from support.database import migrated_store, on_postgresql

from geo_app.volunteering.ledger import post_entry
from geo_app.volunteering.models import PointsEntry
from geo_app.volunteering.registry import register_volunteer

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def store(tmp_path):
    yield from migrated_store(tmp_path)


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        (datetime(2026, 3, 6, 10, 0, tzinfo=BEIJING), datetime(2026, 3, 6, 2, 0, tzinfo=UTC)),
        (datetime(2026, 1, 1, 0, 30, tzinfo=BEIJING), datetime(2025, 12, 31, 16, 30, tzinfo=UTC)),
        (datetime(2026, 3, 6, 2, 0, tzinfo=UTC), datetime(2026, 3, 6, 2, 0, tzinfo=UTC)),
        (datetime(2026, 3, 6, 2, 0), datetime(2026, 3, 6, 2, 0, tzinfo=UTC)),  # naive: UTC
    ],
)
def test_a_moment_is_stored_as_its_instant(store, written, instant):
    with store.write() as db:
        volunteer = register_volunteer(db, name="赵一鸣", phone="13900000001", building_id=None,
                                       known_buildings=set(), actor="t")
        post_entry(db, volunteer, kind="earn", points=10, actor="t", reason="测试", ref="t",
                   at=written)
    with store.read() as db:
        (at,) = db.scalars(select(PointsEntry.at)).all()
        assert at == instant and at.utcoffset().total_seconds() == 0
        if not on_postgresql():  # the file holds the UTC wall time, as every reader assumes
            raw = db.execute(text("SELECT at FROM points_entries")).scalar_one()
            assert raw.startswith(instant.strftime("%Y-%m-%d %H:%M:%S"))
        later = db.scalars(select(PointsEntry).where(PointsEntry.at >= instant)).all()
        assert len(later) == 1  # comparisons in SQL see the same instant
