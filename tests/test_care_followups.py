"""Care follow-ups (关爱户走访跟进): a visit that ticks 需要跟进 stays open until a 已跟进 note or a
later visit that resolves it closes it; the list of open follow-ups, their counts, their scope.

The tiny community (JN-01: FG-1, FG-2, FG-3; JN-02: HY-1, HY-2) with its invented roster. The
clock is pinned to 2026-11-27 07:30 北京时间, which is still 2026-11-26 in UTC: days open are
counted from the community's date, so every figure below would be one less on UTC's.

The visits every test starts from (``SCENARIO``), and what is open after them, by hand:

====  ============  ==========  ===========  ================================  ==========
who   household     visited on  需要跟进      note                              open after
====  ============  ==========  ===========  ================================  ==========
1     A (FG-1)      2026-11-01  yes          楼道灯坏了                          26 days
2     A (FG-1)      2026-11-10  no           一切正常                            —
3     B (FG-1)      2026-11-20  yes          想申请助餐                          7 days
4     C (FG-2)      2026-10-28  yes          水管漏水                            30 days
5     C (FG-2)      2026-11-05  yes          需要办理残疾证                       closed by 6
6     C (FG-2)      2026-11-25  resolves 5   已陪同到街道办好残疾证                —
7     D (HY-1)      2026-11-02  yes          和园跟进事项                         25 days
====  ============  ==========  ===========  ================================  ==========

JN-01's open follow-ups, oldest first: C 10-28 (30), A 11-01 (26), B 11-20 (7); JN-02's: D (25).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from support.accounts import csrf_token_of, logged_in
from support.roster import roster_app

from geo_app.store import audit as audit_module
from geo_app.store import get_store
from geo_app.store.errors import StoreError
from geo_app.store.models import AuditEntry, FollowUpClosure, Household, Visit
from geo_app.store.visits import record_visit

NOW = datetime(2026, 11, 27, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
ROWS = 2
KINDS = ["入户走访", "电话回访", "楼道巡查", "座谈"]
#: (visitor, household key, building, day, follow-up, note, resolves: scenario rows)
SCENARIO = [
    ("leader1", "A", "FG-1", "2026-11-01", True, "楼道灯坏了", ()),
    ("leader1", "A", "FG-1", "2026-11-10", False, "一切正常", ()),
    ("member1", "B", "FG-1", "2026-11-20", True, "想申请助餐", ()),
    ("rep1", "C", "FG-2", "2026-10-28", True, "水管漏水", ()),
    ("steward1", "C", "FG-2", "2026-11-05", True, "需要办理残疾证", ()),
    ("steward1", "C", "FG-2", "2026-11-25", False, "已陪同到街道办好残疾证", (5,)),
    ("member2", "D", "HY-1", "2026-11-02", True, "和园跟进事项", ()),
]


class Site:
    """The app, its households A–D, the scenario's visit ids (1-based) and logged-in clients."""

    def __init__(self, app, households: dict[str, str], visits: dict[int, int]) -> None:
        self.app, self.households, self.visits = app, households, visits
        self._clients: dict[str, object] = {}

    def client(self, username: str):
        if username not in self._clients:
            client = logged_in(self.app, username)
            grid = "JN-02" if username in ("leader2", "member2") else "JN-01"
            client.token = csrf_token_of(client, f"/grid/{grid}")
            self._clients[username] = client
        return self._clients[username]

    def post(self, username: str, url: str, **data):
        client = self.client(username)
        return client.post(url, data={"csrf_token": client.token, **data})

    def household_url(self, key: str) -> str:
        building = {"A": "FG-1", "B": "FG-1", "C": "FG-2", "D": "HY-1"}[key]
        return f"/grid/buildings/{building}/households/{self.households[key]}"

    def close_url(self, row: int, building: str | None = None) -> str:
        building = building or SCENARIO[row - 1][2]
        return f"/grid/buildings/{building}/visits/{self.visits[row]}/follow-up"

    def counts(self) -> tuple[int, int, int]:
        """(visits, closures, audit entries) in the store."""
        with self.app.app_context(), get_store().read() as db:
            return tuple(db.scalar(select(func.count()).select_from(t))
                         for t in (Visit, FollowUpClosure, AuditEntry))


@pytest.fixture
def site(tmp_path) -> Site:
    app = roster_app(tmp_path, CLOCK=lambda: NOW, ROSTER_PAGE_ROWS=ROWS)
    with app.app_context(), get_store().read() as db:
        first = {b: db.scalars(select(Household.id).where(Household.building_id == b)
                               .order_by(Household.id)).all() for b in ("FG-1", "FG-2", "HY-1")}
    households = {"A": first["FG-1"][0], "B": first["FG-1"][1], "C": first["FG-2"][0],
                  "D": first["HY-1"][0]}
    made = Site(app, households, {})
    for number, (who, key, _, day, follow, note, resolves) in enumerate(SCENARIO, start=1):
        data = {"visited_on": day, "kind": "入户走访", "note": note}
        if follow:
            data["follow_up"] = "on"
        if resolves:
            data["resolves"] = [str(made.visits[r]) for r in resolves]
        answer = made.post(who, f"{made.household_url(key)}/visits", **data)
        assert answer.status_code == 302, answer.get_data(as_text=True)[-600:]
        with app.app_context(), get_store().read() as db:
            made.visits[number] = db.scalar(select(func.max(Visit.id)))
    return made


ROW = re.compile(r'<tr data-visit-id="(\d+)" data-household-id="[^"]+">\s*'
                 r'<td data-label="已过" class="late" data-testid="days-open">(\d+) 天')


def _listed(site: Site, username: str, grid: str, page: int = 1) -> list[tuple[int, int]]:
    """(visit id, days open) of the rows of one page of a grid's open follow-ups."""
    answer = site.client(username).get(f"/grid/{grid}/follow-ups?page={page}")
    assert answer.status_code == 200
    return [(int(v), int(d)) for v, d in ROW.findall(answer.get_data(as_text=True))]


def _open(site: Site, username: str, grid: str) -> list[tuple[int, int]]:
    """Every page of the list, in order: (scenario row, days open)."""
    row_of = {visit: row for row, visit in site.visits.items()}
    html = site.client(username).get(f"/grid/{grid}/follow-ups").get_data(as_text=True)
    pages = int(m.group(1)) if (m := re.search(r"第 1 / (\d+) 页", html)) else 1
    listed = [r for n in range(1, pages + 1) for r in _listed(site, username, grid, n)]
    return [(row_of[v], days) for v, days in listed]


def test_open_follow_ups_oldest_first_with_days_open_by_the_beijing_date(site):
    # C 10-28: 3 + 27 = 30 days; A 11-01: 26; B 11-20: 7 (UTC's 11-26 would give 29, 25, 6)
    assert _open(site, "leader1", "JN-01") == [(4, 30), (1, 26), (3, 7)]
    assert _open(site, "steward1", "JN-01") == [(4, 30), (1, 26), (3, 7)]
    assert _open(site, "admin", "JN-01") == [(4, 30), (1, 26), (3, 7)]
    assert _open(site, "member1", "JN-01") == [(1, 26), (3, 7)]  # FG-1 only
    assert _open(site, "rep1", "JN-01") == [(4, 30)]  # FG-2 only
    assert _open(site, "leader2", "JN-02") == [(7, 25)]
    page = site.client("leader1").get("/grid/JN-01/follow-ups").get_data(as_text=True)
    assert "共 3 件" in page and "第 1 / 2 页" in page and "第 1–2 件" in page
    assert "楼道灯坏了" in page and "水管漏水" in page and "和园跟进事项" not in page
    assert "需要办理残疾证" not in page  # closed by the visit of 11-25


def test_counts_on_the_grid_page_and_the_visits_page(site):
    leader = site.client("leader1")
    grid = leader.get("/grid/JN-01").get_data(as_text=True)
    assert re.search(r'data-testid="follow-ups-link">待跟进 3</a>', grid)
    assert "待跟进 3 件" in leader.get("/grid/JN-01/visits").get_data(as_text=True)
    member = site.client("member1").get("/grid/JN-01").get_data(as_text=True)
    assert re.search(r'data-testid="follow-ups-link">待跟进 2</a>', member)


def test_the_pages_show_each_open_follow_up_once(site):
    first, second = (_listed(site, "leader1", "JN-01", n) for n in (1, 2))
    assert len(first) == ROWS and len(second) == 1
    ids = [v for v, _ in first + second]
    assert sorted(ids) == sorted(site.visits[r] for r in (4, 1, 3)) and len(set(ids)) == 3
    assert _listed(site, "leader1", "JN-01", 9) == second  # past the last page: the last
    refused = site.client("leader1").get("/grid/JN-01/follow-ups?page=abc")
    assert refused.status_code == 400 and "page 应为从 1 起的页码" in refused.get_data(as_text=True)


def test_a_follow_up_closed_by_note_keeps_the_visit_and_is_audited(site):
    before = site.counts()
    answer = site.post("member1", site.close_url(3), closed_on="2026-11-26",
                       note="已报名社区助餐，每天送到家")
    assert answer.status_code == 302
    assert site.counts() == (before[0], before[1] + 1, before[2] + 1)
    assert _open(site, "leader1", "JN-01") == [(4, 30), (1, 26)]
    with site.app.app_context(), get_store().read() as db:
        visit = db.get(Visit, site.visits[3])
        assert (visit.follow_up, visit.note, visit.visited_on) == (
            True, "想申请助餐", date(2026, 11, 20))  # the visit as it was recorded
        closure = db.scalars(select(FollowUpClosure)
                             .where(FollowUpClosure.visit_id == visit.id)).one()
        assert (closure.closed_on, closure.closed_by, closure.note, closure.closing_visit_id) == (
            date(2026, 11, 26), "member1", "已报名社区助餐，每天送到家", None)
        entry = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.actor, entry.action, entry.target) == (
        "member1", "visit.follow_up_close", f"visit:{site.visits[3]}")
    assert entry.after["visited_on"] == "2026-11-26" and entry.after["follow_up_of"] == "2026-11-20"
    page = site.client("leader1").get(site.household_url("B")).get_data(as_text=True)
    assert "待跟进（0）" in page
    history = page[page.index('data-testid="visit-history"'):]
    assert "想申请助餐" in history and "已跟进 2026-11-26" in history
    assert "已报名社区助餐，每天送到家" in history
    assert "登记于 2026-11-27 07:30" in history  # the pinned clock, in 北京时间
    sentence = site.client("admin").get("/admin/audit").get_data(as_text=True)
    assert "办结 风格城市 1栋 1 单元 102 室 2026-11-20 走访的跟进事项（2026-11-26）<" in sentence


def test_a_later_visit_resolves_the_follow_up_it_names(site):
    with site.app.app_context(), get_store().read() as db:
        closure = db.scalars(select(FollowUpClosure)
                             .where(FollowUpClosure.visit_id == site.visits[5])).one()
    assert (closure.closed_on, closure.closed_by, closure.closing_visit_id, closure.note) == (
        date(2026, 11, 25), "steward1", site.visits[6], "已陪同到街道办好残疾证")
    page = site.client("leader1").get(site.household_url("C")).get_data(as_text=True)
    assert "待跟进（1）" in page and "（走访时解决）" in page
    # A's 11-01 follow-up, resolved by a phone call today
    answer = site.post("leader1", f"{site.household_url('A')}/visits", visited_on="2026-11-27",
                       kind="电话回访", note="物业已换好楼道灯",
                       resolves=str(site.visits[1]))
    assert answer.status_code == 302
    assert _open(site, "leader1", "JN-01") == [(4, 30), (3, 7)]


def test_another_grids_follow_up_is_404_and_shows_nothing(site):
    before = site.counts()
    d = site.visits[7]
    for username, url in (
        ("leader1", site.close_url(7)),  # HY-1 is JN-02's
        ("leader1", site.close_url(7, building="FG-1")),  # JN-02's visit through FG-1
        ("member1", site.close_url(4)),  # FG-2 is not member1's building
        ("rep1", site.close_url(3)),  # nor FG-1 rep1's
        ("leader1", site.close_url(2)),  # a visit that asked for no follow-up
    ):
        answer = site.post(username, url, note="越权办结")
        assert answer.status_code == 404, (username, url)
        assert "和园跟进事项" not in answer.get_data(as_text=True)
    assert site.client("leader1").get("/grid/JN-02/follow-ups").status_code == 403
    # naming JN-02's follow-up as resolved by a visit in JN-01: refused, nothing of it shown
    refused = site.post("leader1", f"{site.household_url('A')}/visits", visited_on="2026-11-27",
                        kind="入户走访", note="顺便办了", resolves=str(d))
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and f"这户没有编号为 {d} 的跟进事项" in body
    assert "和园跟进事项" not in body
    assert site.counts() == before


def test_closing_twice_is_refused_in_chinese(site):
    assert site.post("leader1", site.close_url(1), note="已联系物业").status_code == 302
    before = site.counts()
    again = site.post("steward1", site.close_url(1), closed_on="2026-11-27", note="再办一次")
    body = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "2026-11-01 走访的跟进事项已于 2026-11-27 由 leader1 办结，不能再次办结" in body
    assert ">再办一次</textarea>" in body  # what was typed is kept
    # a visit naming it as resolved is refused the same way
    visit = site.post("steward1", f"{site.household_url('A')}/visits", visited_on="2026-11-27",
                      kind="入户走访", note="又去看了", resolves=str(site.visits[1]))
    assert visit.status_code == 400 and "不能再次办结" in visit.get_data(as_text=True)
    assert site.counts() == before


def test_refused_forms_write_nothing_and_keep_what_was_typed(site):
    before = site.counts()
    early = site.post("leader1", site.close_url(3), closed_on="2026-11-19", note="提前办好")
    body = early.get_data(as_text=True)
    assert early.status_code == 400
    assert "跟进日期 2026-11-19 早于要跟进的那次走访（2026-11-20）" in body
    assert ">提前办好</textarea>" in body and 'value="2026-11-19"' in body
    future = site.post("leader1", site.close_url(3), closed_on="2026-11-28", note="明天办")
    assert "跟进日期 2026-11-28 晚于今天 2026-11-27" in future.get_data(as_text=True)
    blank = site.post("leader1", site.close_url(3), note="  ")
    assert blank.status_code == 400 and "请写明做了什么" in blank.get_data(as_text=True)
    silent = site.post("leader1", f"{site.household_url('A')}/visits", visited_on="2026-11-26",
                       kind="电话回访", note="", resolves=str(site.visits[1]))
    body = silent.get_data(as_text=True)
    assert silent.status_code == 400 and "请在情况记录中写明如何解决的" in body
    assert 'value="2026-11-26"' in body and re.search(
        rf'name="resolves" value="{site.visits[1]}" checked', body)
    backwards = site.post("leader1", f"{site.household_url('A')}/visits",
                          visited_on="2026-10-30", kind="电话回访", note="已解决",
                          resolves=str(site.visits[1]))
    assert "早于要跟进的那次走访（2026-11-01），不能解决它" in backwards.get_data(as_text=True)
    assert site.counts() == before
    assert _open(site, "leader1", "JN-01") == [(4, 30), (1, 26), (3, 7)]


def test_a_failed_write_leaves_nothing_half_done(site, monkeypatch):
    """A visit resolving two follow-ups whose second closure fails to be audited: the visit,
    the first closure and their audit entries are all rolled back."""
    app = site.app
    with app.app_context(), get_store().write() as db:
        household = db.get(Household, site.households["A"])
        second = record_visit(db, household, visited_on=date(2026, 11, 15), kind="入户走访",
                              note="门锁坏了", follow_up=True, kinds=KINDS,
                              today=date(2026, 11, 27), visitor="leader1", at=NOW)
        second_id = second.id
    before = site.counts()
    real = audit_module.add_and_record
    calls: list[str] = []

    def failing(session, row, **kwargs):
        calls.append(kwargs["action"])
        if calls.count("visit.follow_up_close") == 2:  # the second closure
            raise RuntimeError("disk full")
        return real(session, row, **kwargs)

    monkeypatch.setattr(audit_module, "add_and_record", failing)
    with pytest.raises(RuntimeError), app.app_context(), get_store().write() as db:
        household = db.get(Household, site.households["A"])
        record_visit(db, household, visited_on=date(2026, 11, 27), kind="入户走访",
                     note="灯和锁都修好了", follow_up=False, kinds=KINDS,
                     today=date(2026, 11, 27), visitor="leader1", at=NOW,
                     resolves=[site.visits[1], second_id])
    assert calls == ["visit.record", "visit.follow_up_close", "visit.follow_up_close"]
    assert site.counts() == before
    with app.app_context(), get_store().read() as db:
        assert db.scalars(select(FollowUpClosure).where(
            FollowUpClosure.visit_id.in_([site.visits[1], second_id]))).all() == []


def test_a_follow_up_of_a_visit_without_one_is_not_found_in_the_store(site):
    with site.app.app_context(), pytest.raises(StoreError) as refused, \
            get_store().write() as db:
        household = db.get(Household, site.households["A"])
        record_visit(db, household, visited_on=date(2026, 11, 27), kind="入户走访",
                     note="x", follow_up=False, kinds=KINDS, today=date(2026, 11, 27),
                     visitor="leader1", at=NOW, resolves=[site.visits[2]])
    assert refused.value.status == 404 and refused.value.parameter == "resolves"


def test_migration_0009_adds_the_closures_and_undoes_cleanly(tmp_path):
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import IntegrityError
    from support.database import fresh_database_url

    from geo_app.store import Store
    from geo_app.store.migrate import current_revision, downgrade, upgrade

    store = Store(fresh_database_url(tmp_path))
    upgrade(store.engine, revision="0008")
    with store.write() as db:  # a visit asking for a follow-up, recorded before 0009
        db.execute(text("INSERT INTO households (id, building_id, unit, room, tags) "
                        "VALUES ('FG-1-1-101', 'FG-1', 1, '101', '[]')"))
        db.execute(text("INSERT INTO visits (household_id, building_id, visited_on, kind, note, "
                        "follow_up, visitor, recorded_at) VALUES ('FG-1-1-101', 'FG-1', "
                        ":day, '入户走访', '楼道灯坏了', :yes, 'leader1', :at)"),
                   {"day": date(2026, 11, 1), "yes": True, "at": NOW})
    upgrade(store.engine)
    assert current_revision(store.engine) == "0009"
    with store.write() as db:  # open after the upgrade, and closable
        visit = db.scalars(select(Visit)).one()
        assert db.scalars(select(FollowUpClosure)).all() == []
        db.add(FollowUpClosure(visit_id=visit.id, closed_on=date(2026, 11, 2), note="已修好",
                               closed_by="leader1", recorded_at=NOW))
    with pytest.raises(IntegrityError), store.write() as db:  # one closure a visit
        db.add(FollowUpClosure(visit_id=visit.id, closed_on=date(2026, 11, 3), note="再修",
                               closed_by="leader1", recorded_at=NOW))
    downgrade(store.engine, revision="0008")
    assert "follow_up_closures" not in inspect(store.engine).get_table_names()
    with store.read() as db:
        assert db.execute(text("SELECT note FROM visits")).scalars().all() == ["楼道灯坏了"]
    store.dispose()


# --- 已跟进 sent from the 待跟进 list: back to that page of the list -----------------------

def _page_rows(body: str) -> list[int]:
    return [int(v) for v, _ in ROW.findall(body)]


def test_a_refused_close_from_the_list_comes_back_to_that_page_of_the_list(site):
    before = site.counts()
    b = site.visits[3]  # B's 11-20 follow-up: alone on page 2 of JN-01's list (2 a page)
    blank = site.post("leader1", site.close_url(3), note="  ", next="/grid/JN-01/follow-ups?page=2")
    body = blank.get_data(as_text=True)
    assert blank.status_code == 400
    assert "<h1>待跟进" in body and "第 2 / 2 页" in body and _page_rows(body) == [b]
    reason = body.index("未办结：请写明做了什么（如：已联系物业修好楼道灯）")
    assert reason < body.index('data-testid="follow-up-table"')  # above the list
    assert f'<details class="card-form" open data-testid="close-follow-up-{b}">' in body
    # its page links lead to the list, not to the form's address
    assert '<a href="/grid/JN-01/follow-ups?page=1" rel="prev">上一页</a>' in body
    early = site.post("leader1", site.close_url(3), closed_on="2026-11-19", note="提前办好",
                      next="/grid/JN-01/follow-ups?page=2")
    body = early.get_data(as_text=True)
    assert early.status_code == 400 and _page_rows(body) == [b]
    assert "跟进日期 2026-11-19 早于要跟进的那次走访（2026-11-20）" in body
    assert ">提前办好</textarea>" in body and 'value="2026-11-19"' in body  # as typed
    first = site.post("leader1", site.close_url(1), note="", next="/grid/JN-01/follow-ups")
    body = first.get_data(as_text=True)
    assert first.status_code == 400 and "第 1 / 2 页" in body
    assert _page_rows(body) == [site.visits[4], site.visits[1]]
    assert site.counts() == before


def test_a_close_from_the_list_returns_to_the_same_page(site):
    done = site.post("leader1", site.close_url(3), note="已报名助餐",
                     next="/grid/JN-01/follow-ups?page=2")
    assert done.status_code == 303
    assert done.headers["Location"] == "/grid/JN-01/follow-ups?page=2"
    page = site.client("leader1").get(done.headers["Location"]).get_data(as_text=True)
    assert "已办结 2026-11-20 走访所记的跟进事项" in page  # (page 2 is gone: the last, page 1)
    done = site.post("leader1", site.close_url(1), note="已换好楼道灯",
                     next="/grid/JN-01/follow-ups")
    assert done.headers["Location"] == "/grid/JN-01/follow-ups"
    assert _open(site, "leader1", "JN-01") == [(4, 30)]


def test_a_close_closed_meanwhile_comes_back_to_the_list_with_the_reason(site):
    assert site.post("leader1", site.close_url(1), note="已联系物业").status_code == 302
    again = site.post("steward1", site.close_url(1), note="再办一次",
                      next="/grid/JN-01/follow-ups")
    body = again.get_data(as_text=True)
    assert again.status_code == 409 and "<h1>待跟进" in body
    assert "未办结：2026-11-01 走访的跟进事项已于 2026-11-27 由 leader1 办结，不能再次办结" in body
    assert _page_rows(body) == [site.visits[4], site.visits[3]]  # what is still open


@pytest.mark.parametrize("target", [
    "https://evil.example/grid/JN-01/follow-ups",
    "//evil.example/grid/JN-01/follow-ups",
    "/\\evil.example/grid/JN-01/follow-ups",
    "/\t/evil.example",
    "javascript:alert(1)",
    "/grid/JN-02/follow-ups",  # another grid's list
    "/grid/JN-01/visits",  # a page of the site, but not the list the form is on
    "/grid/JN-01/follow-ups/../../../admin",
])
def test_next_names_only_this_grids_list_else_the_household_page(site, target):
    refused = site.post("leader1", site.close_url(1), note=" ", next=target)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "未办结：请写明做了什么" in body
    assert 'data-testid="pending-follow-ups"' in body and "<h1>待跟进" not in body
    assert "evil" not in body
    done = site.post("leader1", site.close_url(1), note="已换好楼道灯", next=target)
    assert done.status_code == 302 and done.headers["Location"] == site.household_url("A")
