"""The database a test's store lives in: an SQLite file each, or — when
``GEO_APP_TEST_DATABASE_URL`` names a PostgreSQL database (``make test-postgres`` sets it) — a
fresh schema of that database for each test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geo_app.store.engine import Store

TEST_DATABASE_URL = os.environ.get("GEO_APP_TEST_DATABASE_URL", "")


def on_postgresql() -> bool:
    return bool(TEST_DATABASE_URL)


def fresh_database_url(tmp_path: Path) -> str:
    """An empty database for one test: a new schema of the PostgreSQL test database when
    ``GEO_APP_TEST_DATABASE_URL`` is set, else an SQLite file in ``tmp_path``."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:16]}"
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def migrated_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store for one test (:func:`fresh_database_url`), disposed after it:
    ``yield from migrated_store(tmp_path)`` in a fixture."""
    from geo_app.store.engine import Store
    from geo_app.store.migrate import upgrade

    store = Store(fresh_database_url(tmp_path))
    upgrade(store.engine)
    yield store
    store.dispose()
