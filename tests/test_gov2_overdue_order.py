"""超期未反馈 lists the views the longest past their due time first, not the newest first: a
view of a category with a short due time can be more overdue than an older view."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from support.accounts import logged_in
from support.governance import MOMENT, governance_app, make_view

from geo_app.governance.views import Step


@pytest.fixture()
def app(tmp_path):
    return governance_app(tmp_path)  # the clock pinned at MOMENT


def _made(app, category: str, days_ago: float, steps: tuple[Step, ...] = ()) -> int:
    return make_view(app, category=category, at=MOMENT - timedelta(days=days_ago),
                     steps=steps)[0]


def test_the_most_overdue_view_comes_first(app):
    # 环境卫生 is due 72 h after it is sent, 绿化 120 h (the settings' due_hours);
    # how overdue each is at MOMENT, worked out by hand:
    oldest = _made(app, "greening", 12)  # due 7 days ago
    most = _made(app, "environment", 11)  # due 8 days ago: the most overdue
    two = _made(app, "greening", 7)  # due 2 days ago
    one = _made(app, "environment", 4)  # due 1 day ago
    _made(app, "environment", 1)  # due in 2 days: not overdue
    _made(app, "environment", 20, steps=(  # answered: no longer waits for feedback
        Step("published"), Step("accepted"), Step("assigned", assignee="物业"),
        Step("in_progress"), Step("answered", note="已处理")))
    leader = logged_in(app, "leader1")
    expected = [most, oldest, two, one]

    page = leader.get("/staff/views").get_data(as_text=True)
    block = re.search(r'<ul data-testid="overdue">(.*?)</ul>', page, re.S)
    assert block is not None
    assert [int(i) for i in re.findall(r">#(\d+) ", block.group(1))] == expected

    only = leader.get("/staff/views?overdue=1").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'data-view-id="(\d+)"', only)] == expected
    assert "共 4 条，超期最久的在前" in only
    # the full list stays newest first
    everything = leader.get("/staff/views").get_data(as_text=True)
    listed = [int(i) for i in re.findall(r'data-view-id="(\d+)"', everything)]
    assert len(listed) == 6 and listed[1:5] == [one, two, most, oldest]
