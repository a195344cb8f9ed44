"""Migration 0008 records who registered each volunteer, taken for the volunteers already
registered from the audit log (on SQLite and PostgreSQL), and undoes cleanly."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text
from support.database import fresh_database_url

from geo_app.store import Store
from geo_app.store.migrate import current_revision, downgrade, upgrade

AT = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _volunteer(db, card: str, phone: str) -> None:
    db.execute(text("INSERT INTO volunteers (card, name, phone, skills, created_at) "
                    "VALUES (:card, '志愿者', :phone, '[]', :at)"),
               {"card": card, "phone": phone, "at": AT})


def _audit(db, actor: str, action: str, target: str) -> None:
    db.execute(text("INSERT INTO audit_log (at, actor, action, target, note) "
                    "VALUES (:at, :actor, :action, :target, '')"),
               {"at": AT, "actor": actor, "action": action, "target": target})


def test_registrars_are_taken_from_the_audit_log(tmp_path):
    store = Store(fresh_database_url(tmp_path))
    upgrade(store.engine, revision="0007")
    with store.write() as db:
        _volunteer(db, "JN00001", "13900000001")
        _volunteer(db, "JN00002", "13900000002")
        _volunteer(db, "JN00010", "13900000010")  # seeded by hand: no audit entry
        _audit(db, "steward1", "volunteer.register", "volunteer:JN00001")
        _audit(db, "admin", "volunteer.update", "volunteer:JN00001")  # not a registration
        _audit(db, "organiser1", "volunteer.register", "volunteer:JN00002")
        _audit(db, "steward1", "volunteer.register", "volunteer:JN000100")  # another card

    upgrade(store.engine, revision="0008")
    assert current_revision(store.engine) == "0008"
    with store.read() as db:
        rows = db.execute(text("SELECT card, registered_by FROM volunteers ORDER BY card")).all()
    assert [tuple(r) for r in rows] == [
        ("JN00001", "steward1"), ("JN00002", "organiser1"), ("JN00010", None)]

    downgrade(store.engine, revision="0007")
    columns = {c["name"] for c in inspect(store.engine).get_columns("volunteers")}
    assert "registered_by" not in columns
    with store.read() as db:
        assert db.execute(text("SELECT count(*) FROM volunteers")).scalar_one() == 3
    store.dispose()
