"""Server-side login sessions: revocable, with idle and absolute timeouts.

The session cookie carries a random token (256 bits); the store keeps only its SHA-256, so a
copy of the database cannot be replayed as a cookie. A session is valid while it is not
revoked, its account is active, the last request was less than ``idle`` ago and the login less
than ``absolute`` ago. Logout revokes one session; a password change or a deactivation revokes
every session of the account, in every worker process (they all read the same table).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from geo_app.store.models import LoginSession

#: A session's ``last_seen`` is written again only after this long (one write per minute per
#: session at most, not one per request).
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionTimeouts:
    """How long a session lives: since its last request (idle) and since login (absolute)."""

    idle: timedelta
    absolute: timedelta


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(moment: datetime) -> datetime:
    """A stored time as aware UTC (SQLite returns naive UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def start_session(db: Session, account_id: int, *, now: datetime) -> str:
    """Record a new session of ``account_id``; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    moment = _utc(now)
    db.add(
        LoginSession(
            id=_key(token), account_id=account_id, created_at=moment, last_seen=moment,
            revoked=False,
        )
    )
    db.flush()
    return token


def valid_session(
    db: Session, token: str, *, now: datetime, timeouts: SessionTimeouts
) -> LoginSession | None:
    """The session of ``token`` if it is still valid at ``now``, else ``None``."""
    row = db.get(LoginSession, _key(token))
    if row is None or row.revoked:
        return None
    moment = _utc(now)
    if moment - _utc(row.last_seen) > timeouts.idle:
        return None
    if moment - _utc(row.created_at) > timeouts.absolute:
        return None
    return row


def needs_touch(row: LoginSession, *, now: datetime) -> bool:
    """Whether ``last_seen`` is old enough to be written again."""
    return _utc(now) - _utc(row.last_seen) >= TOUCH_INTERVAL


def touch_session(db: Session, token: str, *, now: datetime) -> None:
    """Record a request of the session at ``now`` (its idle clock starts again)."""
    db.execute(
        update(LoginSession)
        .where(LoginSession.id == _key(token), LoginSession.revoked.is_(False))
        .values(last_seen=_utc(now))
    )


def revoke_session(db: Session, token: str) -> None:
    """End one session (logout)."""
    db.execute(update(LoginSession).where(LoginSession.id == _key(token)).values(revoked=True))


def revoke_account_sessions(db: Session, account_id: int) -> int:
    """End every session of an account (new password, deactivation); how many were open."""
    result = cast(CursorResult[Any], db.execute(
        update(LoginSession)
        .where(LoginSession.account_id == account_id, LoginSession.revoked.is_(False))
        .values(revoked=True)
    ))
    return result.rowcount or 0


def purge_sessions(db: Session, *, now: datetime, timeouts: SessionTimeouts) -> int:
    """Delete sessions that can never be valid again (revoked, or past the absolute timeout)."""
    oldest = _utc(now) - timeouts.absolute
    result = cast(CursorResult[Any], db.execute(
        delete(LoginSession).where(
            or_(LoginSession.revoked.is_(True), LoginSession.created_at < oldest)
        )
    ))
    return result.rowcount or 0


def open_sessions(db: Session, account_id: int) -> list[LoginSession]:
    """The account's sessions that are not revoked (timeouts aside)."""
    query = select(LoginSession).where(
        LoginSession.account_id == account_id, LoginSession.revoked.is_(False)
    )
    return list(db.scalars(query))
