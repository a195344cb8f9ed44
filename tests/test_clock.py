"""Stored times are shown in the community's local time (北京时间), not UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from support.accounts import AuthActions, csrf_token_of

from geo_app.state.clock import local_time_text
from geo_app.store import get_store
from geo_app.store.audit import entries


def test_stored_utc_times_show_as_beijing_time(app):
    with app.app_context():
        assert local_time_text(datetime(2026, 11, 24, 23, 30)) == "2026-11-25 07:30:00"
        assert local_time_text(datetime(2026, 11, 24, 23, 30, tzinfo=UTC)) == "2026-11-25 07:30:00"
        tokyo = timezone(timedelta(hours=9))
        assert local_time_text(datetime(2026, 11, 25, 8, 30, tzinfo=tokyo)) == "2026-11-25 07:30:00"


def test_the_audit_page_shows_local_time(grid_app_factory):
    grid_app = grid_app_factory()
    admin = grid_app.test_client()
    assert AuthActions(admin).login("admin").status_code == 302
    token = csrf_token_of(admin, "/admin/")
    admin.post("/admin/stock", data={"csrf_token": token, "station": "S-1", "item": "umbrella",
                                     "movement": "lent", "quantity": "1"})
    with grid_app.app_context(), get_store().read() as db:
        stored = entries(db, limit=1)[0].at  # as the database returns it (UTC)
    utc = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
    expected = (utc + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")  # shown to the minute
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert expected in html

