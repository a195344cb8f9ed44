"""The store's engine and transactions: SQLite by default, any SQLAlchemy URL otherwise.

SQLite runs in WAL mode with foreign keys on and a busy timeout, in a file only its owner can
read; a write transaction starts
with ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing midway, and every write
either commits whole or leaves the database as it was.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from geo_app.config import DEFAULTS
from geo_app.store.errors import StoreError

logger = logging.getLogger(__name__)

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
        engine = create_engine(
            url, echo=echo, pool_pre_ping=True, connect_args={"options": options}
        )
    elif parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, echo=echo, pool_pre_ping=True)
    else:
        if parsed.database and parsed.database != ":memory:" and "uri" not in parsed.query:
            create_private_file(Path(parsed.database))  # (a file: URI is opened as it is)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    event.listen(engine, "handle_error", _unavailable_store)
    return engine


class StoreUnavailable(StoreError):
    """The database cannot be used right now (server down or unreachable, disk full, file
    read-only): answered 503 in Chinese; the service recovers by itself once it is back."""

    status = 503


#: SQLite's words for a store it cannot write (lower case) → what the operator must fix.
_SQLITE_UNWRITABLE = {
    "database or disk is full": "服务器磁盘已满",
    "attempt to write a readonly database": "数据库文件或其目录只读",
    "unable to open database file": "无法打开数据库文件（目录不存在、不可写或磁盘已满）",
    "disk i/o error": "磁盘读写出错",
}


#: PostgreSQL's SQLSTATEs of a server that cannot write (class 53, insufficient resources).
_PG_UNWRITABLE = {
    "53100": "数据库服务器磁盘已满",
    "53200": "数据库服务器内存不足",
    "53300": "数据库服务器连接数已满",
}


def _unavailable_store(context: ExceptionContext) -> None:
    """Turn "the database is not there" into :class:`StoreUnavailable` (a lock timeout stays
    an ``OperationalError``: the web layer answers that one as busy). The operator's log gets
    one line with the reason; users get a 503 saying nothing was saved."""
    reason = unavailable_reason(context)
    if reason is None:
        return
    logger.error("数据库不可用：%s（%s）", reason, str(context.original_exception).strip())
    msg = f"数据库暂时无法使用（{reason}），这次操作未完成，请稍后再试。"
    raise StoreUnavailable(msg) from context.sqlalchemy_exception


def unavailable_reason(context: ExceptionContext) -> str | None:
    """Why the database cannot be used, in Chinese, or ``None`` for any other error."""
    if context.is_pre_ping:  # the pool's ping of a stale connection: it reconnects by itself
        return None
    text = str(context.original_exception).lower()
    if context.dialect.name == "sqlite":
        return next((why for words, why in _SQLITE_UNWRITABLE.items() if words in text), None)
    if context.is_disconnect or context.connection is None:
        return "无法连接数据库服务器"
    return _PG_UNWRITABLE.get(getattr(context.original_exception, "sqlstate", None) or "")


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
