"""Grid QA 2, the roster forms on a phone: a 红色小管家 walking round the compound types a visit's
notes, a new member or a corrected room, and one field is refused. The page comes back (400)
with the reason above the same form, open and holding what was typed (it used to redirect to
an empty form: the notes of a visit gone). Visitors are named as people know them (display
name), not by their login.

The tiny community (tests/support/grid_community), its invented roster, the clock pinned to
2026-11-27 (北京时间); steward1 is the steward of JN-01, whose buildings are FG-1 … FG-3.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from support.accounts import PASSWORD, ensure_account, logged_in
from support.roster import roster_app

from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.models import Household, Resident, Visit

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
NOTE = "老人腿脚不便，药快吃完了，下周二送药上门；女儿在外地，电话已留。"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    made = roster_app(tmp_path_factory.mktemp("qa_grid2_forms"), CLOCK=lambda: NOW)
    with made.app_context(), get_store().write() as db:  # a steward known by her name
        ensure_account(db, get_community(), username="xiaoli", password=PASSWORD,
                       role="steward", grid_id="JN-01", display_name="李小红")
    return made


@pytest.fixture(scope="module")
def steward(app):
    client = logged_in(app, "xiaoli")
    html = client.get("/grid/buildings/FG-1").get_data(as_text=True)
    client.token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return client


def _household(app, building_id: str = "FG-1") -> Household:
    with app.app_context(), get_store().read() as db:
        return db.scalars(select(Household).where(Household.building_id == building_id)
                          .order_by(Household.id)).first()


def _count(app, model) -> int:
    with app.app_context(), get_store().read() as db:
        return db.scalar(select(func.count()).select_from(model))


def _post(client, url: str, **data):
    return client.post(url, data={"csrf_token": client.token, **data})


def test_a_refused_visit_keeps_its_notes(app, steward):
    """A visit dated tomorrow (a slip on the date wheel) sent the steward back to an empty form:
    the notes typed at the door were gone."""
    household = _household(app)
    before = _count(app, Visit)
    url = f"/grid/buildings/FG-1/households/{household.id}/visits"
    response = _post(steward, url, visited_on="2026-11-28", kind="电话回访", note=NOTE,
                     follow_up="on")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "走访日期 2026-11-28 晚于今天 2026-11-27" in page  # the reason, above the form
    form = page[page.index('data-testid="visit-form"'):page.index("</form>",
                                                                  page.index("visit-form"))]
    assert f">{NOTE}</textarea>" in form
    assert 'value="2026-11-28"' in form
    assert re.search(r'value="电话回访"\s+selected', form)
    assert re.search(r'name="follow_up"\s+checked', form)
    assert _count(app, Visit) == before  # nothing recorded

    # corrected, it is recorded, and its visitor is named as people know her
    response = _post(steward, url, visited_on="2026-11-27", kind="电话回访", note=NOTE)
    assert response.status_code == 302 and _count(app, Visit) == before + 1
    page = steward.get(response.headers["Location"]).get_data(as_text=True)
    history = page[page.index('data-testid="visit-history"'):]
    assert "李小红" in history and "xiaoli" not in history
    visits = steward.get("/grid/JN-01/visits").get_data(as_text=True)
    assert '<td data-label="走访人">李小红</td>' in visits and "xiaoli" not in visits


def test_a_refused_room_keeps_what_was_typed(app, steward):
    """A room typed wrong came back as the old room, and the tags just ticked unticked."""
    household = _household(app, "FG-2")
    url = f"/grid/buildings/FG-2/households/{household.id}"
    response = _post(steward, url, unit="1", room="12 03", tags="残疾人")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "未保存：房号 “12 03” 格式不对" in page
    form = page[page.index('data-testid="household-form"'):]
    form = form[:form.index("</form>")]
    assert 'value="12 03"' in form
    assert re.search(r'value="残疾人"\s+checked', form)
    assert re.search(r'<details class="card-form"\s+open><summary>修改房号', page)
    assert _household(app, "FG-2").room == household.room  # unchanged


def test_a_refused_new_member_keeps_the_fields(app, steward):
    """A phone number one digit short sent back an empty 添加成员 form, closed."""
    household = _household(app, "FG-3")
    before = _count(app, Resident)
    response = _post(steward, f"/grid/buildings/FG-3/households/{household.id}/people",
                     name="欧阳秀英", gender="女", birth_year="1941", relation="父母",
                     phone="1380013800", party_member="on")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "未添加" in page and "1380013800" in page
    adding = page[page.index("<summary>添加成员</summary>") - 60:]
    adding = adding[:adding.index("</form>")]
    assert "open" in adding.split("<summary>")[0]
    assert 'value="欧阳秀英"' in adding and 'value="1941"' in adding
    assert 'value="1380013800"' in adding
    assert re.search(r"<option selected>父母</option>", adding)
    assert re.search(r'name="party_member"\s+checked', adding)
    assert _count(app, Resident) == before


def test_a_refused_edit_of_a_member_keeps_it_and_opens_that_member(app, steward):
    household = _household(app, "FG-3")
    with app.app_context(), get_store().read() as db:
        person = db.scalars(select(Resident).where(Resident.household_id == household.id)
                            ).first()
        name = person.name
    response = _post(steward, f"/grid/buildings/FG-3/people/{person.id}", name=name,
                     gender=person.gender, birth_year="1850", relation=person.relation,
                     phone="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    block = page[page.index(f'data-person-id="{person.id}"'):]
    block = block[:block.index("</form>")]
    assert re.search(r"<details\s+open><summary>修改", block)
    assert 'value="1850"' in block


def test_a_refused_new_household_keeps_the_room(app, steward):
    before = _count(app, Household)
    response = _post(steward, "/grid/buildings/FG-1/households", unit="1", room="一二〇三",
                     tags="独居老人")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "未登记" in page
    form = page[page.index("<summary>登记新住户</summary>") - 60:]
    form = form[:form.index("</form>")]
    assert "open" in form.split("<summary>")[0]
    assert 'value="一二〇三"' in form and re.search(r'value="独居老人"\s+checked', form)
    assert _count(app, Household) == before
