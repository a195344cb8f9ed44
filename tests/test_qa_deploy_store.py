"""What an operator meets when the database is not as the service expects (deploy QA pass):
a database down or read-only answers 503 in Chinese and recovers by itself; a schema newer
than the program is refused in Chinese at start; ``geo-app db`` shows, upgrades and
downgrades the schema with the data kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text
from support.database import fresh_database_url

from geo_app.cli import main
from geo_app.store import Store
from geo_app.store.engine import unavailable_reason
from geo_app.store.migrate import SchemaVersionError, current_revision, head_revision, upgrade

UNREACHABLE_PG = "postgresql+psycopg://nobody@/nowhere?host={}"


def _swap_store(app, store: Store) -> Store:
    old = app.extensions["geo_app.store"]
    app.extensions["geo_app.store"] = store
    return old


def test_database_down_is_a_chinese_503_and_the_service_recovers(app, tmp_path):
    client = app.test_client()
    assert client.get("/api/goods").status_code == 200
    down = Store(UNREACHABLE_PG.format(tmp_path / "no-such-socket-dir"))
    working = _swap_store(app, down)

    api = client.get("/api/goods")
    assert api.status_code == 503
    assert api.get_json()["error"].startswith("数据库暂时无法使用（无法连接数据库服务器）")
    assert api.headers["Retry-After"] == "5"  # a client is told when to come back
    page = client.get("/activities")
    assert page.status_code == 503
    assert "数据库暂时无法使用" in page.get_data(as_text=True)

    _swap_store(app, working)  # the database is back
    assert client.get("/api/goods").status_code == 200
    down.dispose()


@pytest.mark.sqlite_only
def test_read_only_database_refuses_writes_with_503_and_reads_go_on(app):
    client = app.test_client()
    path = make_url_path(app)
    read_only = Store(f"sqlite:///file:{path}?mode=ro&uri=true")
    _swap_store(app, read_only)
    assert client.get("/api/goods").status_code == 200  # reading is fine
    with pytest.raises(Exception) as caught, read_only.write() as db:
        db.execute(text("UPDATE goods SET points = points"))
    assert getattr(caught.value, "status", None) == 503
    assert "数据库文件或其目录只读" in str(caught.value)
    read_only.dispose()


def make_url_path(app) -> str:
    return app.extensions["geo_app.store"].engine.url.database


def _store_at(tmp_path: Path, revision: str) -> Store:
    store = Store(fresh_database_url(tmp_path))
    upgrade(store.engine, revision=revision)
    return store


def _db(tmp_path: Path, store: Store, *args: str, **kwargs: object):
    env = {"GEO_APP_DATABASE_URL": store.url, "GEO_APP_DATA_DIR": str(tmp_path / "unused")}
    return CliRunner().invoke(main, ["db", *args], env=env, **kwargs)


def test_db_current_upgrade_and_downgrade_keep_the_data(tmp_path):
    store = _store_at(tmp_path, "0006")
    with store.write() as db:
        db.execute(
            text("INSERT INTO submissions (actor, token, action, created_at) "
                 "VALUES ('admin', 'form-1', 'redeem', :at)"),
            {"at": datetime(2026, 11, 1, tzinfo=UTC)},
        )

    shown = _db(tmp_path, store, "current")
    assert shown.exit_code == 0, shown.output
    assert "结构版本：0006；本程序最新版本 0009，需要升级" in shown.output
    assert current_revision(store.engine) == "0006"  # looking changed nothing

    upgraded = _db(tmp_path, store, "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert "结构版本 0006 → 0009" in upgraded.output
    columns = {c["name"] for c in inspect(store.engine).get_columns("submissions")}
    assert {"fingerprint", "answer_status", "answer_body"} <= columns

    refused = _db(tmp_path, store, "downgrade", "0006", input="n\n")
    assert refused.exit_code == 1
    assert current_revision(store.engine) == "0009"

    downgraded = _db(tmp_path, store, "downgrade", "0006", "--yes")
    assert downgraded.exit_code == 0, downgraded.output
    assert current_revision(store.engine) == "0006"
    columns = {c["name"] for c in inspect(store.engine).get_columns("submissions")}
    assert "fingerprint" not in columns
    with store.read() as db:
        assert db.execute(text("SELECT token FROM submissions")).scalars().all() == ["form-1"]

    unknown = _db(tmp_path, store, "downgrade", "0099", "--yes")
    assert unknown.exit_code == 1
    assert "没有数据库版本 '0099'" in unknown.output
    store.dispose()


def test_schema_newer_than_the_program_is_refused_in_chinese(tmp_path):
    store = _store_at(tmp_path, "head")
    with store.write() as db:
        db.execute(text("UPDATE alembic_version SET version_num = '0099'"))

    newer = f"数据库结构版本为 0099，比本程序认识的最新版本 {head_revision()} 新"
    with pytest.raises(SchemaVersionError, match=newer):
        upgrade(store.engine)
    result = CliRunner().invoke(
        main, ["user", "list"], env={"GEO_APP_DATABASE_URL": store.url},
    )
    assert result.exit_code == 1
    assert "数据库无法使用，未执行。" in result.output
    assert f"geo-app db downgrade {head_revision()}" in result.output
    assert "Traceback" not in result.output
    assert current_revision(store.engine) == "0099"  # nothing changed
    store.dispose()


def test_a_command_with_the_database_down_says_so_in_chinese(tmp_path):
    url = UNREACHABLE_PG.format(tmp_path / "no-such-socket-dir")
    result = CliRunner().invoke(main, ["user", "list"], env={"GEO_APP_DATABASE_URL": url})
    assert result.exit_code == 1
    assert "数据库无法使用，未执行。" in result.output
    assert "无法连接数据库服务器" in result.output
    assert "Traceback" not in result.output


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("sqlstate", "reason"), [("53100", "数据库服务器磁盘已满"),
                                                  ("53300", "数据库服务器连接数已满"),
                                                  ("23505", None)])
def test_a_postgresql_server_out_of_disk_is_unavailable_not_a_500(sqlstate, reason):
    context = SimpleNamespace(is_pre_ping=False, is_disconnect=False, connection=object(),
                              original_exception=_PgError(sqlstate),
                              dialect=SimpleNamespace(name="postgresql"))
    assert unavailable_reason(context) == reason  # a unique violation stays what it is
