"""The grid members' roster (natural order, phones, filters, audited edits) and visits (走访).

On the tiny community (see test_grid_community) with its invented roster; the clock is pinned
to 2026-11-27 (北京时间), visits are due every 7 days for 独居老人 and every 30 days per building.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from support.accounts import add_accounts, csrf_token_of, login
from support.apps import make_grid_app
from support.grid_community import SIZES

from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.audit import entries
from geo_app.store.models import Household, Resident
from geo_app.store.people import natural_key
from geo_app.store.roster import RosterError, check_phone
from geo_app.store.sample import facts_from_layer, seed_people

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_grid_app(tmp_path_factory.mktemp("roster"), CLOCK=lambda: NOW)
    add_accounts(app)
    with app.app_context(), get_store().write() as db:
        seed_people(db, facts_from_layer(get_community().buildings), actor="test")
    return app


@pytest.fixture(scope="module")
def clients(app):
    made = {}
    for username in ("admin", "leader1", "leader2", "member1", "rep1", "steward1"):
        client = app.test_client()
        assert login(client, username).status_code == 302
        grid = "JN-02" if username == "leader2" else "JN-01"
        client.token = csrf_token_of(client, f"/grid/{grid}")
        made[username] = client
    return made


def _post(client, url, **data):
    return client.post(url, data={"csrf_token": client.token, **data}, follow_redirects=True)


def _households(app, building_id):
    with app.app_context(), get_store().read() as db:
        return list(db.scalars(select(Household).where(Household.building_id == building_id)))


def test_natural_key_orders_rooms_as_numbers():
    rooms = ["1001", "101", "102", "1102", "201", "10-101", "2-301", "B2", "B10"]
    # digits compare as numbers, run by run: 2(-301) < 10(-101) < 101 < … < 1102; letters last
    assert sorted(rooms, key=natural_key) == [
        "2-301", "10-101", "101", "102", "201", "1001", "1102", "B2", "B10"]


def test_rooms_are_listed_in_natural_order(app, clients):
    # FG-3: 11 floors, one unit, 22 households → rooms 101, 102, 201, … 1101, 1102
    html = clients["leader1"].get("/grid/buildings/FG-3").get_data(as_text=True)
    rooms = re.findall(r'data-label="房号">1 单元 (\d+)</td>', html)
    assert len(rooms) == SIZES["FG-3"][2]
    assert rooms == sorted(rooms, key=int)
    assert rooms[:3] == ["101", "102", "201"] and rooms[-2:] == ["1101", "1102"]


def test_phones_are_shown_only_to_those_who_may_see_the_building(app, clients):
    with app.app_context(), get_store().read() as db:
        phones = {
            b: [p for (p,) in db.execute(
                select(Resident.phone).join(Household).where(Household.building_id == b,
                                                             Resident.phone.is_not(None)))]
            for b in ("FG-1", "FG-2")
        }
    assert all(re.fullmatch(r"100\d{8}", p) for p in phones["FG-1"])  # invented, unallocated
    member_page = clients["member1"].get("/grid/buildings/FG-1").get_data(as_text=True)
    assert phones["FG-1"][0] in member_page
    refused = clients["member1"].get("/grid/buildings/FG-2")
    assert refused.status_code == 404
    assert not [p for p in phones["FG-2"] if p in refused.get_data(as_text=True)]
    roster = clients["member1"].get("/grid/JN-01/roster").get_data(as_text=True)
    assert phones["FG-1"][0] in roster and not [p for p in phones["FG-2"] if p in roster]
    assert clients["leader2"].get("/grid/JN-01/roster").status_code == 403


def test_filter_by_care_tag_and_search_by_name_room_and_phone(app, clients):
    households = _households(app, "FG-1")
    with app.app_context(), get_store().write() as db:  # tag two households by hand
        for household_id in (households[0].id, households[5].id):
            db.get(Household, household_id).tags = ["独居老人"]
    client = clients["leader1"]
    page = client.get("/grid/JN-01/roster?tag=独居老人").get_data(as_text=True)
    listed = set(re.findall(r'<tr data-household-id="([^"]+)"', page))
    with app.app_context(), get_store().read() as db:
        expected = {h.id for h in db.scalars(select(Household))
                    if "独居老人" in (h.tags or []) and h.building_id.startswith("FG")}
    assert listed == expected and {households[0].id, households[5].id} <= listed
    target = households[5]
    with app.app_context(), get_store().read() as db:
        person = db.scalars(select(Resident).where(Resident.household_id == target.id,
                                                   Resident.phone.is_not(None))).first()
    by_name = client.get(f"/grid/buildings/FG-1?q={person.name}").get_data(as_text=True)
    assert f'data-household-id="{target.id}"' in by_name
    by_phone = client.get(f"/grid/buildings/FG-1?q={person.phone[-6:]}").get_data(as_text=True)
    assert re.findall(r'<tr data-household-id="([^"]+)"', by_phone) == [target.id]
    by_room = client.get(f"/grid/buildings/FG-1?q={target.unit}-{target.room}")
    assert target.id in re.findall(r'<tr data-household-id="([^"]+)"',
                                   by_room.get_data(as_text=True))


def _audit(app, n=10):
    with app.app_context(), get_store().read() as db:
        return [(e.actor, e.action, e.target, e.before, e.after) for e in entries(db, limit=n)]


def test_roster_edits_are_audited_with_before_and_after(app, clients):
    leader = clients["leader1"]
    html = _post(leader, "/grid/buildings/FG-1/households", unit="2", room="701",
                 tags="独居老人").get_data(as_text=True)
    assert "已登记 2 单元 701 室" in html
    actor, action, target, before, after = _audit(app)[0]
    household_id = target.removeprefix("household:")
    assert (actor, action, before) == ("leader1", "household.add", None)
    assert after == {"building_id": "FG-1", "unit": 2, "room": "701", "tags": ["独居老人"],
                     "moved_out": False}
    base = f"/grid/buildings/FG-1/households/{household_id}"
    _post(leader, f"{base}/people", name="周桂英", gender="女", birth_year="1946",
          relation="户主", phone="13900000001")
    _, action, target, _, after = _audit(app)[0]
    assert action == "person.add" and after["phone"] == "13900000001"
    person_id = int(target.removeprefix("resident:"))
    log = clients["admin"].get("/admin/audit").get_data(as_text=True)
    assert f"登记居民 周**（住户 {household_id}）" in log and "周桂英" not in log
    _post(leader, f"/grid/buildings/FG-1/people/{person_id}", name="周桂英", gender="女",
          birth_year="1946", relation="户主", phone="13900000002")
    _, action, _, before, after = _audit(app)[0]
    assert action == "person.edit"
    assert (before["phone"], after["phone"]) == ("13900000001", "13900000002")
    _post(leader, base, unit="2", room="701", tags=["独居老人", "残疾人"])
    _, action, _, before, after = _audit(app)[0]
    assert (action, before["tags"], after["tags"]) == (
        "household.edit", ["独居老人"], ["独居老人", "残疾人"])
    bad = _post(leader, f"{base}/people", name="x", gender="男", birth_year="2090",
                relation="户主").get_data(as_text=True)
    assert "出生年份须在 1900–2026 之间" in bad
    assert _audit(app)[0][1] == "household.edit"  # nothing written
    _post(leader, f"{base}/move-out")
    _, action, _, before, after = _audit(app)[0]
    assert action == "household.move_out" and after["moved_out"] and not before["moved_out"]
    page = leader.get("/grid/buildings/FG-1").get_data(as_text=True)
    assert household_id not in page
    # the room is free again: a new household may move in
    assert "已登记" in _post(leader, "/grid/buildings/FG-1/households", unit="2",
                             room="701").get_data(as_text=True)


def test_roster_edits_outside_the_assignment_are_refused(app, clients):
    household = _households(app, "FG-2")[0]
    before = _audit(app)
    url = f"/grid/buildings/FG-2/households/{household.id}"
    # 业主代表 rep1 looks after FG-2 but does not edit the roster
    assert clients["rep1"].post(url, data={"csrf_token": clients["rep1"].token, "unit": "1",
                                           "room": "999"}).status_code == 403
    # 楼栋党员 member1 looks after FG-1 only
    assert clients["member1"].post(url, data={"csrf_token": clients["member1"].token,
                                              "unit": "1", "room": "999"}).status_code == 404
    # the other grid's leader
    assert clients["leader2"].post(f"{url}/move-out", data={
        "csrf_token": clients["leader2"].token}).status_code == 404
    # a household id of another building, through a building the caller may edit
    other = clients["member1"].post(
        f"/grid/buildings/FG-1/households/{household.id}/move-out",
        data={"csrf_token": clients["member1"].token})
    assert other.status_code == 404
    assert _audit(app) == before


def test_visits_recorded_and_overdue_from_the_pinned_clock(app, clients):
    fg1, fg2 = _households(app, "FG-1"), _households(app, "FG-2")
    with app.app_context(), get_store().write() as db:
        for h in (fg1[1], fg1[2], fg2[3]):
            db.get(Household, h.id).tags = ["独居老人"]
    member = clients["member1"]
    leader = clients["leader1"]

    def visit(client, building, household, day, **extra):
        return _post(client, f"/grid/buildings/{building}/households/{household.id}/visits",
                     visited_on=day, kind="入户走访", note="身体不错", **extra)

    # 独居老人 every 7 days: 11-20 is 7 days before 11-27 (in time), 11-19 is 8 (overdue)
    assert "已登记走访" in visit(member, "FG-1", fg1[1], "2026-11-20").get_data(as_text=True)
    visit(member, "FG-1", fg1[2], "2026-11-19", follow_up="on")
    # buildings every 30 days: FG-2 visited 10-28 (30 days, in time); FG-3 never
    visit(leader, "FG-2", fg2[3], "2026-10-28")
    future = visit(member, "FG-1", fg1[1], "2026-11-28").get_data(as_text=True)
    assert "晚于今天 2026-11-27" in future
    page = leader.get("/grid/JN-01/visits").get_data(as_text=True)
    overdue = re.findall(r'<tr data-household-id="([^"]+)">',
                         page[page.index('data-testid="overdue-visits"'):])
    # never visited first, then the longest overdue: 30 days (fg2[3]) before 8 days (fg1[2])
    assert overdue[-2:] == [fg2[3].id, fg1[2].id]
    assert fg1[1].id not in overdue
    assert "从未走访" in page and "30 天前" in page and "8 天前" in page
    stale = re.findall(r'<li data-building-id="([^"]+)">', page)
    assert stale == ["FG-3"]
    mine = member.get("/grid/JN-01/visits?mine=1").get_data(as_text=True)
    assert mine.count("身体不错") == 2
    assert "身体不错" not in clients["leader2"].get("/grid/JN-02/visits").get_data(as_text=True)
    # the grid map marks the building never visited
    grid = leader.get("/grid/JN-01").get_data(as_text=True)
    assert json.dumps("尚无走访记录")[1:-1] in grid  # in the map's popup data
    assert "1 栋楼超过 30 天没有走访记录" in grid
    # 31 days on, FG-1 and FG-2 are stale too
    app.config["CLOCK"] = lambda: datetime(2026, 12, 21, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    try:
        later = app.test_client()  # 24 days on, yesterday's session has long expired
        assert login(later, "leader1").status_code == 302
        page = later.get("/grid/JN-01/visits").get_data(as_text=True)
        assert re.findall(r'<li data-building-id="([^"]+)">', page) == ["FG-1", "FG-2", "FG-3"]
    finally:
        app.config["CLOCK"] = lambda: NOW
        for username, client in clients.items():  # the login at 12-21 swept their sessions
            assert login(client, username).status_code == 302
            grid = "JN-02" if username == "leader2" else "JN-01"
            client.token = csrf_token_of(client, f"/grid/{grid}")


def test_owner_reps_record_visits_but_do_not_see_edit_forms(app, clients):
    rep = clients["rep1"]
    household = _households(app, "FG-2")[0]
    page = rep.get(f"/grid/buildings/FG-2/households/{household.id}").get_data(as_text=True)
    assert 'data-testid="visit-form"' in page and 'data-testid="household-form"' not in page
    assert "已登记走访" in _post(
        rep, f"/grid/buildings/FG-2/households/{household.id}/visits",
        visited_on="2026-11-27", kind="电话回访").get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("１３９ ０００ ０００ ０１", "13900000001"),  # a phone's full-width input method
     ("（0551）１２３４５６７８", "055112345678"), ("0551－12345678", "0551-12345678")],
)
def test_a_phone_typed_in_full_width_is_read_as_digits(typed, kept):
    """Loans and volunteers read full-width digits; a household's phone was still refused."""
    assert check_phone(typed) == kept


def test_a_phone_given_as_a_json_number_is_refused_not_a_500():
    with pytest.raises(RosterError, match="格式不对") as caught:
        check_phone(1390000000, parameter="phone")  # ten digits: one short
    assert caught.value.parameter == "phone"
