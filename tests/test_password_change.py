"""A logged-in person replaces their password at /account/password (the admin's one-time
password said "change it soon", and there was nowhere to): the current password is checked, the
new one twice and by the same strength rule as everywhere, every other session ends, this one
goes on, and the change is audited without either password."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support.accounts import PASSWORD, add_accounts, csrf_token_of, logged_in, login
from support.apps import make_grid_app

from geo_app.store import get_store
from geo_app.store.models import AuditEntry

NEW = "violet kettle marching 42 lanterns"


@pytest.fixture
def app(tmp_path):
    app = make_grid_app(tmp_path, LOGIN_RATE_LIMIT="1000 per minute",
                        LOGIN_RATE_LIMIT_PER_IP="1000 per minute")
    add_accounts(app, {"leader1": ("grid_leader", "JN-01", [])})
    return app


def _change(client, current: str, new: str, again: str | None = None):
    token = csrf_token_of(client, "/account/password")
    return client.post("/account/password", data={
        "csrf_token": token, "current": current, "new": new,
        "again": new if again is None else again})


@pytest.mark.parametrize(
    ("current", "new", "again", "words"),
    [
        ("wrong password here", NEW, None, "当前密码不正确"),
        (PASSWORD, NEW, NEW + "x", "两次输入的新密码不一致"),
        (PASSWORD, PASSWORD, None, "新密码不能与当前密码相同"),
        (PASSWORD, "password1", None, "未修改："),  # the strength rule refuses it
    ],
)
def test_a_refused_change_says_why_and_keeps_the_password(app, current, new, again, words):
    client = logged_in(app, "leader1")
    answer = _change(client, current, new, again)
    assert answer.status_code == 400 and words in answer.get_data(as_text=True)
    assert login(app.test_client(), "leader1", PASSWORD).status_code == 302  # unchanged


def test_a_change_ends_other_sessions_keeps_this_one_and_is_audited(app):
    other = logged_in(app, "leader1")  # the same person on another phone
    client = logged_in(app, "leader1")
    done = _change(client, PASSWORD, NEW)
    assert done.status_code == 302
    assert client.get("/grid/JN-01").status_code == 200  # still logged in here
    assert other.get("/grid/JN-01").status_code == 302  # the other session is over
    assert login(app.test_client(), "leader1", PASSWORD).status_code == 401
    assert login(app.test_client(), "leader1", NEW).status_code == 302
    with app.app_context(), get_store().read() as db:
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "account.password"))
        (entry,) = list(entries)
        assert entry.actor == "leader1" and NEW not in str(entry.__dict__)


def test_only_a_logged_in_person_reaches_the_form(app):
    assert app.test_client().get("/account/password").status_code == 302
    page = logged_in(app, "leader1").get("/account/password").get_data(as_text=True)
    assert 'data-testid="password-form"' in page and 'data-testid="change-password"' in page
