"""Apps for tests: a test configuration, a store copied from one migrated template, layouts.

Every app gets its own SQLite file, copied from a template that Alembic migrated once per test
session (instead of running every migration for every app), and hashes passwords with a cheap
method (:data:`TEST_PASSWORD_HASH`); the tests of hashing itself ask for the production default.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from flask import Flask

from geo_app import create_app
from geo_app.config import BUNDLED_DATA_DIR
from geo_app.store.engine import Store
from geo_app.store.migrate import upgrade
from support.database import fresh_database_url, on_postgresql
from support.grid_community import write_community
from support.resident_layout import write_gated_layout

#: Salted PBKDF2 with 1,000 rounds: a millisecond, where production's scrypt takes ~0.1 s.
TEST_PASSWORD_HASH = "pbkdf2:sha256:1000"
STORE_FILENAME = "store.sqlite3"


def make_test_config(tmp_path: Path, **overrides: object) -> dict[str, object]:
    """A test configuration on the bundled sample, with its own database in ``tmp_path``."""
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATA_DIR": str(BUNDLED_DATA_DIR),
        "DATABASE_URL": f"sqlite:///{tmp_path / STORE_FILENAME}",
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH,
    }
    config.update(overrides)
    return config


@cache
def template_database() -> Path:
    """An SQLite store migrated to the head revision, made once per process."""
    directory = Path(tempfile.mkdtemp(prefix="geo-app-store-template-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = directory / STORE_FILENAME
    store = Store(f"sqlite:///{path}")
    upgrade(store.engine)
    store.dispose()  # the last connection checkpoints the WAL into the file
    return path


def make_app(tmp_path: Path, **config: object) -> Flask:
    """An app on the test configuration (bundled sample unless ``DATA_DIR`` is given); its
    store in ``tmp_path`` starts as a copy of the migrated template (on PostgreSQL: a fresh
    schema, migrated by the app)."""
    database = tmp_path / STORE_FILENAME
    if "DATABASE_URL" not in config and on_postgresql():
        config["DATABASE_URL"] = fresh_database_url(tmp_path)
    elif "DATABASE_URL" not in config and not database.exists():
        tmp_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template_database(), database)
    return create_app(make_test_config(tmp_path, **config))


def make_grid_app(tmp_path: Path, **config: object) -> Flask:
    """An app on the tiny grid community (:mod:`support.grid_community`), without accounts
    (``DATA_DIR`` given: another app's copy of it, as a second worker would)."""
    if "DATA_DIR" not in config:
        config["DATA_DIR"] = str(write_community(tmp_path / "layers"))
    return make_app(tmp_path, **config)


def make_layout_app(tmp_path: Path, **config: object) -> Flask:
    """An app on the tiny gated layout (:mod:`support.resident_layout`)."""
    data = write_gated_layout(tmp_path / "layout")
    return make_app(tmp_path, DATA_DIR=str(data), **config)
