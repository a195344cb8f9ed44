"""Account management in the admin's pages, and the audit log in plain Chinese.

On the tiny community (see test_grid_community): grid JN-01 holds FG-1..3, JN-02 HY-1..2.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from support.accounts import add_accounts, csrf_token_of, logged_in, login
from support.apps import make_grid_app

from geo_app.store import get_store
from geo_app.store.accounts import find_account
from geo_app.store.audit import entries
from geo_app.store.audit_text import Names, sentence
from geo_app.store.models import AuditEntry


@pytest.fixture
def app(tmp_path):
    app = make_grid_app(tmp_path)
    add_accounts(app)
    return app


@pytest.fixture
def admin(app):
    client = logged_in(app, "admin")
    client.token = csrf_token_of(client, "/admin/")
    return client


def _post(client, url, **data):
    return client.post(url, data={"csrf_token": client.token, **data}, follow_redirects=True)


def _password(html: str) -> str:
    found = re.search(r'data-testid="one-time-password">([^<]+)<', html)
    assert found, html[:500]
    return found.group(1)


def _id(app, username):
    with app.app_context(), get_store().read() as db:
        return find_account(db, username).id


def test_the_admin_creates_an_account_with_a_one_time_password(app, admin):
    response = admin.post("/admin/accounts/new", data={
        "csrf_token": admin.token, "username": "wang", "display_name": "王书记",
        "role": "steward", "grid": "JN-01", "buildings": ""})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = _password(response.get_data(as_text=True))
    assert len(password) == 12
    # shown once: the accounts page never shows it again
    assert password not in admin.get("/admin/").get_data(as_text=True)
    fresh = logged_in(app, "wang", password)
    assert "王书记" in fresh.get("/grid/JN-01").get_data(as_text=True)
    with app.app_context(), get_store().read() as db:
        entry = entries(db, limit=1)[0]
    assert (entry.action, entry.actor, entry.after["role"]) == ("account.create", "admin",
                                                               "steward")
    assert password not in str(entry.after) and password not in entry.note


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"role": "building_member", "grid": "JN-01", "buildings": "HY-1"},
         "HY-1 不在网格 风格城市网格（JN-01）内"),
        ({"role": "owner_rep", "grid": "JN-02", "buildings": ""}, "至少负责一栋楼"),
        ({"role": "steward", "grid": "", "buildings": ""}, "必须属于一个网格"),
        ({"role": "grid_leader", "grid": "JN-01", "buildings": "FG-1"}, "负责整个网格"),
        ({"role": "admin", "grid": "JN-01", "buildings": ""}, "不属于任何网格"),
        ({"role": "building_member", "grid": "JN-09", "buildings": "FG-1"},
         "网格 “JN-09” 不存在"),
    ],
)
def test_the_account_form_enforces_the_four_level_hierarchy(app, admin, form, message):
    before = len(_log(app))
    html = unescape(_post(admin, "/admin/accounts/new", username="newbie", display_name="",
                          **form).get_data(as_text=True))
    assert "未创建：" in html and message in html
    assert 'data-testid="one-time-password"' not in html
    with app.app_context(), get_store().read() as db:
        assert find_account(db, "newbie") is None
    assert len(_log(app)) == before
    # the form keeps what was typed
    assert 'value="newbie"' in html


def test_reset_password_shows_a_new_one_once_and_ends_old_sessions(app, admin):
    member = logged_in(app, "member1")
    assert member.get("/api/my/buildings").status_code == 200
    html = _post(admin, f"/admin/accounts/{_id(app, 'member1')}/password").get_data(as_text=True)
    password = _password(html)
    assert member.get("/api/my/buildings").status_code == 401  # the old session has ended
    assert login(app.test_client(), "member1").status_code == 401  # old password refused
    assert login(app.test_client(), "member1", password).status_code == 302
    assert _log(app)[0][:2] == ("admin", "account.password")
    own = _post(admin, f"/admin/accounts/{_id(app, 'admin')}/password").get_data(as_text=True)
    assert "不能在这里重设自己" in own


def test_deactivate_ends_the_session_and_the_login(app, admin):
    rep = logged_in(app, "rep1")
    html = _post(admin, f"/admin/accounts/{_id(app, 'rep1')}/deactivate").get_data(as_text=True)
    assert "已停用 rep1" in html
    assert rep.get("/api/my/buildings").status_code == 401
    assert login(app.test_client(), "rep1").status_code == 401
    assert _log(app)[0][:2] == ("admin", "account.deactivate")
    own = _post(admin, f"/admin/accounts/{_id(app, 'admin')}/deactivate").get_data(as_text=True)
    assert "不能停用自己" in own


def _log(app):
    with app.app_context(), get_store().read() as db:
        return [(e.actor, e.action, e.target) for e in entries(db, limit=500)]


def test_an_entry_reads_as_a_plain_chinese_sentence():
    entry = AuditEntry(
        actor="wang", action="loan.lend", target="loan:7",
        at=datetime(2026, 11, 27, 6, 3, tzinfo=UTC),  # 14:03 in Beijing
        after={"station_id": "S-1", "item": "umbrella", "quantity": 1, "borrower": "张**",
               "due": "2026-11-30", "stock_after": 9},
    )
    names = Names(people={"wang": "王书记"}, stations={"S-1": "风格城市党群服务站"},
                  buildings={}, grids={})
    assert sentence(entry, names, ZoneInfo("Asia/Shanghai")) == (
        "王书记 2026-11-27 14:03 借出 风格城市党群服务站 雨伞 1 把，借用人 张**，"
        "应还日期 2026-11-30")


def test_the_audit_log_filters_by_person_kind_and_day_and_exports_csv(app, admin):
    _post(admin, "/admin/stock", station="S-1", item="umbrella", movement="lent", quantity="2")
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "时间（北京时间）" in page
    assert "登记库存借出 风格城市党群服务站 雨伞 2 把（10 → 8）" in page
    assert "stock.lent" not in page.split('data-testid="audit-table"')[1].split("data-action")[0]
    only_stock = admin.get("/admin/audit?kind=stock&person=admin").get_data(as_text=True)
    rows = re.findall(r'<tr data-action="([^"]+)"', only_stock)
    assert rows == ["stock.lent"]
    accounts = re.findall(r'<tr data-action="([^"]+)"',
                          admin.get("/admin/audit?kind=account").get_data(as_text=True))
    assert accounts and set(accounts) == {"account.create"}
    # days are Beijing days: nothing is logged in 2020
    empty = admin.get("/admin/audit?since=2020-01-01&until=2020-12-31").get_data(as_text=True)
    assert "没有符合条件的记录" in empty
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    dated = admin.get(f"/admin/audit?since={today}&until={today}&kind=stock")
    assert "stock.lent" in dated.get_data(as_text=True)
    bad = admin.get("/admin/audit?since=yesterday")
    assert bad.status_code == 400 and "since" in bad.get_data(as_text=True)
    response = admin.get("/admin/audit.csv?kind=stock&person=admin")
    assert response.headers["Cache-Control"] == "no-store"
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["内容"] for r in table] == ["登记库存借出 风格城市党群服务站 雨伞 2 把（10 → 8）"]
    assert table[0]["类别"] == "库存" and table[0]["操作人"] == "admin"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", table[0]["时间（北京时间）"])


def test_steward_sees_the_loan_page_but_no_admin_pages(app):
    steward = app.test_client()
    login(steward, "steward1")
    nav = steward.get("/admin/loans").get_data(as_text=True)
    assert "借还登记" in nav and "人员分工" not in nav
    assert steward.get("/admin/").status_code == 403
    assert steward.get("/admin/audit").status_code == 403
