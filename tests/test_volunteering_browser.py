"""In Chromium on a 375×667 phone: a 红色小管家 publishes a talk at a 小区 square, two volunteers
sign up, one is checked in by card, hours are confirmed (points credited), the volunteer
redeems a bottle of 洗洁精 at the station, and the report counts it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from support.accounts import ensure_account

from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.volunteering.goods import add_goods, move_goods
from geo_app.volunteering.models import Goods, Volunteer
from geo_app.volunteering.registry import register_volunteer, set_pin

TZ = ZoneInfo("Asia/Shanghai")
GRID = "340121400001-01"  # 风格城市, where the station PS-01 is
STEWARD, PASSWORD = "browser_steward", "browser-test-secret-7"
PIN = "135790"
VOLUNTEERS = {"孙晓梅": "13700000011", "周建国": "13700000012"}


@pytest.fixture(scope="module")
def cards(live_app) -> list[str]:
    """The steward's account, two volunteers with PINs (their cards), 洗洁精 at PS-01."""
    with live_app.app_context():
        layers = get_community()
        found = []
        with get_store().write() as db:
            ensure_account(db, layers, username=STEWARD, password=PASSWORD, role="steward",
                           grid_id=GRID, display_name="孙管家")
            for name, phone in VOLUNTEERS.items():
                volunteer = db.scalars(select(Volunteer).where(Volunteer.phone == phone)).first()
                if volunteer is None:
                    volunteer = register_volunteer(
                        db, name=name, phone=phone, building_id=None, known_buildings=(),
                        actor="test",
                    )
                set_pin(db, volunteer, PIN, actor="test")
                found.append(volunteer.card)
            if db.get(Goods, "dish_soap") is None:
                add_goods(db, goods_id="dish_soap", name="洗洁精", unit="瓶", points=20,
                          actor="test")
            move_goods(db, "PS-01", "dish_soap", kind="received", quantity=5, actor="test",
                       known_stations=set(layers.stations["id"]))
    return found


def _flash(page) -> str:
    return page.inner_text("[data-testid=flash]")


def test_a_talk_from_publishing_to_a_redeemed_bottle(live_server, offline_page, cards, tmp_path):
    staff = offline_page(width=375, height=667)
    page = staff.page
    page.goto(f"{live_server}/login?next=/organise/")
    page.fill("input[name=username]", STEWARD)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/organise/")
    starts = (datetime.now(TZ) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    form = "[data-testid=create-activity]"
    page.fill(f"{form} input[name=title]", "急救科普进小区")
    page.select_option(f"{form} select[name=kind]", "talk")
    page.select_option(f"{form} select[name=topic]", "急救科普")
    page.select_option(f"{form} select[name=place_kind]", "square")
    page.fill(f"{form} input[name=place_ref]", "风格城市广场议事角")
    page.fill(f"{form} input[name=starts_at]", starts)
    page.fill(f"{form} input[name=minutes]", "60")
    page.fill(f"{form} input[name=capacity]", "10")
    page.fill(f"{form} input[name=points_per_hour]", "15")
    page.fill(f"{form} input[name=points_per_attendance]", "5")
    page.click(f"{form} button[type=submit]")
    page.wait_for_url("**/organise/activities/*")
    assert _flash(page) == "已发布活动"
    activity_url = page.url.replace("/organise/activities/", "/activities/")
    page.screenshot(path=str(tmp_path / "1-published.png"), full_page=True)

    resident = offline_page(width=375, height=667)
    for card in cards:  # two volunteers sign up on their phones
        resident.page.goto(activity_url)
        resident.page.fill("[data-testid=signup-form] input[name=card]", card)
        resident.page.fill("[data-testid=signup-form] input[name=pin]", PIN)
        resident.page.click("[data-testid=signup-form] button[type=submit]:not(.secondary)")
        assert _flash(resident.page) == "已报名，届时请到现场签到"
    assert "已报名 2/10" in resident.page.inner_text("[data-testid=places]")
    resident.page.screenshot(path=str(tmp_path / "2-signed-up.png"), full_page=True)

    page.reload()
    page.fill("[data-testid=scan-form] input[name=card]", cards[0])
    page.click("[data-testid=scan-form] button")
    assert _flash(page).endswith("签到成功")
    page.fill("[data-testid=scan-form] input[name=card]", cards[0])
    page.click("[data-testid=scan-form] button")
    assert "已签到过" in _flash(page)
    page.click("[data-testid=hours-form] button[type=submit]")  # 60 minutes, prefilled
    assert _flash(page) == "已确认 1 人的时长，计入积分 20 分"  # 5 + 15 × 60 / 60
    page.screenshot(path=str(tmp_path / "3-hours.png"), full_page=True)

    month = datetime.now(TZ)
    report = f"{live_server}/organise/report.json?year={month.year}&month={month.month}"
    before = page.request.get(report).json()
    page.goto(f"{live_server}/organise/redeem")
    page.select_option("[data-testid=redeem-form] select[name=station]", "PS-01")
    page.fill("[data-testid=redeem-form] input[name=card]", cards[0])
    page.select_option("[data-testid=redeem-form] select[name=goods]", "dish_soap")
    page.click("[data-testid=redeem-form] button[type=submit]")
    assert _flash(page).startswith("已兑换，扣 20 分，余额 0 分")
    after = page.request.get(report).json()
    assert after["exchanges"] == before["exchanges"] + 1
    assert after["goods_given"]["洗洁精"] == before["goods_given"].get("洗洁精", 0) + 1
    page.goto(f"{live_server}/organise/report?year={month.year}&month={month.month}")
    assert "洗洁精" in page.inner_text("[data-testid=exchanges]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1  # no sideways scroll
    page.screenshot(path=str(tmp_path / "4-report.png"), full_page=True)
    assert staff.blocked == [] and resident.blocked == []
    assert staff.errors == [] and resident.errors == []
