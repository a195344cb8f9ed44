"""Accounts: login and logout, cookies, CSRF, rate limits, the `geo-app user` commands."""

from __future__ import annotations

import itertools
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


# --- guessing limits: 3 wrong passwords a minute per username typed, 5 per client address ----
#: What a person stopped by either limit of the ``app`` fixture reads, worked out from the
#: limits ("3 per minute", "5 per minute"): the per-username one first.
LOCKED_ACCOUNT = "尝试次数过多：为防止他人猜测密码，每 1 分钟最多输错 3 次。请 1 分钟后再试。"
LOCKED_ADDRESS = "尝试次数过多：为防止他人猜测密码，每 1 分钟最多输错 5 次。请 1 分钟后再试。"
WRONG = "guessing-wrong"


def at(app, address: str) -> AuthActions:
    """A browser at client address ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return AuthActions(client)


def test_a_staff_member_logging_in_and_out_thirty_times_a_minute_is_never_refused(app):
    leader = at(app, "10.0.0.1")
    for _ in range(30):  # ten times the per-username limit, six times the address's
        assert leader.login("leader1").status_code == 302
        assert leader.client.get("/api/my/buildings").status_code == 200
        assert leader.logout().status_code == 302
    # the thirty successes left the whole budget: two typos still pass, the third is answered,
    # and only then is the account locked
    assert [leader.login("leader1", WRONG).status_code for _ in range(3)] == [401] * 3
    locked = leader.login("leader1")
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "60"
    assert _error_text(locked) == LOCKED_ACCOUNT
    assert leader.client.get("/api/my/buildings").status_code == 401


def test_wrong_passwords_from_many_addresses_lock_the_account(app):
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert at(app, address).login("leader1", WRONG).status_code == 401
    owner = at(app, "10.0.0.4")  # the owner, elsewhere, with the right password
    refused = owner.login("leader1")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert _error_text(refused) == LOCKED_ACCOUNT
    assert 'name="username"' in refused.get_data(as_text=True)  # the login form again
    assert owner.client.get("/api/my/buildings").status_code == 401
    # other accounts are not affected, from any of those addresses
    assert at(app, "10.0.0.1").login("leader2").status_code == 302
    assert owner.login("steward1").status_code == 302


def test_the_username_counts_as_the_login_reads_it(app):
    """The login drops surrounding spaces: " leader1 " is leader1, to the limit too."""
    for typed, address in (("leader1", "10.0.0.1"), (" leader1", "10.0.0.2"),
                           ("leader1  ", "10.0.0.3")):
        assert at(app, address).login(typed, WRONG).status_code == 401
    assert at(app, "10.0.0.4").login("leader1").status_code == 429


def test_a_right_password_does_not_wipe_the_failures_of_an_address(app):
    attacker = at(app, "10.0.0.9")
    # the attacker logs in with their own account between guesses at others, never 3 at one
    # account: the address's 5 failures still stop them
    outcomes = []
    for guess in range(5):
        outcomes.append(attacker.login("leader1").status_code)
        outcomes.append(attacker.login(("leader2", "steward1", "member1")[guess % 3],
                                       WRONG).status_code)
    assert outcomes == [302, 401] * 5
    refused = attacker.login("rep1", WRONG)
    assert refused.status_code == 429 and _error_text(refused) == LOCKED_ADDRESS
    assert attacker.login("leader1").status_code == 429  # the address is locked
    # the guessed accounts' owners, elsewhere, still get in (2 failures each at most)
    assert at(app, "10.0.0.1").login("leader2").status_code == 302
    assert at(app, "10.0.0.2").login("steward1").status_code == 302


def test_unknown_usernames_count_like_wrong_passwords(app):
    # the same answers, at the same count, for an account that exists and one that does not
    known = [at(app, "10.0.0.1").login("leader1", WRONG) for _ in range(4)]
    unknown = [at(app, "10.0.0.2").login("nobody", WRONG) for _ in range(4)]
    for answers in (known, unknown):
        assert [a.status_code for a in answers] == [401, 401, 401, 429]
        assert [_error_text(a) for a in answers] == ["用户名或密码错误"] * 3 + [LOCKED_ACCOUNT]
    # made-up usernames fill the address's budget like wrong passwords do
    guesser = at(app, "10.0.0.3")
    assert [guesser.login(f"guess{n}", WRONG).status_code for n in range(5)] == [401] * 5
    assert _error_text(guesser.login("leader2")) == LOCKED_ADDRESS


def test_a_form_without_a_password_is_not_a_guess(app):
    leader = at(app, "10.0.0.1")
    for _ in range(6):
        assert leader.login("leader1", "").status_code == 401
    assert leader.login("leader1").status_code == 302


def _change_password(auth: AuthActions, current: str, new: str):
    token = csrf_token_of(auth.client, "/account/password")
    return auth.client.post("/account/password", data={
        "csrf_token": token, "current": current, "new": new, "again": new})


def test_changing_the_password_counts_only_wrong_current_passwords(app):
    leader = at(app, "10.0.0.1")
    assert leader.login("leader1").status_code == 302
    # five changes in a row (more than both limits) are never refused
    passwords = [PASSWORD, *(f"violet kettle lantern {n}" for n in range(5))]
    for old, new in itertools.pairwise(passwords):
        assert _change_password(leader, old, new).status_code == 302
    current = passwords[-1]
    # a typo in the new password's second copy is not a guess at the current one
    token = csrf_token_of(leader.client, "/account/password")
    typo = leader.client.post("/account/password", data={
        "csrf_token": token, "current": current, "new": "a new secret 1", "again": "x"})
    assert "两次输入的新密码不一致" in typo.get_data(as_text=True)
    # wrong current passwords count for the account, whether typed here or at the login
    assert at(app, "10.0.0.2").login("leader1", WRONG).status_code == 401
    for _ in range(2):
        wrong = _change_password(leader, WRONG, "another new secret 7")
        assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    refused = _change_password(leader, current, "another new secret 7")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert LOCKED_ACCOUNT in refused.get_data(as_text=True)
    assert at(app, "10.0.0.3").login("leader1", current).status_code == 429
    assert leader.client.get("/api/my/buildings").status_code == 200  # still logged in here


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
