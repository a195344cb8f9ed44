"""QA pass 3 as a resident on a phone (360×740, 375×667): what a finger taps and what it reads.

The 反映问题 form and the 查进度 lookup had 33–35 px fields and a 33 px 查询 button; the
points page cut its empty record's one sentence at the right edge (a nowrap cell in a box that
scrolls sideways), so a new volunteer never read how points are earned.
"""

from __future__ import annotations

import pytest
from support.browser import served, small_controls
from support.governance import IN_JN01, governance_app, make_view

from geo_app.governance.views import Step
from geo_app.store import get_store
from geo_app.volunteering.registry import register_volunteer, set_pin

PHONES = [(360, 740), (375, 667)]
TIMEOUT_MS = 10_000
PIN = "246810"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The tiny community with one published view at IN_JN01 (so 是不是这个？ offers a +1) and
    volunteer JN00001 (PIN 246810, no points yet), served on loopback."""
    app = governance_app(tmp_path_factory.mktemp("qa_res3_phone"))
    make_view(app, steps=(Step("published"),))
    with app.app_context(), get_store().write() as db:
        volunteer = register_volunteer(db, name="赵一鸣", phone="13900000001", building_id="FG-1",
                                       known_buildings={"FG-1"}, actor="test")
        set_pin(db, volunteer, PIN, actor="test")
    with served(app) as url:
        yield url


@pytest.fixture
def phone(browser, request):
    """A fresh page of the given (width, height)."""
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("phone", PHONES, indirect=True)
def test_every_control_of_the_view_form_is_a_finger_high(phone, base):
    page = phone
    page.goto(f"{base}/views/new?lon={IN_JN01[0]}&lat={IN_JN01[1]}&category=environment")
    page.locator("[data-testid=support]").first.wait_for(timeout=TIMEOUT_MS)  # +1 offered
    page.fill("[data-testid=building-search]", "风格城市")
    page.locator("[data-testid=building-results] button").first.wait_for(timeout=TIMEOUT_MS)
    # were: 搜索楼栋 34, 类别 33, 照片 35, 称呼 33, 电话 33 px
    assert small_controls(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.parametrize("phone", PHONES, indirect=True)
def test_the_lookup_field_and_its_button_are_a_finger_high(phone, base):
    page = phone
    page.goto(f"{base}/v")
    assert small_controls(page) == []  # were: 查询码 33, 查询 33 px


@pytest.mark.parametrize("phone", PHONES, indirect=True)
def test_an_empty_points_record_is_read_whole_on_a_phone(phone, base):
    page = phone
    page.goto(f"{base}/me")
    page.fill("input[name=card]", "JN00001")
    page.fill("input[name=pin]", PIN)
    page.click("button[type=submit]")
    empty = page.locator("[data-testid=no-entries]")
    empty.wait_for(timeout=TIMEOUT_MS)
    box = empty.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    record = page.locator("[data-testid=entries]").locator("xpath=..")
    # the sentence wraps instead of running past the box's right edge, cut off
    assert record.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert empty.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    assert small_controls(page) == []
