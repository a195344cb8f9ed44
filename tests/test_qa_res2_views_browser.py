"""Second QA pass, in Chromium on a 360×640 Android phone: a resident rates the answer to their
view on ``/v/<code>``. Each of the five choices says what it means and is a finger-sized
target (the bare radio buttons were 13 px circles labelled 1 … 5 with no scale)."""

from __future__ import annotations

from support.governance import make_view

from geo_app.governance.views import Step

GRID = "340121400001-01"  # 风格城市
INSIDE = (117.2535, 31.9615)
ANSWERED = (Step("published"), Step("accepted"), Step("assigned", assignee="物业"),
            Step("in_progress"), Step("answered", note="已更换路灯灯泡"))


def test_a_resident_rates_the_answer_with_big_labelled_choices(live_app, live_server, offline_page):
    _, code = make_view(live_app, grid_id=GRID, point=INSIDE, text="楼下路灯坏了三天了",
                        steps=ANSWERED)
    session = offline_page(360, 640)
    page = session.page
    page.goto(f"{live_server}/v/{code}")
    choices = page.locator("[data-testid=rating-choice]")
    assert choices.count() == 5
    texts = [t.strip() for t in choices.all_inner_texts()]
    assert texts == ["5 分 · 很满意", "4 分 · 满意", "3 分 · 一般", "2 分 · 不满意",
                     "1 分 · 很不满意"]
    for index in range(5):
        box = choices.nth(index).bounding_box()
        assert box is not None and box["height"] >= 40 and box["width"] >= 40, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    # a tap on the words (not on the small circle) chooses
    choices.nth(1).click(position={"x": 120, "y": 10})
    assert page.is_checked("input[name=rating][value='4']")
    with page.expect_navigation():
        page.click("[data-testid=rate]")
    assert "感谢您的评价" in page.inner_text("main")
    assert page.text_content("[data-testid=satisfaction]").strip() == "您的评价：4 分"
    assert session.errors == []
