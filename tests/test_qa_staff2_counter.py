"""Staff QA, second pass: the station counter (/organise/redeem) and the loans form as a
红色小管家 uses them with a card scanner: a refusal keeps the card scanned, a mistyped card in
查找 is said on the counter page, full-width digits are read.

On the tiny community (support.grid_community): steward1 serves S-1 (JN-01); JN00001 (赵一鸣,
FG-1) has 30 points and S-1 has 3 bottles of 洗洁精 at 20 points (support.counters).
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from support.accounts import add_accounts, logged_in
from support.apps import make_grid_app
from support.counters import GOODS_ID, STATION, volunteer_with_points

from geo_app.store import get_store
from geo_app.volunteering.goods import goods_levels
from geo_app.volunteering.ledger import balance_of
from geo_app.volunteering.registry import get_volunteer, register_volunteer

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_grid_app(tmp_path_factory.mktemp("qa_staff2_counter"), CLOCK=lambda: NOW,
                        WTF_CSRF_ENABLED=False)
    with app.app_context(), get_store().write() as db:
        volunteer_with_points(db, points=30, bottles=3)
        register_volunteer(db, name="和园居民", phone="13900000009", building_id="HY-1",
                           known_buildings={"HY-1"}, actor="t")  # JN00002, grid JN-02
    add_accounts(app)
    return app


@pytest.fixture(scope="module")
def steward(app):
    return logged_in(app, "steward1")


def _input_value(page: str, name: str) -> str | None:
    found = re.search(rf'<input name="{name}"[^>]*value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


def test_a_refused_redemption_keeps_the_card_scanned(app, steward):
    """积分不足 sent the counter back to an empty form: the volunteer's card had to be
    scanned again to redeem one bottle instead of two."""
    answer = steward.post("/organise/redeem", data={"station": STATION, "card": "JN00001",
                                                    "goods": GOODS_ID, "quantity": "2"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "积分不足" in html.unescape(page) and "现有 30 分，需要 40 分" in html.unescape(page)
    assert _input_value(page, "card") == "JN00001" and _input_value(page, "quantity") == "2"
    assert f'<option value="{GOODS_ID}" selected>' in page
    with app.app_context(), get_store().read() as db:
        assert balance_of(db, get_volunteer(db, "JN00001").id) == 30
        assert goods_levels(db)[GOODS_ID][STATION] == 3


def test_a_redemption_with_no_card_asks_for_the_card(steward):
    """A card field left empty was answered 志愿者卡号 '' 不存在."""
    answer = steward.post("/organise/redeem", data={"station": STATION, "card": " ",
                                                    "goods": GOODS_ID, "quantity": "1"})
    assert answer.status_code == 400
    page = html.unescape(answer.get_data(as_text=True))
    assert "请填写志愿者卡号（卡上的 JN 开头的编号）" in page


@pytest.mark.parametrize("card", ["JN09999", "JN00002"])  # no such card; a card of JN-02
def test_looking_up_an_unknown_card_stays_on_the_counter(steward, card):
    """查找 with a mistyped card (or one of another grid) answered a 404 page in place of the
    counter."""
    answer = steward.get(f"/organise/redeem?card={card}&goods={GOODS_ID}")
    assert answer.status_code == 200
    page = html.unescape(answer.get_data(as_text=True))
    assert f"卡号 “{card}” 不存在，或不是您范围内的志愿者" in page
    assert 'data-testid="redeem-form"' in page
    assert "和园居民" not in page  # nothing of the other grid's volunteer is shown


# ---------------------------------------------------------------- full-width digits


def test_a_pin_typed_in_full_width_opens_the_volunteers_page_typed_in_ascii(app, steward):
    """A PIN typed ６ digits wide at the counter was kept as typed: the volunteer, typing
    135790 on a phone keypad, was told 卡号或查询密码不正确. The phone was refused outright."""
    answer = steward.post("/organise/volunteers", data={
        "name": "周全角", "phone": "１３９ ００００ ００２１", "building": "FG-2",
        "pin": "１３５７９０"}, follow_redirects=True)
    said = html.unescape(answer.get_data(as_text=True))
    card = re.search(r"已登记，卡号 (JN\d{5})", said)
    assert card is not None, said
    with app.app_context(), get_store().read() as db:
        assert get_volunteer(db, card.group(1)).phone == "13900000021"
    resident = app.test_client()
    me = resident.post("/me", data={"card": card.group(1), "pin": "135790"})
    assert me.status_code == 302  # to /me, signed in
    assert "周全角" in resident.get("/me").get_data(as_text=True)


def test_a_loan_reads_a_full_width_due_date_and_phone(app, steward):
    answer = steward.post("/admin/api/loans", json={
        "station": STATION, "item": "umbrella", "borrower_name": "王阿姨",
        "borrower_phone": "１３８００００１１１１", "due": "２０２６－１２－０５"})
    assert answer.status_code == 201, answer.json
    assert answer.json["due"] == "2026-12-05"
    (loan,) = steward.get("/admin/api/loans?status=open").json["loans"]
    assert loan["borrower_phone"] == "13800001111"


@pytest.mark.parametrize(
    ("due", "words"),
    [("2026/12/05", "应还日期 “2026/12/05” 格式不对"),
     ("2026-11-30", "应还日期 2026-11-30 早于今天"),
     ("2027-06-01", "应还日期 2027-06-01 太晚：借用期最长 180 天")],
)
def test_a_refused_due_date_is_named_as_the_form_names_it(steward, due, words):
    """The form says 应还日期; the refusals said 归还日期 (and 借用期最长 180 天 alone)."""
    answer = steward.post("/admin/api/loans", json={
        "station": STATION, "item": "umbrella", "borrower_name": "王阿姨",
        "borrower_phone": "13800001111", "due": due})
    assert answer.status_code == 400
    assert answer.json["parameter"] == "due" and words in answer.json["error"]


@pytest.mark.parametrize(
    ("name", "phone", "building"),
    [("吴无楼", "13900000031", ""), ("郑和园", "13900000032", "HY-1")],
    ids=["no-building", "other-grid"],
)
def test_a_volunteer_one_registered_stays_in_ones_roster(app, steward, name, phone, building):
    """楼栋编号（可空）left empty, or a building of another grid: 已登记 was flashed on a 404
    page, and the person stayed hidden from the 红色小管家 who had just registered them
    (the roster showed those living in the grid or signed up to their activities only)."""
    answer = steward.post("/organise/volunteers",
                          data={"name": name, "phone": phone, "building": building})
    assert answer.status_code == 302
    card = re.search(r"/organise/volunteers/(JN\d{5})$", answer.headers["Location"]).group(1)
    page = html.unescape(steward.get(answer.headers["Location"]).get_data(as_text=True))
    assert f"已登记，卡号 {card}" in page and name in page
    assert name in steward.get("/organise/volunteers").get_data(as_text=True)
    # and not everybody's: an organiser who neither registered them nor has them signed up
    assert logged_in(app, "organiser1").get(f"/organise/volunteers/{card}").status_code == 404
