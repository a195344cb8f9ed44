"""The sample seeded by ``geo-app seed-sample`` tells the community's own figures for the year:
58 activities held, 6,000+ residents reached, five dance groups of 107 people, three 书画队,
20+ exchanges of points for goods — and its books reconcile."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from geo_app import create_app
from geo_app.cli import main
from geo_app.config import BUNDLED_DATA_DIR
from geo_app.store import get_store
from geo_app.volunteering.reconcile import reconcile
from geo_app.volunteering.report import Period, community_report
from geo_app.volunteering.sample import SAMPLE_YEAR


def _seeded(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATA_DIR": str(BUNDLED_DATA_DIR),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}"})
    result = app.test_cli_runner().invoke(main, ["seed-sample"])
    assert result.exit_code == 0, result.output
    assert "58 场已举办的活动" in result.output
    return app


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return _seeded(tmp_path_factory.mktemp("sample"))


def test_the_year_matches_the_communitys_account(sample):
    with sample.app_context(), get_store().read() as db:
        report = community_report(db, Period(SAMPLE_YEAR), timezone=ZoneInfo("Asia/Shanghai"))
        assert reconcile(db) == []
    assert report.activities_held == 58
    assert report.activities_by_kind == {"志愿服务": 26, "文体活动": 16, "宣讲": 16}
    assert report.beneficiaries >= 6000
    assert report.members_by_team_kind["舞蹈队"] == 107
    assert [n for _, kind, n in report.teams if kind == "书画队"] == [9, 8, 8]
    assert report.exchanges == 22
    assert set(report.goods_given) <= {"纸巾", "洗洁精", "洗衣液"}
    assert sum(report.talks_by_topic.values()) == 16
    assert report.points_redeemed > 0 and report.points_earned > report.points_redeemed


def test_seeding_again_changes_nothing_and_the_cli_reconciles(sample):
    runner = sample.test_cli_runner()
    again = runner.invoke(main, ["seed-sample"])
    assert again.exit_code == 0 and "未作改动" in again.output
    check = runner.invoke(main, ["points", "reconcile"])
    assert check.exit_code == 0 and "0 处不符" in check.output


def test_the_reconcile_command_fails_on_a_corrupted_balance(tmp_path):
    from sqlalchemy import text

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATA_DIR": str(BUNDLED_DATA_DIR),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}"})
    with app.app_context(), get_store().write() as db:
        from geo_app.volunteering.ledger import post_entry
        from geo_app.volunteering.registry import register_volunteer

        volunteer = register_volunteer(db, name="测试", phone="13800000000", building_id=None,
                                       known_buildings=(), actor="t")
        post_entry(db, volunteer, kind="earn", points=10, actor="t", reason="t", ref="t")
        db.execute(text("UPDATE points_balances SET balance = 11"))
    result = app.test_cli_runner().invoke(main, ["points", "reconcile"])
    assert result.exit_code == 1
    assert "余额 11 分，但积分记录合计 10 分（差 +1）" in result.output
