"""Rate-limit counters kept in the store, so every worker process counts the same attempts.

A `limits <https://limits.readthedocs.io>`_ storage (what :mod:`geo_app.auth.limits` counts
in) for the scheme ``geo-app-store://``: each counted attempt is a row of ``rate_limit_hits``
(key, time, expiry). The moving window asks "how many hits of this key in the last N
seconds" and adds one in the same write transaction; on SQLite the write starts with
``BEGIN IMMEDIATE`` and on PostgreSQL it takes a transaction-level advisory lock on the key,
so two workers can never both take the last free attempt. Expired hits are deleted as new
ones arrive.
"""

from __future__ import annotations

import time
import zlib
from typing import Any, cast

from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import CursorResult, delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from geo_app.store.engine import Store
from geo_app.store.models import RateLimitHit

SCHEME = "geo-app-store"


class StoreLimitStorage(Storage, MovingWindowSupport):
    """The rate limiter's counters in the service's database (option ``store``: the Store)."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 - the registry of ``limits`` reads a list

    def __init__(self, uri: str | None = None, *, store: Store, **options: Any) -> None:
        super().__init__(uri, **options)
        self.store = store

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    # --- the moving window (what the service uses) ---------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self.store.write() as db:
            _lock_key(db, key)
            db.execute(delete(RateLimitHit).where(RateLimitHit.expires <= now))
            used = _count(db, key, since=now - expiry)
            if used + amount > limit:
                return False
            db.add_all(RateLimitHit(key=key, at=now, expires=now + expiry) for _ in range(amount))
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self.store.read() as db:
            oldest, count = db.execute(
                select(func.min(RateLimitHit.at), func.count(RateLimitHit.id)).where(
                    RateLimitHit.key == key, RateLimitHit.at > now - expiry
                )
            ).one()
        return (oldest if oldest is not None else now), int(count)

    # --- fixed windows (the Storage interface; counted the same way) ----------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.store.write() as db:
            _lock_key(db, key)
            db.add_all(RateLimitHit(key=key, at=now, expires=now + expiry) for _ in range(amount))
            db.flush()
            return _count(db, key, since=now - expiry)

    def get(self, key: str) -> int:
        with self.store.read() as db:
            return _count(db, key, since=None, alive_at=time.time())

    def get_expiry(self, key: str) -> float:
        with self.store.read() as db:
            latest = db.scalar(
                select(func.max(RateLimitHit.expires)).where(RateLimitHit.key == key)
            )
        return float(latest) if latest is not None else time.time()

    def check(self) -> bool:
        try:
            with self.store.read() as db:
                db.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.store.write() as db:
            # a DELETE answers a CursorResult, which Session.execute types as a plain Result
            return cast(CursorResult[Any], db.execute(delete(RateLimitHit))).rowcount

    def clear(self, key: str) -> None:
        with self.store.write() as db:
            db.execute(delete(RateLimitHit).where(RateLimitHit.key == key))


def _count(db: Session, key: str, *, since: float | None, alive_at: float | None = None) -> int:
    query = select(func.count(RateLimitHit.id)).where(RateLimitHit.key == key)
    if since is not None:
        query = query.where(RateLimitHit.at > since)
    if alive_at is not None:
        query = query.where(RateLimitHit.expires > alive_at)
    return int(db.scalar(query) or 0)


def _lock_key(db: Session, key: str) -> None:
    """Serialise writers of one key on PostgreSQL (SQLite's BEGIN IMMEDIATE already does)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())})
