"""One station's counters change one transaction at a time, and never after it is deleted.

Deleting a station (the layer editor) checks that nothing is left at it, then writes the layer
without it. A loan, restock or redemption at that station that began before the deletion
must not slip in between: both take this station's lock first, inside their transaction, and
a movement checks the station against the layers on disk only once it holds the lock.

SQLite already runs one writing transaction at a time (``BEGIN IMMEDIATE``). On PostgreSQL
the lock is a transaction-level advisory lock keyed on the station id, released at commit or
rollback (`pg_advisory_xact_lock`), so movements at other stations are not held up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.store.errors import StoreError, require_known

#: Keeps this project's advisory-lock keys apart from other users of the same database.
KEY_PREFIX = b"geo_app.station:"


def advisory_key(station_id: str) -> int:
    """The signed 64-bit advisory-lock key of ``station_id`` (stable across processes)."""
    digest = hashlib.blake2b(KEY_PREFIX + station_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_station(session: Session, station_id: str) -> None:
    """Hold station ``station_id`` for the rest of ``session``'s transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": advisory_key(station_id)})


def require_station(
    session: Session, station_id: str, known_stations: Collection[str], *,
    error: type[StoreError], parameter: str = "station",
) -> None:
    """Lock station ``station_id``, then refuse it (``error`` naming ``parameter``) unless it is
    in ``known_stations`` — asked only once the lock is held, so a live collection of the
    layers on disk sees a deletion that committed while this transaction waited."""
    lock_station(session, station_id)
    require_known(station_id, known_stations, what="站点", parameter=parameter, error=error)
