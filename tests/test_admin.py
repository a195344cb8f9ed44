"""The community admin: assignments, building grids, stock; every change in the audit log."""

from __future__ import annotations

import re

import pytest
from support.accounts import AuthActions, csrf_token_of

from geo_app.stations.levels import get_stock_levels
from geo_app.store import get_store
from geo_app.store.accounts import find_account
from geo_app.store.audit import entries
from geo_app.web.access import PUBLIC, policy_of


@pytest.fixture
def app(grid_app_factory):
    return grid_app_factory()


@pytest.fixture
def admin(client, auth):
    """The admin's client, logged in, with the admin page's CSRF token as ``admin.token``."""
    assert auth.login("admin").status_code == 302
    client.token = csrf_token_of(client, "/admin/")
    return client


def _audit(app, n=50):
    with app.app_context(), get_store().read() as db:
        return [(e.actor, e.action, e.target, e.before, e.after) for e in entries(db, limit=n)]


def _account(app, username):
    with app.app_context(), get_store().read() as db:
        a = find_account(db, username)
        return a.role, a.grid_id, a.building_ids, a.active


def _post(client, url, **data):
    return client.post(url, data={"csrf_token": client.token, **data}, follow_redirects=True)


def test_every_post_route_refuses_a_request_without_csrf_token(app, admin):
    with app.app_context():
        rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
        assert rules
        for rule in rules:
            values = {a: "FG-1" if a == "building_id" else "1" for a in rule.arguments}
            url = rule.build(values, append_unknown=False)[1]
            assert admin.post(url, data={"grid": "JN-02"}).status_code == 400, url
            assert admin.post(url, json={"quantity": 1}).status_code == 400, url
    assert [a for a in _audit(app) if a[0] == "admin"] == []


def test_the_admin_assigns_people_to_roles_and_the_log_records_it(app, admin):
    assert 'data-account="member1"' in admin.get("/admin/").get_data(as_text=True)
    with app.app_context(), get_store().read() as db:
        account_id = find_account(db, "member1").id
    html = _post(admin, f"/admin/accounts/{account_id}", role="building_member", grid="JN-01",
                 buildings="FG-1，FG-3", active="on").get_data(as_text=True)
    assert "已保存 member1 的分工" in html
    assert _account(app, "member1") == ("building_member", "JN-01", ["FG-1", "FG-3"], True)
    actor, action, target, before, after = _audit(app)[0]
    assert (actor, action, target) == ("admin", "account.assign", "account:member1")
    assert before["building_ids"] == ["FG-1"] and after["building_ids"] == ["FG-1", "FG-3"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"role": "building_member", "grid": "JN-01", "buildings": "HY-1"},
            "HY-1 不在网格 风格城市网格（JN-01）内",
        ),
        ({"role": "steward", "grid": "", "buildings": ""}, "必须属于一个网格"),
        ({"role": "king", "grid": "JN-01", "buildings": ""}, "未知角色"),
    ],
)
def test_assignments_that_break_the_hierarchy_are_refused(app, admin, form, message):
    with app.app_context(), get_store().read() as db:
        account_id = find_account(db, "member1").id
    before = _audit(app)
    html = _post(admin, f"/admin/accounts/{account_id}", active="on", **form).get_data(as_text=True)
    assert message in html
    assert _account(app, "member1") == ("building_member", "JN-01", ["FG-1"], True)
    assert _audit(app) == before


def test_moving_a_building_to_another_grid(app, admin):
    html = _post(admin, "/admin/buildings/FG-1", grid="JN-02").get_data(as_text=True)
    assert "仍由 楼栋党员 member1 负责" in html  # FG-1 is member1's, who belongs to JN-01
    html = _post(admin, "/admin/buildings/FG-3", grid="JN-02").get_data(as_text=True)
    assert "楼栋 风格城市 3栋（FG-3）已划入 和园网格" in html
    assert _audit(app)[0] == ("admin", "building.grid", "building:FG-3",
                              {"grid_id": "JN-01"}, {"grid_id": "JN-02"})
    leader2 = app.test_client()
    AuthActions(leader2).login("leader2")
    table = leader2.get("/grid/JN-02").get_data(as_text=True)
    assert re.findall(r'<tr data-building-id="([^"]+)"', table) == ["FG-3", "HY-1", "HY-2"]
    _post(admin, "/admin/buildings/FG-3", grid="JN-01")  # back to the layer's grid
    assert _audit(app)[0][3:] == ({"grid_id": "JN-02"}, {"grid_id": "JN-01"})


def test_stock_movements_through_the_form(app, admin):
    html = _post(admin, "/admin/stock", station="S-1", item="umbrella", movement="lent",
                 quantity="3").get_data(as_text=True)
    assert "10 → 7" in html
    html = _post(admin, "/admin/stock", station="S-1", item="umbrella", movement="lent",
                 quantity="8").get_data(as_text=True)
    assert "库存不足：现有 7，借出 8" in html
    _post(admin, "/admin/stock", station="S-2", item="first_aid_kit", movement="restocked",
          quantity="2")
    with app.app_context():
        assert get_stock_levels() == {
            "S-1": {"power_bank": 4, "umbrella": 7},
            "S-2": {"first_aid_kit": 2, "umbrella": 2},
        }
    moves = [a for a in _audit(app) if a[1].startswith("stock.") and a[0] == "admin"]
    assert [(a[1], a[2], a[3], a[4]) for a in moves] == [
        ("stock.restocked", "station:S-2/first_aid_kit", {"count": 0}, {"count": 2}),
        ("stock.lent", "station:S-1/umbrella", {"count": 10}, {"count": 7}),
    ]


def test_broken_items_are_written_off_the_shelf_and_loans_stay_out(app, admin):
    """Station staff had no way to take a broken umbrella off the count (only 借出/归还/补货);
    报损 takes it off the shelf, never below 0, and leaves what is lent out lent out."""
    form = admin.get("/admin/stock").get_data(as_text=True)
    assert re.search(r"value=\"written_off\"\s*>报损</option>", form)
    # 借出 belongs to 借还登记 (with a borrower); here the form starts on 补货
    assert '<option value="restocked" selected>补货</option>' in form
    _post(admin, "/admin/stock", station="S-1", item="umbrella", movement="lent", quantity="3")
    html = _post(admin, "/admin/stock", station="S-1", item="umbrella", movement="written_off",
                 quantity="2").get_data(as_text=True)
    assert "7 → 5" in html  # 10 on the shelf, 3 lent, 2 broken
    html = _post(admin, "/admin/stock", station="S-1", item="umbrella", movement="written_off",
                 quantity="6").get_data(as_text=True)
    assert "雨伞库存不足：现有 5，报损 6" in html
    html = _post(admin, "/admin/stock", station="S-1", item="umbrella", movement="returned",
                 quantity="3").get_data(as_text=True)
    assert "5 → 8" in html  # the three lent still came back
    with app.app_context():
        assert get_stock_levels()["S-1"]["umbrella"] == 8
    assert ("stock.written_off", "station:S-1/umbrella", {"count": 7}, {"count": 5}) in [
        (a[1], a[2], a[3], a[4]) for a in _audit(app)]
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "登记库存报损" in log and "（7 → 5）" in log


def test_the_stock_json_api_needs_the_csrf_header(app, admin):
    body = {"station": "S-1", "item": "power_bank", "movement": "lent", "quantity": 1}
    assert admin.post("/admin/api/stock", json=body).status_code == 400
    response = admin.post("/admin/api/stock", json=body, headers={"X-CSRFToken": admin.token})
    assert response.status_code == 200
    assert response.get_json() == {"station": "S-1", "item": "power_bank", "before": 4, "after": 3}
    bad = admin.post("/admin/api/stock", json={**body, "quantity": "many"},
                     headers={"X-CSRFToken": admin.token})
    assert bad.status_code == 400
    assert bad.get_json()["parameter"] == "quantity"
    unknown = admin.post("/admin/api/stock", json={**body, "station": "S-9"},
                         headers={"X-CSRFToken": admin.token})
    assert unknown.get_json() == {"error": "站点 “S-9” 不存在", "parameter": "station"}


def test_the_admin_reads_the_audit_log(app, admin):
    _post(admin, "/admin/stock", station="S-1", item="umbrella", movement="lent", quantity="1")
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "登记库存借出 风格城市党群服务站 雨伞 1 把（10 → 9）" in html
    assert "创建账号 member1（楼栋党员，网格 风格城市网格，负责 风格城市 1栋）" in html
    assert "按图层初始化 风格城市党群服务站 的库存" in html
    assert "北京时间" in html and "UTC" not in html.split("<main")[1].replace("UTC+8", "")


#: Loans are handled by the admin and by the 红色小管家 of the station's grid.
LOAN_ENDPOINTS = {"admin.loans", "admin.lend_form", "admin.return_form", "admin.lend_json",
                  "admin.return_json", "admin.loans_json"}


def test_admin_routes_are_declared_for_the_admin_only(app):
    with app.app_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("admin."):
                expected = ("admin", "steward") if rule.endpoint in LOAN_ENDPOINTS else ("admin",)
                assert policy_of(rule.endpoint) == expected, rule.endpoint
                assert PUBLIC not in policy_of(rule.endpoint)
