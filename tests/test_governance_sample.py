"""The invented 微协商 sample has the seed article's scale, goes through the real lifecycle, is
deterministic, and is seeded (once) by ``geo-app seed-sample``."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from support.apps import make_test_config
from support.governance import governance_app

from geo_app import create_app
from geo_app.cli import main
from geo_app.governance.lifecycle import TRANSITIONS
from geo_app.governance.routing import grid_index, route_point
from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.governance_models import Item, Meeting, View, ViewEvent
from geo_app.web.governance_support import seed_sample

FENGGE_GRID = "340121400001-01"


def _snapshot(app) -> list[tuple]:
    with app.app_context(), get_store().read() as db:
        return [(v.text, v.building_id, v.state, v.lon, v.lat, v.satisfaction, v.source)
                for v in db.scalars(select(View).order_by(View.id))]


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory):
    app = create_app(make_test_config(tmp_path_factory.mktemp("sample")))
    with app.app_context():
        counts = seed_sample()
    assert counts is not None
    return app


def test_the_sample_has_the_seed_articles_scale(sample_app):
    with sample_app.app_context(), get_store().read() as db:
        assert db.scalar(select(func.count(View.id))) == 47
        assert db.scalar(select(func.count(Item.id))) == 32
        kinds = dict(db.execute(select(Meeting.kind, func.count()).group_by(Meeting.kind)).all())
        assert kinds == {"visit": 10, "meeting": 8}
        views = list(db.scalars(select(View)))
        items = list(db.scalars(select(Item)))
        buildings = get_community().buildings
        fengge = set(buildings.loc[buildings["compound"] == "风格城市", "id"])
        assert {v.grid_id for v in views} == {FENGGE_GRID}
        assert {v.building_id for v in views} <= fengge
        index = grid_index(get_community().grids)
        assert all(route_point(index, v.lon, v.lat) == FENGGE_GRID for v in views)
        # every view is behind exactly one item, taken up at one occasion
        linked = sorted(v for i in items for v in i.view_ids)
        assert linked == sorted(v.id for v in views)
        meetings = list(db.scalars(select(Meeting)))
        assert sorted(v for m in meetings for v in m.view_ids) == sorted(v.id for v in views)
        assert all(i.meeting_id is not None and i.reach["buildings"] for i in items)


def test_every_sample_view_went_through_the_lifecycle(sample_app):
    with sample_app.app_context(), get_store().read() as db:
        for view in db.scalars(select(View)):
            events = list(db.scalars(select(ViewEvent).where(ViewEvent.view_id == view.id)
                                     .order_by(ViewEvent.id)))
            assert events[0].action == "submitted"
            steps = [e for e in events if e.action not in ("submitted", "rated")]
            for before, step in zip(["submitted", *[e.to_state for e in steps]], steps,
                                    strict=False):
                assert step.from_state == before and step.action in TRANSITIONS[before]
            assert events[-1].to_state == view.state
            assert [e.at for e in events] == sorted(e.at for e in events)
            if view.state == "closed":
                assert view.satisfaction in (2, 3, 4, 5)


def test_the_sample_is_deterministic_and_seeded_once(sample_app, tmp_path):
    again = create_app(make_test_config(tmp_path))
    with again.app_context():
        assert seed_sample() is not None
        assert seed_sample() is None  # the grid has meetings already: left alone
    assert _snapshot(again) == _snapshot(sample_app)


def test_seed_sample_seeds_the_views_too(tmp_path):
    app = governance_app(tmp_path)  # the tiny community: its 风格城市 is grid JN-01
    result = app.test_cli_runner().invoke(main, ["seed-sample"])
    assert result.exit_code == 0, result.output
    assert "10 次走访、8 次座谈、47 条社情民意、32 个治理项目" in result.output
    second = app.test_cli_runner().invoke(main, ["seed-sample"])
    assert "已生成风格城市微协商示例" not in second.output and "未作改动" in second.output
    with app.app_context(), get_store().read() as db:
        assert db.scalar(select(func.count(View.id))) == 47
        assert {v.grid_id for v in db.scalars(select(View))} == {"JN-01"}
