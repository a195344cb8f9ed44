"""Who is calling: the logged-in account of the session, kept in ``g.user`` for the request.

Sessions live in the store (:mod:`geo_app.store.sessions`): the signed cookie holds only a
random token, so logout, a new password or a deactivation ends the session everywhere, and a
session ends after ``SESSION_IDLE_MINUTES`` idle or ``SESSION_ABSOLUTE_HOURS`` after login
(the time is :func:`geo_app.state.clock.now`, which tests pin).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, session
from sqlalchemy.exc import OperationalError

from geo_app.state.clock import now
from geo_app.store import get_store
from geo_app.store.accounts import get_account
from geo_app.store.models import Account
from geo_app.store.roles import ROLE_LABELS
from geo_app.store.sessions import (
    SessionTimeouts,
    needs_touch,
    purge_sessions,
    revoke_session,
    start_session,
    touch_session,
    valid_session,
)

#: The cookie's key holding the session token (the store keeps its hash).
SESSION_TOKEN = "sid"


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in account as the request sees it (a snapshot, not a database row)."""

    id: int
    username: str
    role: str
    grid_id: str | None
    building_ids: frozenset[str]
    display_name: str = ""

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @classmethod
    def of(cls, account: Account) -> CurrentUser:
        return cls(
            id=account.id,
            username=account.username,
            role=account.role,
            grid_id=account.grid_id,
            building_ids=frozenset(account.building_ids),
            display_name=account.display_name,
        )


def session_timeouts() -> SessionTimeouts:
    """The configured idle and absolute timeouts."""
    config = current_app.config
    return SessionTimeouts(
        idle=timedelta(minutes=float(config["SESSION_IDLE_MINUTES"])),
        absolute=timedelta(hours=float(config["SESSION_ABSOLUTE_HOURS"])),
    )


def login_user(account: Account) -> None:
    """Start a fresh server-side session for ``account`` (the old cookie's contents dropped)."""
    old = session.get(SESSION_TOKEN)
    session.clear()
    moment = now()
    with get_store().write() as db:
        if isinstance(old, str):
            revoke_session(db, old)
        purge_sessions(db, now=moment, timeouts=session_timeouts())
        session[SESSION_TOKEN] = start_session(db, account.id, now=moment)


def logout_user() -> None:
    """End the session in the store (a copy of the cookie is worthless from now on)."""
    token = session.get(SESSION_TOKEN)
    if isinstance(token, str):
        with get_store().write() as db:
            revoke_session(db, token)
    session.clear()


def load_logged_in_user() -> None:
    """``before_request``: set ``g.user`` from a valid server-side session, else ``None``."""
    g.user = None
    token = session.get(SESSION_TOKEN)
    if not isinstance(token, str):
        return
    moment = now()
    with get_store().read() as db:
        row = valid_session(db, token, now=moment, timeouts=session_timeouts())
        account = get_account(db, row.account_id) if row is not None else None
        if row is None or account is None or not account.active:
            session.clear()
            return
        g.user = CurrentUser.of(account)
        stale = needs_touch(row, now=moment)
    if stale:
        _touch(token, moment)


def _touch(token: str, moment: datetime) -> None:
    """Record the request in the session's ``last_seen``; a busy store only delays it."""
    try:
        with get_store().write() as db:
            touch_session(db, token, now=moment)
    except OperationalError:
        current_app.logger.warning("会话活动时间未记录：数据库繁忙", exc_info=True)
