"""Accounts in the tiny grid community, and logging in through the real form.

:class:`AuthActions` is what conftest's ``auth`` fixture hands out (Flask's tutorial pattern):
``auth.login("leader1")``, ``auth.logout()``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from geo_app.store import get_store
from geo_app.store.accounts import create_account, find_account
from geo_app.store.buildings import effective_building_grids
from layers import Community
from support.grid_community import GRID_OF, GRIDS

PASSWORD = "correct horse battery"
#: username → (role, grid, buildings)
ACCOUNTS: dict[str, tuple[str, str | None, list[str]]] = {
    "admin": ("admin", None, []),
    "leader1": ("grid_leader", "JN-01", []),
    "leader2": ("grid_leader", "JN-02", []),
    "steward1": ("steward", "JN-01", []),
    "member1": ("building_member", "JN-01", ["FG-1"]),
    "rep1": ("owner_rep", "JN-01", ["FG-2"]),
    "member2": ("building_member", "JN-02", ["HY-1"]),
    "organiser1": ("organiser", None, []),
}
#: username → the buildings it may see, worked out by hand from the rules above.
EXPECTED_VISIBLE = {
    "admin": {"FG-1", "FG-2", "FG-3", "HY-1", "HY-2"},
    "leader1": {"FG-1", "FG-2", "FG-3"},
    "leader2": {"HY-1", "HY-2"},
    "steward1": {"FG-1", "FG-2", "FG-3"},
    "member1": {"FG-1"},
    "rep1": {"FG-2"},
    "member2": {"HY-1"},
    "organiser1": set(),
}
_CSRF = (
    re.compile(r'name="csrf_token"[^>]*value="([^"]+)"'),
    re.compile(r'<meta name="csrf-token" content="([^"]+)"'),
)


def add_accounts(
    app: Flask,
    accounts: Mapping[str, tuple[str, str | None, list[str]]] = ACCOUNTS,
    *,
    password: str = PASSWORD,
) -> None:
    """Create ``accounts`` of the tiny grid community directly in the app's store."""
    with app.app_context():
        grids = effective_building_grids(GRID_OF, {})
        with get_store().write() as db:
            for username, (role, grid, buildings) in accounts.items():
                create_account(
                    db, username=username, password=password, role=role, grid_id=grid,
                    building_ids=buildings, building_grids=grids, known_grids=GRIDS,
                    actor="test",
                )


def ensure_account(
    db: Session,
    layers: Community,
    *,
    username: str,
    password: str,
    role: str,
    grid_id: str | None = None,
    display_name: str = "",
) -> None:
    """``username`` in the store of an app on ``layers``, assigned by the layers' own building
    grids; made once (a live app is shared by a module's tests, which may run again)."""
    if find_account(db, username) is None:
        create_account(
            db, username=username, password=password, role=role, grid_id=grid_id,
            building_grids=dict(zip(layers.buildings["id"], layers.buildings["grid_id"],
                                    strict=True)),
            known_grids=dict(zip(layers.grids["id"], layers.grids["name"], strict=True)),
            actor="test", display_name=display_name,
        )


def token_in(html: str) -> str | None:
    """The CSRF token of a page (form field or meta tag), if it has one."""
    for pattern in _CSRF:
        match = pattern.search(html)
        if match:
            return match.group(1)
    return None


def csrf_token_of(client: FlaskClient, path: str = "/login") -> str:
    token = token_in(client.get(path).get_data(as_text=True))
    assert token, f"no CSRF token on {path}"
    return token


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    """Log in through the real form (fetches a CSRF token first when CSRF is on)."""
    token = token_in(client.get("/login").get_data(as_text=True))
    data = {"username": username, "password": password}
    if token:
        data["csrf_token"] = token
    return client.post("/login", data=data)


def logged_in(app: Flask, username: str, password: str = PASSWORD) -> FlaskClient:
    """A new test client of ``app``, logged in as ``username`` through the real form."""
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    return client


class AuthActions:
    """Log a test client in and out the way a browser does."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = PASSWORD) -> TestResponse:
        return login(self.client, username, password)

    def logout(self, *, from_page: str = "/") -> TestResponse:
        """POST /logout with the CSRF token of ``from_page`` (when CSRF is on)."""
        token = token_in(self.client.get(from_page).get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token} if token else {})
