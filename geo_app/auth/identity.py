"""Who is calling: the logged-in account of the session, kept in ``g.user`` for the request."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import g, session

from geo_app.store import get_store
from geo_app.store.accounts import get_account
from geo_app.store.models import Account
from geo_app.store.roles import ROLE_LABELS

SESSION_ACCOUNT = "account_id"
SESSION_FINGERPRINT = "auth"


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


def _fingerprint(account: Account) -> str:
    """Changes with the password, so a new password ends every older session."""
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:16]


def login_user(account: Account) -> None:
    """Start a fresh session for ``account`` (the old session's contents are dropped)."""
    session.clear()
    session[SESSION_ACCOUNT] = account.id
    session[SESSION_FINGERPRINT] = _fingerprint(account)


def logout_user() -> None:
    session.clear()


def load_logged_in_user() -> None:
    """``before_request``: set ``g.user`` from the session (``None`` when not logged in)."""
    g.user = None
    account_id = session.get(SESSION_ACCOUNT)
    if not isinstance(account_id, int):
        return
    with get_store().read() as db:
        account = get_account(db, account_id)
        if (
            account is None
            or not account.active
            or session.get(SESSION_FINGERPRINT) != _fingerprint(account)
        ):
            session.clear()
            return
        g.user = CurrentUser.of(account)
