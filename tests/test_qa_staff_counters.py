"""Staff QA: refusals that used to be a 500 or to move a counter the wrong way.

On the tiny community (support.grid_community): S-1 (JN-01) stocks 10 umbrellas; steward1 is
the 红色小管家 of JN-01. Goods at S-1 are set up here by hand: 3 bottles of 洗洁精 received.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from support.accounts import ACCOUNTS, add_accounts, csrf_token_of, logged_in, token_in
from support.apps import make_grid_app
from support.counters import volunteer_with_points

from geo_app.config import BUNDLED_DATA_DIR
from geo_app.stations.levels import get_stock_levels
from geo_app.store import get_store
from geo_app.volunteering.goods import goods_levels, move_goods
from geo_app.volunteering.ledger import balance_of
from geo_app.volunteering.registry import get_volunteer

NOW = datetime(2026, 11, 27, 14, 3, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_grid_app(tmp_path_factory.mktemp("qa_staff"), CLOCK=lambda: NOW)
    with app.app_context(), get_store().write() as db:
        volunteer_with_points(db, points=30, bottles=3)
    add_accounts(app)
    return app


@pytest.fixture(scope="module")
def steward(app):
    client = logged_in(app, "steward1")
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token_of(client, "/admin/loans")
    return client


def _umbrellas(app) -> int:
    with app.app_context():
        return get_stock_levels()["S-1"]["umbrella"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("borrower_name", 5), ("borrower_phone", 13800000000), ("borrower_name", ["张三"]),
     ("due", 20261130)],
)
def test_a_loan_with_a_number_for_text_is_a_400_naming_the_field(app, steward, field, value):
    before = _umbrellas(app)
    body = {"station": "S-1", "item": "umbrella", "borrower_name": "张三丰",
            "borrower_phone": "13800000000", field: value}
    answer = steward.post("/admin/api/loans", json=body)
    assert answer.status_code == 400  # was a 500: int has no .strip()
    assert answer.json["parameter"] == field and "须为文本" in answer.json["error"]
    assert _umbrellas(app) == before  # nothing lent


def _stock_and_points(app) -> tuple[int, int]:
    with app.app_context(), get_store().read() as db:
        return goods_levels(db)["dish_soap"]["S-1"], balance_of(db, get_volunteer(db, "JN00001").id)


def test_the_counter_cannot_book_a_redemption_without_taking_points(app, steward):
    """The goods form offers 入库 and 报损; a hand-made kind=redeemed took stock away as a
    兑换 with no points taken and no redemption recorded."""
    page = steward.get("/organise/redeem").get_data(as_text=True)
    token = token_in(page)
    assert 'value="redeemed"' not in page
    before = _stock_and_points(app)
    answer = steward.post("/organise/goods", data={
        "csrf_token": token, "station": "S-1", "goods": "dish_soap", "kind": "redeemed",
        "quantity": "2",
    }, follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "操作（kind）须为 入库（received）、报损（written_off）" in text
    assert _stock_and_points(app) == before == (3, 30)
    received = steward.post("/organise/goods", data={
        "csrf_token": token, "station": "S-1", "goods": "dish_soap", "kind": "received",
        "quantity": "2",
    }, follow_redirects=True)
    assert "已登记，站点现有 5" in received.get_data(as_text=True)  # 3 + 2
    with app.app_context(), get_store().write() as db:  # back to the module's 3 bottles
        move_goods(db, "S-1", "dish_soap", kind="written_off", quantity=2, actor="t",
                   known_stations=("S-1", "S-2"))


def test_the_layer_history_of_the_bundled_sample_explains_instead_of_a_500(tmp_path):
    app = make_grid_app(tmp_path, DATA_DIR=str(BUNDLED_DATA_DIR))
    add_accounts(app, {"admin": ACCOUNTS["admin"]})
    admin = logged_in(app, "admin")
    page = admin.get("/admin/layers/history")
    assert page.status_code == 200  # was a 500 (LayerEditError not handled)
    text = page.get_data(as_text=True)
    assert "自带的样例图层不能在线修改" in text and "样例图层不保存历史版本" in text
    answer = admin.get("/admin/api/layers/history")
    assert answer.status_code == 409
    assert answer.json["parameter"] == "DATA_DIR" and "自带的样例图层" in answer.json["error"]
    editor = admin.get("/admin/layers").get_data(as_text=True)
    assert 'data-testid="read-only"' in editor  # said before the admin drags anything


def test_the_layer_editor_of_a_copy_says_nothing_about_read_only(tmp_path):
    app = make_grid_app(tmp_path, LAYER_HISTORY_DIR=str(tmp_path / "history"))
    add_accounts(app, {"admin": ACCOUNTS["admin"]})
    admin = logged_in(app, "admin")
    for url in ("/admin/layers", "/admin/layers/history"):
        page = admin.get(url)
        assert page.status_code == 200 and 'data-testid="read-only"' not in page.get_data(
            as_text=True)
    assert admin.get("/admin/api/layers/history").json == {"versions": []}
