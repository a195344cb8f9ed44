"""The store: migrations, transactions, atomic stock movements, the audit log, accounts."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from functools import partial
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import DataError, IntegrityError, ProgrammingError
from support.apps import template_database
from support.database import fresh_database_url, on_postgresql
from support.threads import run_together

from geo_app.store import AccountError, AssignmentError, StockError, Store, audit
from geo_app.store import stock as store_stock
from geo_app.store.accounts import authenticate, check_assignment, create_account, find_account
from geo_app.store.audit import entries
from geo_app.store.migrate import current_revision, head_revision, upgrade
from geo_app.store.models import AuditEntry, Base, RateLimitHit, StationStock
from geo_app.volunteering import models as volunteering_models

REPO = Path(__file__).resolve().parent.parent
GRIDS = {"B1": "G1", "B2": "G1", "B3": "G2"}
GRID_NAMES = {"G1": "一号网格", "G2": "二号网格"}


@pytest.fixture
def fresh_store(tmp_path) -> Store:
    """A store created and migrated from nothing, as on the service's first run."""
    store = Store(fresh_database_url(tmp_path))
    upgrade(store.engine)
    yield store
    store.dispose()


@pytest.fixture
def store(tmp_path) -> Store:
    """A store at the head revision: a copy of the session's migrated SQLite template, or a
    fresh, migrated PostgreSQL schema."""
    if on_postgresql():
        store = Store(fresh_database_url(tmp_path))
        upgrade(store.engine)
    else:
        path = tmp_path / "store.sqlite3"
        shutil.copyfile(template_database(), path)
        store = Store(f"sqlite:///{path}")
    yield store
    store.dispose()


def _count(store: Store, station: str = "S1", item: str = "umbrella") -> int | None:
    with store.read() as db:
        return db.scalar(
            select(StationStock.count).where(
                StationStock.station_id == station, StationStock.item == item
            )
        )


def _audit_count(store: Store, action: str | None = None) -> int:
    with store.read() as db:
        query = select(func.count(AuditEntry.id))
        if action:
            query = query.where(AuditEntry.action == action)
        return db.scalar(query)


def _seed(store: Store, count: int) -> None:
    with store.write() as db:
        store_stock.seed_stock(db, {"S1": {"umbrella": count}})


def _move(store: Store, movement: str, quantity: int) -> tuple[int, int]:
    with store.write() as db:
        return store_stock.move_stock(
            db, "S1", "umbrella", movement=movement, quantity=quantity,
            known_stations={"S1"}, actor="tester",
        )


# --- schema ------------------------------------------------------------------------------


def test_first_run_creates_the_schema_at_the_head_revision(fresh_store):
    assert current_revision(fresh_store.engine) == head_revision() == "0009"
    upgrade(fresh_store.engine)  # a second start changes nothing
    assert current_revision(fresh_store.engine) == head_revision()


def test_migrations_and_models_describe_the_same_schema(fresh_store):
    # every model module's tables are in Base.metadata: the volunteering ones too
    assert volunteering_models.Volunteer.__table__.metadata is Base.metadata
    with fresh_store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_mode_with_foreign_keys(store):
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_default_database_is_a_file_in_the_instance_folder(tmp_path):
    from flask import Flask

    from geo_app.store import database_url

    app = Flask("x", instance_path=str(tmp_path / "instance"))
    assert database_url(app) == f"sqlite:///{tmp_path / 'instance' / 'store.sqlite3'}"
    app.config["DATABASE_URL"] = "postgresql://u@localhost/geo"
    assert database_url(app) == "postgresql://u@localhost/geo"


# --- the audit log -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"]
)
def test_the_audit_log_refuses_updates_and_deletes(store, statement):
    _seed(store, 3)
    # Each database's own error: SQLite's RAISE(ABORT) is a constraint failure, PostgreSQL's
    # RAISE EXCEPTION in the trigger function is SQLSTATE P0001 (psycopg's RaiseException,
    # which SQLAlchemy reports as a ProgrammingError).
    on_postgresql = store.engine.dialect.name == "postgresql"
    expected = ProgrammingError if on_postgresql else IntegrityError
    with pytest.raises(expected, match="append-only") as caught, store.write() as db:
        db.execute(text(statement))
    if on_postgresql:
        assert caught.value.orig.sqlstate == "P0001"
    with store.read() as db:
        (entry,) = entries(db)
    assert entry.actor == "system"
    assert entry.action == "stock.seed"


def test_a_new_row_and_the_entry_naming_its_id_are_written_together(store):
    with store.write() as db:
        hit = audit.add_and_record(
            db, RateLimitHit(key="login:ann", at=1.0, expires=2.0), actor="ann",
            action="test.add", target=lambda added: f"hit:{added.id}", after={"key": "login:ann"},
        )
        hit_id = hit.id
    with store.read() as db:
        (entry,) = entries(db)
        stored = db.scalar(select(RateLimitHit.key).where(RateLimitHit.id == hit_id))
    assert hit_id is not None
    assert stored == "login:ann"
    assert (entry.actor, entry.action, entry.target) == ("ann", "test.add", f"hit:{hit_id}")
    assert (entry.before, entry.after, entry.note) == (None, {"key": "login:ann"}, "")
    with pytest.raises(RuntimeError, match="after"), store.write() as db:  # both or neither
        audit.add_and_record(
            db, RateLimitHit(key="login:bob", at=1.0, expires=2.0), actor="bob",
            action="test.add", target="hits",
        )
        raise RuntimeError("a failure after the entry")
    with store.read() as db:
        assert db.scalar(select(func.count()).select_from(RateLimitHit)) == 1
        assert len(entries(db)) == 1


# --- stock -------------------------------------------------------------------------------


def test_seeding_copies_the_layer_once_and_then_keeps_the_store_counts(store):
    _seed(store, 10)
    _move(store, "lent", 4)
    with store.write() as db:  # the layer still says 10; a new item appears in it
        added = store_stock.seed_stock(db, {"S1": {"umbrella": 10, "sewing_kit": 2}})
    assert added == 1
    assert _count(store) == 6
    assert _count(store, item="sewing_kit") == 2


def test_a_movement_is_audited_with_before_and_after(store):
    _seed(store, 10)
    assert _move(store, "lent", 3) == (10, 7)
    assert _move(store, "returned", 1) == (7, 8)
    assert _move(store, "restocked", 5) == (8, 13)
    with store.read() as db:
        latest = entries(db, limit=3)
    assert [(e.action, e.before, e.after, e.actor) for e in latest] == [
        ("stock.restocked", {"count": 8}, {"count": 13}, "tester"),
        ("stock.returned", {"count": 7}, {"count": 8}, "tester"),
        ("stock.lent", {"count": 10}, {"count": 7}, "tester"),
    ]


def test_restocking_an_item_the_station_never_had_creates_it(store):
    _seed(store, 1)
    with store.write() as db:
        store_stock.move_stock(
            db, "S1", "wheelchair", movement="restocked", quantity=2,
            known_stations={"S1"}, actor="tester",
        )
    assert _count(store, item="wheelchair") == 2


@pytest.mark.parametrize(
    ("station", "item", "movement", "quantity", "parameter", "message"),
    [
        ("S9", "umbrella", "lent", 1, "station", "站点 “S9” 不存在"),
        ("S1", "spaceship", "lent", 1, "item", "未知物资"),
        ("S1", "umbrella", "stolen", 1, "movement",
         "未知操作 “stolen”（可选：借出（lent）、归还（returned）、补货（restocked）、"
         "报损（written_off））"),
        ("S1", "umbrella", "lent", 0, "quantity", "1–10,000 的整数"),
        # Quantities are bounded whole numbers (issue 10, item 11).
        ("S1", "umbrella", "restocked", 2.7, "quantity", "1–10,000 的整数，收到 2.7"),
        ("S1", "umbrella", "restocked", True, "quantity", "收到 true"),
        ("S1", "umbrella", "restocked", 10_001, "quantity", "收到 10001"),
        ("S1", "umbrella", "restocked", 2**62, "quantity", "1–10,000 的整数"),
        ("S1", "umbrella", "restocked", float("inf"), "quantity", "收到 inf"),
        ("S1", "umbrella", "restocked", "1e3", "quantity", "收到 “1e3”"),
        ("S1", "umbrella", "restocked", "-3", "quantity", "收到 “-3”"),
        # A return can never exceed what is out (issue 10, item 12): nothing is lent yet.
        ("S1", "umbrella", "returned", 1, "quantity", "超过借出未还的数量：借出未还 0，归还 1"),
        ("S1", "umbrella", "lent", 6, "quantity", "库存不足：现有 5，借出 6"),
        ("S1", "power_bank", "lent", 1, "quantity", "库存不足：现有 0"),
    ],
)
def test_impossible_movements_are_refused_and_change_nothing(
    store, station, item, movement, quantity, parameter, message
):
    _seed(store, 5)
    with pytest.raises(StockError, match=message) as caught, store.write() as db:
        store_stock.move_stock(
            db, station, item, movement=movement, quantity=quantity,
            known_stations={"S1"}, actor="tester",
        )
    assert caught.value.parameter == parameter
    assert _count(store) == 5
    assert _audit_count(store) == 1  # only the seeding


def test_a_return_never_exceeds_what_is_out(store):
    _seed(store, 5)
    assert _move(store, "lent", 2) == (5, 3)
    with pytest.raises(StockError, match="借出未还 2，归还 5"):
        _move(store, "returned", 5)
    assert _move(store, "returned", 2) == (3, 5)  # exactly what was lent
    with pytest.raises(StockError, match="借出未还 0，归还 1"):
        _move(store, "returned", 1)
    assert _count(store) == 5  # never above what the station ever had


def test_restocking_stops_at_the_schema_bound(store):
    _seed(store, 995_000)
    assert _move(store, "restocked", 5_000) == (995_000, 1_000_000)
    with pytest.raises(StockError, match="超过上限 1,000,000"):
        _move(store, "restocked", 1)
    assert _count(store) == 1_000_000


@pytest.mark.parametrize("value", ["-1", "1000001", "2147483648"])
@pytest.mark.parametrize("column", ["count", "lent_out"])
def test_the_schema_bounds_counts_the_same_on_every_database(store, column, value):
    """0…1,000,000 on both: PostgreSQL's 32-bit integer would overflow at 2^31 with an error
    of its own (DataError), SQLite's at 2^63 into REAL; the CHECK refuses both long before."""
    _seed(store, 5)
    with pytest.raises((IntegrityError, DataError)), store.write() as db:
        db.execute(text(f"UPDATE station_stock SET {column} = {value}"))
    assert _count(store) == 5


@pytest.mark.sqlite_only
@pytest.mark.parametrize("value", ["2.7", "9.223372036854776e18", "'two'"])
def test_sqlite_refuses_counts_that_are_not_integers(store, value):
    """SQLite would store 2.7 or an overflowed 2^63 as REAL (and text as TEXT) in an INTEGER
    column: ``typeof(count) = 'integer'`` refuses them, as PostgreSQL's integer type does."""
    _seed(store, 5)
    with pytest.raises(IntegrityError), store.write() as db:
        db.execute(text(f"UPDATE station_stock SET count = {value}"))
    assert _count(store) == 5


def _run_threads(n: int, work) -> list[BaseException | None]:
    return run_together([partial(work, i) for i in range(n)])


def test_fifty_concurrent_movements_leave_the_exact_count(store):
    _seed(store, 100)
    # 30 threads lend 1 each, 20 restock 3 each: 100 - 30 + 60 = 130.
    outcomes = _run_threads(
        50, lambda i: _move(store, "lent", 1) if i < 30 else _move(store, "restocked", 3)
    )
    assert outcomes == [None] * 50
    assert _count(store) == 130
    assert _audit_count(store, "stock.lent") == 30
    assert _audit_count(store, "stock.restocked") == 20


def test_fifty_concurrent_loans_of_twenty_umbrellas_lend_exactly_twenty(store):
    _seed(store, 20)
    outcomes = _run_threads(50, lambda i: _move(store, "lent", 1))
    refused = [o for o in outcomes if o is not None]
    assert len(refused) == 30
    assert all(isinstance(o, StockError) for o in refused)
    assert _count(store) == 0
    assert _audit_count(store, "stock.lent") == 20


def test_a_failure_between_the_update_and_its_audit_entry_rolls_both_back(store, monkeypatch):
    _seed(store, 10)

    def broken_record(*args, **kwargs):
        raise RuntimeError("disk full while writing the audit entry")

    monkeypatch.setattr(store_stock.audit, "record", broken_record)
    with pytest.raises(RuntimeError, match="disk full"):
        _move(store, "lent", 4)
    assert _count(store) == 10
    assert _audit_count(store) == 1


KILLED_WRITER = """
import sys, time
from geo_app.store import Store
from geo_app.store.stock import move_stock
store = Store(sys.argv[1])
with store.write() as db:
    move_stock(db, "S1", "umbrella", movement="lent", quantity=4, known_stations={"S1"},
               actor="doomed")
    print("written, not committed", flush=True)
    time.sleep(120)
"""


def test_a_writer_killed_midway_leaves_the_store_as_before(store, tmp_path):
    _seed(store, 10)
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(KILLED_WRITER), encoding="utf-8")
    writer = subprocess.Popen(
        [sys.executable, str(script), store.url],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert writer.stdout.readline().strip() == "written, not committed"
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait(timeout=30)
        writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    assert _count(store) == 10
    assert _audit_count(store, "stock.lent") == 0
    assert _move(store, "lent", 1) == (10, 9)  # and the store takes writes again


# --- accounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "grid", "buildings", "parameter", "message"),
    [
        ("mayor", "G1", [], "role",
         "未知角色 “mayor”（可选：admin 社区管理员、grid_leader 小区党支部"),
        ("admin", "G1", [], "grid", "不属于任何网格"),
        ("grid_leader", None, [], "grid", "必须属于一个网格"),
        ("steward", "G9", [], "grid", "网格 “G9” 不存在"),
        ("steward", "G1", ["B1"], "buildings", "负责整个网格"),
        ("building_member", "G1", [], "buildings", "至少负责一栋楼"),
        ("building_member", "G1", ["B1", "B3"], "buildings", "B3 不在网格 一号网格（G1）内"),
        ("owner_rep", "G2", ["B9"], "buildings", "B9 不存在"),
    ],
)
def test_the_hierarchy_is_enforced_at_assignment(role, grid, buildings, parameter, message):
    with pytest.raises(AssignmentError, match=message) as caught:
        check_assignment(role, grid, buildings, building_grids=GRIDS, known_grids=GRID_NAMES)
    assert caught.value.parameter == parameter


@pytest.mark.parametrize(
    ("role", "grid", "buildings"),
    [
        ("admin", None, []),
        ("grid_leader", "G1", []),
        ("steward", "G2", []),
        ("building_member", "G1", ["B1", "B2"]),
        ("owner_rep", "G2", ["B3"]),
    ],
)
def test_valid_assignments_pass(role, grid, buildings):
    check_assignment(role, grid, buildings, building_grids=GRIDS, known_grids=GRID_NAMES)


def _create(store: Store, username: str = "leader", password: str = "s3cret-pass!") -> None:
    with store.write() as db:
        create_account(
            db, username=username, password=password, role="grid_leader", grid_id="G1",
            building_grids=GRIDS, known_grids=GRID_NAMES, actor="tester",
        )


def test_passwords_are_stored_only_as_salted_hashes(store, tmp_path):
    _create(store, "leader_a", "s3cret-pass!")
    _create(store, "leader_b", "s3cret-pass!")
    with store.read() as db:
        a, b = find_account(db, "leader_a"), find_account(db, "leader_b")
        assert a.password_hash.startswith("scrypt:")
        assert a.password_hash != b.password_hash  # salted
        assert authenticate(db, "leader_a", "s3cret-pass!").username == "leader_a"
        assert authenticate(db, "leader_a", "wrong-password") is None
        assert authenticate(db, "nobody", "s3cret-pass!") is None
    store.dispose()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("store.sqlite3*"))
    assert b"s3cret-pass!" not in on_disk
    with store.read() as db:
        (created, _) = entries(db)
    assert "password" not in str(created.after)


@pytest.mark.parametrize(
    ("username", "password", "parameter"),
    [
        ("leader", "short", "password"),
        ("leader", " padded-password ", "password"),
        ("a b", "long-enough-pass", "username"),
        ("", "long-enough-pass", "username"),
    ],
)
def test_bad_names_and_weak_passwords_are_refused(store, username, password, parameter):
    with pytest.raises(AccountError) as caught:
        _create(store, username, password)
    assert caught.value.parameter == parameter
    assert _audit_count(store) == 0


def test_a_username_is_taken_once(store):
    _create(store)
    with pytest.raises(AccountError, match="已存在"):
        _create(store)
