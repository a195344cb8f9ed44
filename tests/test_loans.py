"""Loans at a station: borrower, phone and due date recorded; a return once only; overdue lists.

On the tiny community (see test_grid_community): S-1 (JN-01) stocks 10 umbrellas and 4 power
banks, S-2 (JN-02) 2 umbrellas; steward1 is the 红色小管家 of JN-01. The clock is pinned to
2026-11-27 14:03 北京时间; umbrellas are lent for 3 days by default (LOAN_DAYS).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from support.accounts import add_accounts, csrf_token_of, logged_in
from support.apps import make_grid_app
from support.refusals import assert_api_refusal

from geo_app.stations.levels import get_stock_levels
from geo_app.store import get_store
from geo_app.store.audit import entries

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 14, 3, tzinfo=BEIJING)
BORROWER = {"borrower_name": "张三丰", "borrower_phone": "13800000000"}


@pytest.fixture
def app(tmp_path):
    app = make_grid_app(tmp_path, CLOCK=lambda: NOW)
    add_accounts(app)
    return app


def _client(app, username):
    client = logged_in(app, username)
    client.headers = {"X-CSRFToken": csrf_token_of(client, "/admin/loans")}
    return client


@pytest.fixture
def steward(app):
    return _client(app, "steward1")


@pytest.fixture
def admin(app):
    return _client(app, "admin")


def _lend(client, **body):
    data = {"station": "S-1", "item": "umbrella", **BORROWER, **body}
    return client.post("/admin/api/loans", json=data, headers=client.headers)


def _return(client, loan_id):
    return client.post(f"/admin/api/loans/{loan_id}/return", headers=client.headers)


def _umbrellas(app, station="S-1"):
    with app.app_context():
        return get_stock_levels()[station]["umbrella"]


def test_lending_records_the_borrower_and_takes_the_item_off_the_shelf(app, steward):
    response = _lend(steward)
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "due": "2026-11-30", "stock_after": 9}
    assert _umbrellas(app) == 9
    # the public stock is what is on the shelf
    public = app.test_client().get("/api/stations").get_json()["stations"]
    assert next(s for s in public if s["station_id"] == "S-1")["items"]["umbrella"] == 9
    listed = steward.get("/admin/api/loans?status=open").get_json()
    (loan,) = listed["loans"]
    assert (loan["borrower_name"], loan["borrower_phone"], loan["lent_by"], loan["due"]) == (
        "张三丰", "13800000000", "steward1", "2026-11-30")
    with app.app_context(), get_store().read() as db:
        actions = [(e.action, e.actor) for e in entries(db, limit=3)]
        lend_entry = next(e for e in entries(db, limit=3) if e.action == "loan.lend")
    assert ("loan.lend", "steward1") in actions and ("stock.lent", "steward1") in actions
    assert lend_entry.after["borrower"] == "张**"  # the log names the borrower masked


def test_a_return_closes_the_loan_once_and_never_raises_stock_above_what_was_out(app, steward):
    loan_id = _lend(steward).get_json()["id"]
    first = _return(steward, loan_id)
    assert first.status_code == 200
    assert first.get_json() == {"id": loan_id, "stock_after": 10}
    second = _return(steward, loan_id)
    assert second.status_code == 409
    body = second.get_json()
    assert body["parameter"] == "loan"
    assert "已于 2026-11-27 14:03" in body["error"] and "不能重复归还" in body["error"]
    assert _umbrellas(app) == 10  # the layer's 15-umbrella bug: never above the original
    assert _return(steward, 9999).status_code == 404
    assert steward.get("/admin/api/loans?status=open").get_json()["count"] == 0


def test_overdue_loans_are_listed_with_the_phone_to_call(app, steward):
    _lend(steward, due="2026-11-28")
    _lend(steward, item="power_bank", borrower_name="李四", borrower_phone="0551-62345678")
    returned = _lend(steward, due="2026-11-27").get_json()["id"]
    _return(steward, returned)
    assert steward.get("/admin/api/loans?status=overdue").get_json()["count"] == 0
    app.config["CLOCK"] = lambda: datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)
    steward = _client(app, "steward1")  # four days on: the session has expired, log in again
    overdue = steward.get("/admin/api/loans?status=overdue").get_json()["loans"]
    # umbrella due 11-28 → 3 days late; power bank (1 day) due 11-28 → 3 days late too
    assert [(o["item"], o["borrower_phone"], o["overdue_days"]) for o in overdue] == [
        ("umbrella", "13800000000", 3), ("power_bank", "0551-62345678", 3)]
    page = steward.get("/admin/loans").get_data(as_text=True)
    table = page[page.index('data-testid="overdue-table"'):page.index("借出中")]
    assert 'href="tel:13800000000"' in table and "3 天" in table
    assert steward.get("/admin/api/loans?status=late").status_code == 400


def test_only_the_admin_and_the_stations_steward_lend(app, steward, admin):
    other = _lend(steward, station="S-2")
    assert other.status_code == 403
    assert "红色小管家" in other.get_json()["error"]
    assert _umbrellas(app, "S-2") == 2
    assert _lend(admin, station="S-2").status_code == 201
    leader = _client(app, "leader1")
    assert _lend(leader).status_code == 403
    assert app.test_client().post("/admin/api/loans", json={}).status_code == 401
    # the admin's loan at S-2 is not the steward's to return, nor in their lists
    loan_id = steward.get("/admin/api/loans").get_json()["loans"]
    assert loan_id == []
    admin_loans = admin.get("/admin/api/loans").get_json()["loans"]
    assert _return(steward, admin_loans[0]["id"]).status_code == 403


@pytest.mark.parametrize(
    ("body", "parameter", "words"),
    [
        ({"borrower_phone": ""}, "borrower_phone", "请填写联系电话"),
        ({"borrower_phone": "12345"}, "borrower_phone", "格式不对"),
        ({"borrower_name": " "}, "borrower_name", "姓名"),
        ({"due": "2026-11-26"}, "due", "早于今天"),
        ({"due": "next week"}, "due", "格式不对"),
        ({"item": "rocket"}, "item", "未知物资"),
        ({"station": "S-9"}, "station", "不存在"),
    ],
)
def test_bad_loans_are_refused_in_chinese(app, steward, body, parameter, words):
    response = _lend(steward, **body)
    assert_api_refusal(response, parameter, words)
    assert _umbrellas(app) == 10


def test_lending_more_than_the_shelf_holds_is_refused(app, admin):
    for _ in range(2):
        assert _lend(admin, station="S-2").status_code == 201
    third = _lend(admin, station="S-2")
    assert third.status_code == 400
    assert "库存不足：现有 0" in third.get_json()["error"]
    assert admin.get("/admin/api/loans").get_json()["count"] == 2


def test_the_loan_form(app, steward):
    page = steward.get("/admin/loans").get_data(as_text=True)
    assert 'data-testid="loan-form"' in page
    assert '<option value="S-1">风格城市党群服务站</option>' in page and "S-2" not in page.split(
        'data-testid="overdue-table"')[0]
    token = steward.headers["X-CSRFToken"]
    html = steward.post("/admin/loans", data={"csrf_token": token, "station": "S-1",
                                              "item": "umbrella", **BORROWER},
                        follow_redirects=True).get_data(as_text=True)
    assert "已借出 雨伞" in html and "应还日期 2026-11-30" in html and "架上还剩 9" in html
    loan_id = steward.get("/admin/api/loans").get_json()["loans"][0]["id"]
    html = steward.post(f"/admin/loans/{loan_id}/return", data={"csrf_token": token},
                        follow_redirects=True).get_data(as_text=True)
    assert "已归还，架上现有 10" in html
    html = steward.post(f"/admin/loans/{loan_id}/return", data={"csrf_token": token},
                        follow_redirects=True).get_data(as_text=True)
    assert "不能重复归还" in html
