"""Accounts: login and logout, cookies, CSRF, rate limits, the `geo-app user` commands."""

from __future__ import annotations

import re

import pytest
from support.accounts import PASSWORD, AuthActions, csrf_token_of

from geo_app.cli import main
from geo_app.config import DEFAULTS
from geo_app.store import get_store
from geo_app.store.accounts import authenticate, find_account, list_accounts


@pytest.fixture
def app(grid_app_factory):
    return grid_app_factory(LOGIN_RATE_LIMIT="3 per minute", LOGIN_RATE_LIMIT_PER_IP="5 per minute")


def _error_text(response) -> str:
    match = re.search(r'data-testid="login-error">([^<]*)<', response.get_data(as_text=True))
    return match.group(1) if match else ""


def test_login_sets_an_httponly_samesite_session_and_lands_on_the_grid(client, auth):
    response = auth.login("leader1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/grid/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http://127.0.0.1 by default
    assert client.get("/api/my/buildings").status_code == 200


def test_the_session_cookie_is_secure_when_configured(grid_app_factory):
    app = grid_app_factory(accounts={"leader1": ("grid_leader", "JN-01", [])},
                           SESSION_COOKIE_SECURE=True)
    response = AuthActions(app.test_client()).login("leader1")
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_failed_login_does_not_reveal_whether_the_user_exists(client, auth):
    wrong_password = auth.login("leader1", "not the password")
    unknown_user = auth.login("nobody", "not the password")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert _error_text(wrong_password) == _error_text(unknown_user) == "用户名或密码错误"
    assert client.get("/api/my/buildings").status_code == 401


def test_a_login_post_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "leader1", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/api/my/buildings").status_code == 401


def test_login_attempts_are_rate_limited_per_user_and_per_address(client, auth):
    for _ in range(3):
        assert auth.login("leader1", "guessing-wrong").status_code == 401
    blocked = auth.login("leader1")  # even the right password now waits
    assert blocked.status_code == 429
    assert "尝试次数过多" in blocked.get_data(as_text=True)
    assert client.get("/api/my/buildings").status_code == 401
    # Other usernames from the same address: the address has used 3 of its 5 (the refused
    # attempt was stopped by the per-user limit before counting), so two more pass.
    assert auth.login("leader2").status_code == 302
    assert auth.login("steward1").status_code == 302
    assert auth.login("member1").status_code == 429


def test_logout_needs_a_post_with_csrf_token(client, auth):
    auth.login("leader1")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/api/my/buildings").status_code == 200
    response = auth.logout(from_page="/grid/JN-01")
    assert response.status_code == 302
    assert client.get("/api/my/buildings").status_code == 401


def test_a_new_password_ends_older_sessions(app, client, auth):
    auth.login("leader1")
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["user", "passwd", "leader1"], input="a-brand-new-secret\n")
    assert result.exit_code == 0, result.output
    assert client.get("/api/my/buildings").status_code == 401
    assert auth.login("leader1", "a-brand-new-secret").status_code == 302


def test_a_deactivated_account_is_logged_out(app, client, auth):
    auth.login("leader1")
    with app.app_context(), get_store().write() as db:
        find_account(db, "leader1").active = False
    assert client.get("/api/my/buildings").status_code == 401
    assert auth.login("leader1").status_code == 401


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/grid/JN-01", "/grid/JN-01"),
        ("//evil.example/x", "/grid/"),
        ("https://evil.example", "/grid/"),
    ],
)
def test_login_follows_next_only_within_the_site(client, target, landing):
    token = csrf_token_of(client)
    response = client.post(
        f"/login?next={target}",
        data={"username": "leader1", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == landing


def test_an_anonymous_page_request_is_sent_to_the_login_form(client):
    response = client.get("/grid/JN-01")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/grid/JN-01"


# --- geo-app user ------------------------------------------------------------------------


def test_no_account_ships_with_the_service(grid_app_factory):
    app = grid_app_factory(accounts=None)
    with app.app_context(), get_store().read() as db:
        assert list_accounts(db) == []
    for username, password in [("admin", "admin"), ("admin", "password"), ("root", "123456")]:
        assert AuthActions(app.test_client()).login(username, password).status_code == 401


def test_user_add_reads_the_password_from_stdin_and_hashes_it(grid_app_factory):
    # Production's hash method (the tests' default is a cheap one).
    app = grid_app_factory(accounts=None, PASSWORD_HASH_METHOD=DEFAULTS["PASSWORD_HASH_METHOD"])
    runner = app.test_cli_runner()
    result = runner.invoke(
        main, ["user", "add", "chief", "--role", "admin"], input="first-admin-secret\nignored\n"
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main,
        ["user", "add", "wang", "--role", "building_member", "--grid", "JN-01",
         "--buildings", "FG-1,FG-3"],
        input="member-secret-1\n",
    )
    assert result.exit_code == 0, result.output
    assert "已创建账号 wang，角色：楼栋党员。" in result.output  # the role in words, not its code
    with app.app_context(), get_store().read() as db:
        chief, wang = find_account(db, "chief"), find_account(db, "wang")
        assert chief.role == "admin"
        assert chief.password_hash.startswith("scrypt:")
        assert "first-admin-secret" not in chief.password_hash
        assert (wang.grid_id, wang.building_ids) == ("JN-01", ["FG-1", "FG-3"])
    assert AuthActions(app.test_client()).login("chief", "first-admin-secret").status_code == 302
    listing = runner.invoke(main, ["user", "list"]).output
    assert "wang\tbuilding_member\tJN-01\tFG-1,FG-3" in listing


def test_the_hash_method_comes_from_the_config(app):
    """Tests hash cheaply (support.apps.TEST_PASSWORD_HASH); production keeps scrypt."""
    assert DEFAULTS["PASSWORD_HASH_METHOD"] == "scrypt"
    assert app.config["PASSWORD_HASH_METHOD"] == "pbkdf2:sha256:1000"
    with app.app_context(), get_store().read() as db:
        assert find_account(db, "leader1").password_hash.startswith("pbkdf2:sha256:1000$")
        assert authenticate(db, "leader1", PASSWORD).username == "leader1"
        assert authenticate(db, "leader1", "not the password") is None
        assert authenticate(db, "nobody", PASSWORD) is None


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--role", "admin"], "\n", "密码至少 8 个字符"),
        (["--role", "admin"], "short\n", "密码至少 8 个字符"),
        (["--role", "grid_leader"], "long-enough-secret\n", "必须属于一个网格"),
        (["--role", "owner_rep", "--grid", "JN-01", "--buildings", "HY-1"],
         "long-enough-secret\n", "HY-1 不在网格 风格城市网格（JN-01）内"),
    ],
)
def test_user_add_refuses_weak_passwords_and_broken_hierarchy(
    grid_app_factory, args, password, message
):
    app = grid_app_factory(accounts=None)
    result = app.test_cli_runner().invoke(main, ["user", "add", "someone", *args], input=password)
    assert result.exit_code == 1
    assert message in result.output
    with app.app_context(), get_store().read() as db:
        assert list_accounts(db) == []
