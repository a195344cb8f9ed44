"""The store's engine and transactions: SQLite by default, any SQLAlchemy URL otherwise.

SQLite runs in WAL mode with foreign keys on and a busy timeout, in a file only its owner can
read; a write transaction starts
with ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing midway, and every write
either commits whole or leaves the database as it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from geo_app.config import DEFAULTS

#: How long a SQLite writer waits for another one to finish, in seconds (the configured default).
SQLITE_BUSY_TIMEOUT_S = float(DEFAULTS["DATABASE_BUSY_TIMEOUT_S"])
_WRITE_OPTION = "geo_app_write"


def make_engine(
    url: str, *, echo: bool = False, busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S
) -> Engine:
    """An engine for ``url``; for SQLite, the file's folder is created and pragmas set.

    ``busy_timeout_s``: how long a write waits for another writer's lock before it fails
    (SQLite's busy timeout; PostgreSQL's ``lock_timeout``).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        given = parsed.query.get("options", "")  # e.g. ?options=-csearch_path%3Dschema
        given = " ".join(given) if isinstance(given, tuple) else given
        options = f"{given} -c lock_timeout={int(busy_timeout_s * 1000)}".strip()
        return create_engine(
            url, echo=echo, pool_pre_ping=True, connect_args={"options": options}
        )
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        create_private_file(Path(parsed.database))
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (0600: it holds password hashes and
    the roster); SQLite gives its ``-wal`` and ``-shm`` files the same mode. An existing file
    is left as it is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred and late).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Store:
    """The database behind the service: an engine and its read and write transactions."""

    def __init__(
        self, url: str, *, echo: bool = False, busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S
    ) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo, busy_timeout_s=busy_timeout_s)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; it is closed (its transaction rolled back) at the end, and
        the objects it loaded stay readable."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on any exception."""
        with self._sessions() as session:
            session.connection(execution_options={_WRITE_OPTION: True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
