"""The store: what changes while the service runs (accounts, assignments, stock, roster, audit).

SQLite in the instance folder by default (created and migrated on first run); any SQLAlchemy
URL in ``DATABASE_URL`` (environment ``GEO_APP_DATABASE_URL``), e.g. PostgreSQL, otherwise.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from geo_app.store import (
    governance_models,  # noqa: F401  (its tables join Base.metadata)
    submissions,  # noqa: F401  (its table joins Base.metadata)
)
from geo_app.store.engine import Store
from geo_app.store.errors import AccountError, AssignmentError, StockError, StoreError
from geo_app.store.migrate import upgrade

EXTENSION_KEY = "geo_app.store"
DEFAULT_FILENAME = "store.sqlite3"

__all__ = [
    "AccountError",
    "AssignmentError",
    "StockError",
    "Store",
    "StoreError",
    "database_url",
    "get_store",
    "init_app",
]


def database_url(app: Flask) -> str:
    """The configured URL, or an SQLite file in the instance folder."""
    url = app.config.get("DATABASE_URL")
    if url:
        return str(url)
    return f"sqlite:///{Path(app.instance_path) / DEFAULT_FILENAME}"


def init_app(app: Flask) -> None:
    """Open the store and bring its schema up to date (creating it on first run)."""
    store = Store(database_url(app), busy_timeout_s=float(app.config["DATABASE_BUSY_TIMEOUT_S"]))
    upgrade(store.engine)
    app.extensions[EXTENSION_KEY] = store


def get_store() -> Store:
    """The store of the running app."""
    return current_app.extensions[EXTENSION_KEY]
