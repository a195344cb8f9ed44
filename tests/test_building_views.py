"""A 楼栋党员 or 业主代表 reads the public views of their own buildings on a page (they had only
/api/my/views; /staff/views is the grid staff's): read only, no contact, overdue marked, each
linking to its public status page. The clock is pinned at 2025-06-02 10:00 北京时间; an
环境卫生 view is due 72 hours after it is made (the categories' due_hours), so one made 10
days earlier and still only published is overdue."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from support.accounts import logged_in
from support.governance import (
    CONTACT_NAME,
    CONTACT_PHONE,
    IN_FG1,
    IN_JN02,
    MOMENT,
    governance_app,
    make_view,
)

from geo_app.governance.views import Step

PUBLISHED = (Step(to="published"),)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("building_views"))


@pytest.fixture(scope="module")
def views(app) -> dict[str, str]:
    """name → tracking code."""
    made = {
        "fg1_public": make_view(app, point=IN_FG1, building_id="FG-1", text="1栋楼道灯不亮",
                                steps=PUBLISHED),
        "fg1_old": make_view(app, point=IN_FG1, building_id="FG-1", text="1栋门口积水",
                             steps=PUBLISHED, at=MOMENT - timedelta(days=10)),
        "fg1_unpublished": make_view(app, point=IN_FG1, building_id="FG-1", text="未公开的意见"),
        "fg2_public": make_view(app, point=IN_FG1, building_id="FG-2", text="2栋电梯异响",
                                steps=PUBLISHED),
        "jn02_public": make_view(app, grid_id="JN-02", point=IN_JN02, building_id="HY-1",
                                 text="和园的意见", steps=PUBLISHED),
    }
    return {name: code for name, (_, code) in made.items()}


def test_a_building_member_reads_the_public_views_of_their_buildings(app, views):
    page = logged_in(app, "member1").get("/my/views")  # member1: FG-1 of JN-01
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    listed = re.findall(r'href="/v/([^"]+)"', html[html.index('data-testid="my-views"'):])
    assert listed == [views["fg1_public"], views["fg1_old"]]  # newest first
    assert "共 2 条" in html and "1 条超期未反馈" in html
    assert "未公开的意见" not in html and "2栋电梯异响" not in html and "和园的意见" not in html
    assert CONTACT_NAME not in html and CONTACT_PHONE not in html
    assert 'href="/my/views">本楼意见</a>' in html  # in the bar


def test_an_owner_representative_reads_theirs(app, views):
    html = logged_in(app, "rep1").get("/my/views").get_data(as_text=True)  # rep1: FG-2
    assert re.findall(r'href="/v/([^"]+)"', html) == [views["fg2_public"]]


@pytest.mark.parametrize(("user", "status"), [("leader1", 403), ("admin", 403), (None, 302)])
def test_the_page_is_the_building_roles_own(app, user, status):
    client = logged_in(app, user) if user else app.test_client()
    assert client.get("/my/views").status_code == status
