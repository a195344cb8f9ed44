"""``geo-app seed-sample`` gives every grid a few visits that asked for a follow-up (需要跟进),
most open and of different ages, one per grid done (by a 已跟进 note in JN-01, by a later
visit in JN-02), all recorded through the grid members' own store functions, so audited.

The tiny community (JN-01: FG-1, FG-2, FG-3; JN-02: HY-1, HY-2), its clock pinned: each grid
has 4 follow-up visits, 1 closed, so a grid leader's 待跟进 list shows 3, oldest first, each
open (today − visited on) days, and nothing of the other grid.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from support.accounts import logged_in
from support.governance import MOMENT, governance_app

from geo_app.cli import main
from geo_app.store import get_store
from geo_app.store.models import AuditEntry, FollowUpClosure, Visit
from geo_app.store.sample_follow_ups import AGES_DAYS, CASES, SAMPLE_VISITOR

GRIDS = {"JN-01": {"FG-1", "FG-2", "FG-3"}, "JN-02": {"HY-1", "HY-2"}}
ROW = re.compile(r'<tr data-visit-id="(\d+)" data-household-id="([^"]+)">\s*'
                 r'<td data-label="已过" class="late" data-testid="days-open">(\d+) 天')


def _seeded(tmp_path):
    app = governance_app(tmp_path, ROSTER_PAGE_ROWS=50)
    result = app.test_cli_runner().invoke(main, ["seed-sample"])
    assert result.exit_code == 0, result.output
    return app, result


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return _seeded(tmp_path_factory.mktemp("follow-ups"))


def _visits(app) -> list[tuple[str, str, str, bool, str]]:
    with app.app_context(), get_store().read() as db:
        return [(v.household_id, v.building_id, v.visited_on.isoformat(), v.follow_up, v.note)
                for v in db.scalars(select(Visit).order_by(Visit.id))]


def test_seed_sample_reports_the_follow_ups(sample):
    _, result = sample
    assert "已在 2 个网格生成 8 次需要跟进的示例走访（其中 2 件已办结）。" in result.stdout
    assert "[5/5] 生成各网格需要跟进的示例走访 …" in result.stderr


@pytest.mark.parametrize(("leader", "grid", "other"), [("leader1", "JN-01", "JN-02"),
                                                       ("leader2", "JN-02", "JN-01")])
def test_a_leader_sees_the_open_ones_of_the_grid_and_none_of_the_other(
    sample, leader, grid, other
):
    app, _ = sample
    today = MOMENT.date()
    with app.app_context(), get_store().read() as db:
        asked = {v.id: v for v in db.scalars(select(Visit).where(Visit.follow_up))}
        closed = {c.visit_id for c in db.scalars(select(FollowUpClosure))}
    mine = {i for i, v in asked.items() if v.building_id in GRIDS[grid]}
    theirs = {i for i, v in asked.items() if v.building_id in GRIDS[other]}
    assert len(mine) == len(theirs) == 4 and len(mine & closed) == 1
    page = logged_in(app, leader).get(f"/grid/{grid}/follow-ups").get_data(as_text=True)
    rows = [(int(v), h, int(d)) for v, h, d in ROW.findall(page)]
    assert {v for v, _, _ in rows} == mine - closed  # the 3 still open, nothing of the other
    assert "走访时标了“需要跟进”、尚未办结的事项共 3 件" in page
    for visit_id, household, days in rows:
        visit = asked[visit_id]
        assert household == visit.household_id
        assert days == (today - visit.visited_on).days and days in AGES_DAYS
        assert visit.note in {found for found, _ in CASES}
        assert visit.visitor == SAMPLE_VISITOR
    assert [d for _, _, d in rows] == sorted({d for _, _, d in rows}, reverse=True)  # distinct
    assert len({h for _, h, _ in rows}) == 3  # three households


def test_each_visit_and_closure_is_audited_and_both_ways_of_closing_appear(sample):
    app, _ = sample
    with app.app_context(), get_store().read() as db:
        visits = list(db.scalars(select(Visit)))
        closures = list(db.scalars(select(FollowUpClosure)))
        entries = list(db.scalars(select(AuditEntry).where(AuditEntry.action.like("visit.%"))))
    assert sorted(e.target for e in entries if e.action == "visit.record") == sorted(
        f"household:{v.household_id}" for v in visits)
    assert sorted(e.target for e in entries if e.action == "visit.follow_up_close") == sorted(
        f"visit:{c.visit_id}" for c in closures)
    assert {e.actor for e in entries} == {SAMPLE_VISITOR}
    by_id = {v.id: v for v in visits}
    ways = {}
    for closure in closures:
        asked = by_id[closure.visit_id]
        grid = next(g for g, b in GRIDS.items() if asked.building_id in b)
        ways[grid] = closure.closing_visit_id is not None
        assert asked.visited_on < closure.closed_on < MOMENT.date()
        assert closure.note == dict(CASES)[asked.note]  # what following that up took
        if closure.closing_visit_id is not None:
            resolving = by_id[closure.closing_visit_id]
            assert (resolving.household_id, resolving.visited_on, resolving.follow_up) == (
                asked.household_id, closure.closed_on, False)
    assert ways == {"JN-01": False, "JN-02": True}
    assert len(visits) == 9  # 8 asking for a follow-up, 1 resolving one


def test_the_sample_is_the_same_every_time_and_seeded_once(sample, tmp_path):
    app, _ = sample
    again, _ = _seeded(tmp_path)
    assert _visits(again) == _visits(app)
    second = again.test_cli_runner().invoke(main, ["seed-sample"])
    assert "需要跟进的示例走访" not in second.stdout and "未作改动" in second.stdout
    assert _visits(again) == _visits(app)
    oldest = min(v[2] for v in _visits(app))
    assert oldest >= (MOMENT.date() - timedelta(days=max(AGES_DAYS))).isoformat()
