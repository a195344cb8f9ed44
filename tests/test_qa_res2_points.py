"""Second QA pass as a volunteer on ``/me`` (test client, tiny gated layout): what the points
buy and where. Each good says how many the balance buys (or how many points are missing) and
the nearest station on foot from the entrance of the volunteer's building that has it, with the
walk and today's hours; a volunteer with no building sees every station that has it.

Expected walks come from :func:`support.oracle.reference_walk_m` over the layout's paths.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from support.accounts import PASSWORD, ensure_account, logged_in
from support.oracle import reference_walk_m
from support.resident_layout import BUILDINGS, STATIONS, layout_lines_xy

from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.volunteering.goods import add_goods, move_goods
from geo_app.volunteering.ledger import post_entry
from geo_app.volunteering.registry import register_volunteer

MONDAY_10 = datetime(2025, 6, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
STATION_XY = {sid: xy for sid, _, _, xy, _, _ in STATIONS}
ENTRANCE_3 = next(b[4] for b in BUILDINGS if b[0] == "B-3")  # 风格城市 3栋, inside the fence
SPEED_M_PER_MIN = 4000 / 60  # WALK_SPEED_KMH = 4


@pytest.fixture(scope="module")
def app(layout_app_factory):
    """Volunteers JN00001 (风格城市 3栋, 25 points) and JN00002 (no building); 纸巾 10 分 at
    PS-A (5) and PS-B (3), 洗洁精 20 分 at PS-B only, 洗衣液 30 分 nowhere."""
    app = layout_app_factory(WTF_CSRF_ENABLED=False)
    app.config["CLOCK"] = lambda: MONDAY_10
    stations = {sid for sid, *_ in STATIONS}
    with app.app_context(), get_store().write() as db:
        home = register_volunteer(db, name="赵一鸣", phone="13900000001", building_id="B-3",
                                  known_buildings={"B-3"}, actor="test", pin="246810")
        register_volunteer(db, name="钱二", phone="13900000002", building_id=None,
                           known_buildings=set(), actor="test", pin="135790")
        post_entry(db, home, kind="earn", points=25, actor="test", reason="楼道清洁（150 分钟）",
                   ref="test:1")
        for goods_id, name, unit, points in (("tissue", "纸巾", "包", 10),
                                             ("dish_soap", "洗洁精", "瓶", 20),
                                             ("laundry", "洗衣液", "瓶", 30)):
            add_goods(db, goods_id=goods_id, name=name, unit=unit, points=points, actor="test")
        for station, goods_id, count in (("PS-A", "tissue", 5), ("PS-B", "tissue", 3),
                                         ("PS-B", "dish_soap", 2)):
            move_goods(db, station, goods_id, kind="received", quantity=count, actor="test",
                       known_stations=stations)
    return app


def _goods(client, card: str, pin: str) -> dict[str, list[str]]:
    """Good name → the lines of its card on /me (after signing in)."""
    page = client.post("/me", data={"card": card, "pin": pin}, follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    cards = re.findall(r'<li class="card" data-testid="good">(.*?)</li>', html, re.S)
    answer = {}
    for card_html in cards:
        name = re.search(r"<strong>(.*?)</strong>", card_html).group(1)
        lines = re.findall(r'data-testid="good-(?:afford|place)">(.*?)</div>', card_html, re.S)
        answer[name] = [" ".join(line.split()) for line in lines]
    return answer


def test_each_good_says_what_the_balance_buys_and_the_nearest_station_that_has_it(app):
    goods = _goods(app.test_client(), "JN00001", "246810")
    assert list(goods) == ["纸巾", "洗洁精", "洗衣液"]
    walk = {sid: reference_walk_m(layout_lines_xy(), ENTRANCE_3, STATION_XY[sid])
            for sid in ("PS-A", "PS-B")}
    # 纸巾: both stations have it; the nearer on foot (out through the gate) is named
    assert goods["纸巾"][0] == "您的积分可换 2 包"  # 25 // 10
    nearer = min(walk, key=walk.__getitem__)
    name = {"PS-A": "风格城市党群服务站", "PS-B": "北街党群服务站"}
    hours = {"PS-A": "今天 08:00-18:00", "PS-B": "今天 14:00-18:00"}
    stock = {"PS-A": 5, "PS-B": 3}
    metres, minutes = _walk_of(goods["纸巾"][1], name[nearer])
    assert abs(metres - walk[nearer]) <= 1
    assert minutes == max(1, round(walk[nearer] / SPEED_M_PER_MIN))
    assert goods["纸巾"][1].endswith(f"{hours[nearer]} · 现有 {stock[nearer]} 包")
    # 洗洁精 only at PS-B, however far
    assert goods["洗洁精"][0] == "您的积分可换 1 瓶"
    metres, _ = _walk_of(goods["洗洁精"][1], "北街党群服务站")
    assert abs(metres - walk["PS-B"]) <= 1
    assert goods["洗洁精"][1].endswith("今天 14:00-18:00 · 现有 2 瓶")
    # 洗衣液: 5 points short, and nowhere in stock
    assert goods["洗衣液"] == ["还差 5 分", "各站点暂时都没有货"]


def _walk_of(line: str, station: str) -> tuple[int, int]:
    match = re.fullmatch(rf"{station} · (\d+) 米，步行约 (\d+) 分钟 · .*", line)
    assert match, line
    return int(match.group(1)), int(match.group(2))


def test_a_volunteer_with_no_building_sees_every_station_that_has_it(app):
    goods = _goods(app.test_client(), "JN00002", "135790")
    assert goods["纸巾"] == ["还差 10 分", "北街党群服务站 · 今天 14:00-18:00 · 现有 3 包",
                            "风格城市党群服务站 · 今天 08:00-18:00 · 现有 5 包"]
    assert goods["洗洁精"] == ["还差 20 分", "北街党群服务站 · 今天 14:00-18:00 · 现有 2 瓶"]



def test_the_counter_names_the_same_nearest_station_with_its_walk(app):
    """The station counter's 查找 (organise.counter) and /me answer from one function."""
    with app.app_context(), get_store().write() as db:
        ensure_account(db, get_community(), username="admin", password=PASSWORD, role="admin")
    admin = logged_in(app, "admin")
    walk = reference_walk_m(layout_lines_xy(), ENTRANCE_3, STATION_XY["PS-B"])
    page = admin.get("/organise/redeem?card=JN00001&goods=dish_soap").get_data(as_text=True)
    line = re.search(r'data-testid="nearest-goods">(.*?)</p>', page, re.S).group(1)
    found = re.fullmatch(r"离该志愿者住处最近且有货的站点：北街党群服务站，步行 (\d+) 米"
                         r"（约 (\d+) 分钟），现有 2；今天 14:00-18:00。", line)
    assert found, line
    assert abs(int(found.group(1)) - walk) <= 1
    assert int(found.group(2)) == max(1, round(walk / SPEED_M_PER_MIN))
    none = admin.get("/organise/redeem?card=JN00001&goods=laundry").get_data(as_text=True)
    assert "暂时没有站点有货" in none
    homeless = admin.get("/organise/redeem?card=JN00002&goods=tissue").get_data(as_text=True)
    assert 'data-testid="nearest-goods"' not in homeless  # no building: nowhere to walk from
