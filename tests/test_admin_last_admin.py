"""Switching accounts off and on again, and never losing the last admin.

``deactivate`` had no way back (neither the web nor ``geo-app user``), and nothing stopped the
last active 社区管理员 from being switched off or losing the role — through the CLI at once,
through the web when two admins switch each other off at the same instant. The check runs
inside the write transaction under a lock both writers contend for (SQLite: BEGIN IMMEDIATE;
PostgreSQL: the active admin rows FOR UPDATE): exactly one admin is always left.
"""

from __future__ import annotations

import re
import threading
from functools import partial

import pytest
from support.accounts import ACCOUNTS, csrf_token_of, logged_in, login
from support.database import migrated_store
from support.threads import run_together

from geo_app.cli import main
from geo_app.store import get_store
from geo_app.store.accounts import (
    LastAdminError,
    create_account,
    deactivate,
    find_account,
    reactivate,
    set_assignment,
)
from geo_app.store.audit import entries
from geo_app.store.audit_text import Names, what_happened
from geo_app.store.engine import Store

PASSWORD = "Qx7#pLm2vR9t-Feng"
LAST = "不能停用：这是最后一个启用的社区管理员账号"
ROUNDS = 8


@pytest.fixture
def store(tmp_path):
    """A migrated, empty store (SQLite, or a fresh PostgreSQL schema)."""
    yield from migrated_store(tmp_path)


def _add(store: Store, *usernames: str, role: str = "admin") -> None:
    with store.write() as db:
        for username in usernames:
            create_account(db, username=username, password=PASSWORD, role=role,
                           building_grids={}, known_grids={}, actor="test")


def _active_admins(store: Store) -> list[str]:
    with store.read() as db:
        return sorted(u for u in ("wang", "li", "zhao")
                      if (a := find_account(db, u)) is not None and a.active
                      and a.role == "admin")


def _switch_off(store: Store, username: str, *, actor: str) -> bool:
    with store.write() as db:
        return deactivate(db, find_account(db, username), actor=actor)


def _actions(store: Store) -> list[str]:
    with store.read() as db:
        return [e.action for e in reversed(entries(db, limit=100))]


# ---------------------------------------------------------------------- the rule, one at a time


def test_the_last_active_admin_is_not_switched_off(store):
    _add(store, "wang", "li")
    assert _switch_off(store, "li", actor="wang") is True
    with pytest.raises(LastAdminError) as refused:
        _switch_off(store, "wang", actor="wang")
    assert str(refused.value).startswith(f"{LAST}（wang）")
    assert refused.value.status == 409
    assert _active_admins(store) == ["wang"]
    assert _actions(store).count("account.deactivate") == 1  # the refusal logged nothing


def test_other_roles_and_other_admins_are_switched_off(store):
    _add(store, "wang", "li")
    _add(store, "zhao", role="organiser")
    assert _switch_off(store, "zhao", actor="wang") is True  # no admin: no rule
    assert _switch_off(store, "wang", actor="li") is True  # li is still an active admin
    assert _active_admins(store) == ["li"]


def test_the_last_admin_keeps_the_role_in_the_account_editor(store):
    _add(store, "wang", "li")
    _switch_off(store, "li", actor="wang")
    with pytest.raises(LastAdminError, match="不能取消 wang 的社区管理员角色：这是最后一个启用的"
                                             "社区管理员账号") as refused, store.write() as db:
        set_assignment(db, find_account(db, "wang"), role="organiser", grid_id=None,
                       building_ids=[], active=True, building_grids={}, known_grids={},
                       actor="wang")
    assert refused.value.parameter == "role"
    with pytest.raises(LastAdminError, match=LAST), store.write() as db:  # the 启用 box off
        set_assignment(db, find_account(db, "wang"), role="admin", grid_id=None,
                       building_ids=[], active=False, building_grids={}, known_grids={},
                       actor="wang")
    assert _active_admins(store) == ["wang"]
    with store.read() as db:
        assert find_account(db, "wang").role == "admin"


def test_a_switched_off_account_is_switched_on_again_and_audited(store):
    _add(store, "wang", "li")
    _switch_off(store, "li", actor="wang")
    with store.write() as db:
        assert reactivate(db, find_account(db, "li"), actor="wang") is True
    with store.write() as db:
        assert reactivate(db, find_account(db, "li"), actor="wang") is False  # on already
    assert _active_admins(store) == ["li", "wang"]
    with store.read() as db:
        (last,) = entries(db, limit=1)
        assert (last.action, last.target, last.actor) == ("account.reactivate", "account:li",
                                                          "wang")
        assert (last.before["active"], last.after["active"]) == (False, True)
        names = Names(people={}, stations={}, buildings={}, grids={})
        assert what_happened(last, names) == "重新启用了账号 li"


# ---------------------------------------------------------------------- at the same instant


def _race(work_a, work_b) -> list[BaseException | None]:
    """Run both at once (released together right before each opens its write transaction)."""
    return run_together([work_a, work_b])


def _demote(store: Store, username: str, *, actor: str) -> None:
    with store.write() as db:
        set_assignment(db, find_account(db, username), role="organiser", grid_id=None,
                       building_ids=[], active=True, building_grids={}, known_grids={},
                       actor=actor)


@pytest.mark.parametrize("second", ["deactivate", "demote"])
def test_two_admins_switching_each_other_off_at_once_leave_one(store, second):
    _add(store, "wang", "li")
    for _ in range(ROUNDS):
        outcomes = _race(
            lambda: _switch_off(store, "li", actor="wang"),
            (lambda: _switch_off(store, "wang", actor="li")) if second == "deactivate"
            else (lambda: _demote(store, "wang", actor="li")),
        )
        refused = [o for o in outcomes if o is not None]
        assert len(refused) == 1 and isinstance(refused[0], LastAdminError), outcomes
        assert len(_active_admins(store)) == 1
        with store.write() as db:  # both admins again for the next round
            for username in ("wang", "li"):
                account = find_account(db, username)
                account.role, account.active = "admin", True


def test_a_second_switch_off_waits_for_the_first_and_then_sees_it(store):
    """Deterministic: while one transaction has switched li off (not yet committed), the
    other's switching wang off waits on the lock; once the first commits, it is refused. (A
    check without the lock would read li still active and switch wang off too.)"""
    _add(store, "wang", "li")
    finished = threading.Event()
    outcome: list[BaseException | None] = []

    def second() -> None:
        try:
            _switch_off(store, "wang", actor="li")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)
        finished.set()

    with store.write() as db:
        deactivate(db, find_account(db, "li"), actor="wang")
        thread = threading.Thread(target=second)
        thread.start()
        assert not finished.wait(1.0), outcome  # held up by the first transaction
    thread.join(timeout=30)
    assert finished.is_set()
    assert isinstance(outcome[0], LastAdminError), outcome
    assert _active_admins(store) == ["wang"]


# ---------------------------------------------------------------------- the web


ADMINS = {**ACCOUNTS, "admin2": ("admin", None, [])}


@pytest.fixture
def web(grid_app_factory):
    # each round of the race logs both admins in again (one of them was logged out)
    return grid_app_factory(accounts=ADMINS, LOGIN_RATE_LIMIT="1000 per minute",
                            LOGIN_RATE_LIMIT_PER_IP="1000 per minute")


def _client(app, username: str):
    client = logged_in(app, username)
    client.token = csrf_token_of(client, "/admin/")
    return client


def _account_id(app, username: str) -> int:
    with app.app_context(), get_store().read() as db:
        return find_account(db, username).id


def _flashes(html: str) -> list[str]:
    return re.findall(r'data-testid="flash">(.*?)</p>', html)


def test_a_deactivated_account_has_a_button_that_switches_it_on(web):
    admin = _client(web, "admin")
    steward = _account_id(web, "steward1")
    admin.post(f"/admin/accounts/{steward}/deactivate", data={"csrf_token": admin.token})
    page = admin.get("/admin/").get_data(as_text=True)
    row = page.split('data-account="steward1"')[1].split("</tr>")[0]
    assert 'data-testid="reactivate-steward1">启用</button>' in row
    assert "deactivate-steward1" not in row
    answer = admin.post(f"/admin/accounts/{steward}/reactivate",
                        data={"csrf_token": admin.token}, follow_redirects=True)
    html = answer.get_data(as_text=True)
    assert "已启用 steward1，可用原密码登录" in _flashes(html)
    assert 'data-testid="deactivate-steward1"' in html
    assert logged_in(web, "steward1").get("/admin/loans").status_code == 200  # logs in again
    log = admin.get("/admin/audit?kind=account").get_data(as_text=True)
    assert "重新启用了账号 steward1" in log and "停用了账号 steward1" in log


def test_the_editor_takes_the_admin_role_from_one_of_two_admins(web):
    """The rule refuses only the last admin: with admin left, admin2 may become an organiser
    (the refusal itself is the store's, tested above and in the race below)."""
    admin = _client(web, "admin")
    admin2 = _account_id(web, "admin2")
    answer = admin.post(f"/admin/accounts/{admin2}", data={
        "csrf_token": admin.token, "role": "organiser", "active": "on"}, follow_redirects=True)
    assert "已保存 admin2 的分工" in _flashes(answer.get_data(as_text=True))  # admin remains


def _web_off(client, account_id: int, answers: dict[str, str], key: str) -> None:
    answer = client.post(f"/admin/accounts/{account_id}/deactivate",
                         data={"csrf_token": client.token}, follow_redirects=True)
    answers[key] = answer.get_data(as_text=True)


def test_two_admins_switching_each_other_off_on_the_web_leave_one(web):
    ids = {u: _account_id(web, u) for u in ("admin", "admin2")}
    for _ in range(ROUNDS):
        first, second = _client(web, "admin"), _client(web, "admin2")
        answers: dict[str, str] = {}
        outcomes = _race(partial(_web_off, first, ids["admin2"], answers, "a"),
                         partial(_web_off, second, ids["admin"], answers, "b"))
        assert outcomes == [None, None]
        with web.app_context(), get_store().read() as db:
            active = [u for u in ids if find_account(db, u).active]
        assert len(active) == 1, answers
        loser = "b" if active == ["admin"] else "a"
        # the loser was refused in words, or (its session ended first) sent to log in
        assert any(f.startswith(LAST) for f in _flashes(answers[loser])) or \
            "登录" in answers[loser], answers[loser][:500]
        with web.app_context(), get_store().write() as db:
            for username in ids:
                find_account(db, username).active = True


# ---------------------------------------------------------------------- the command line


def user(app, *args: str, password: str = ""):
    return app.test_cli_runner().invoke(main, ["user", *args], input=password)


def test_the_command_line_switches_accounts_off_and_on(app):
    assert user(app, "add", "wang", "--role", "admin", password=PASSWORD + "\n").exit_code == 0
    refused = user(app, "deactivate", "wang")
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"{LAST}（wang）")
    assert user(app, "add", "li", "--role", "admin", password=PASSWORD + "\n").exit_code == 0
    done = user(app, "deactivate", "wang")
    assert (done.exit_code, done.output) == (0, "已停用账号 wang。\n")
    assert "wang\tadmin\t-\t（已停用）" in user(app, "list").output
    assert user(app, "deactivate", "wang").output == "账号 wang 已是停用状态。\n"
    on = user(app, "activate", "wang")
    assert (on.exit_code, on.output) == (0, "已启用账号 wang。\n")
    assert user(app, "activate", "wang").output == "账号 wang 已是启用状态。\n"
    unknown = user(app, "activate", "nobody")
    assert (unknown.exit_code, unknown.stderr) == (1, "账号 nobody 不存在\n")
    with app.app_context(), get_store().read() as db:
        logged = [(e.action, e.target) for e in entries(db, limit=3)]
        assert logged[:2] == [("account.reactivate", "account:wang"),
                              ("account.deactivate", "account:wang")]
        assert entries(db, limit=1)[0].actor.startswith("cli")


def test_the_command_line_lets_the_operator_back_in_when_no_admin_can_log_in(app):
    """A store whose only admin was switched off (before this rule, or by hand): ``user
    activate`` is the way back, and the admin logs in again with the old password."""
    assert user(app, "add", "wang", "--role", "admin", password=PASSWORD + "\n").exit_code == 0
    with app.app_context(), get_store().write() as db:
        find_account(db, "wang").active = False
    client = app.test_client()
    assert login(client, "wang", PASSWORD).status_code != 302
    assert user(app, "activate", "wang").exit_code == 0
    assert login(client, "wang", PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200
