"""``geo-app import roster``: the households 台账 from Excel into the store, checked first."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from geo_app.cli import main
from geo_app.imports.errors import ImportInputError
from geo_app.imports.roster import apply_roster, read_roster
from geo_app.imports.roster_template import template_bytes
from geo_app.store import get_store
from geo_app.store.models import AuditEntry, Household, Resident

HEADER = [
    "楼栋", "单元", "房号", "姓名", "与户主关系", "性别", "出生年份", "电话", "党员", "关爱标签",
]
GOOD = [
    ["FG-01", 1, "101", "张伟", "户主", "男", 1956, "13912345678", "是", "独居老人"],
    ["风格城市 2栋", 2, "302", "李娜", "户主", "女", 1980, "0551-62345678", "否", ""],
    ["风格城市2栋", 2, "302", "王强", "配偶", "男", 1979, "", "群众", ""],
]


def write_xlsx(path: Path, rows: list[list[object]], *, header=HEADER, title=None) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def buildings(app):
    from geo_app.state.community import get_community

    with app.app_context():
        return get_community().buildings


def counts(app) -> tuple[int, int, int]:
    with app.app_context(), get_store().read() as db:
        return (
            db.scalar(select(func.count()).select_from(Household)),
            db.scalar(select(func.count()).select_from(Resident)),
            db.scalar(
                select(func.count()).where(AuditEntry.action == "roster.import")
            ),
        )


def test_a_good_roster_dry_run_then_apply(app, runner, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", GOOD, title="金宁社区住户台账（2024）")
    dry = runner.invoke(main, ["import", "roster", str(path)])
    assert dry.exit_code == 0, dry.output
    assert "3 行，2 户，3 人" in dry.stdout and "加 --apply" in dry.stdout
    assert counts(app) == (0, 0, 0)
    applied = runner.invoke(main, ["import", "roster", str(path), "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "新增 2 户" in applied.stdout
    with app.app_context(), get_store().read() as db:
        household = db.get(Household, "FG-02-2-302")
        assert household is not None
        assert [(m.name, m.relation, m.party_member) for m in household.members] == [
            ("李娜", "户主", False), ("王强", "配偶", False),
        ]
        zhang = db.get(Household, "FG-01-1-101")
        assert zhang.tags == ["独居老人"]
        assert zhang.members[0].phone == "13912345678" and zhang.members[0].party_member
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "roster.import")).one()
        assert entry.action == "roster.import" and entry.after["added"] == [
            "FG-01-1-101", "FG-02-2-302",
        ]


def test_rerunning_updates_instead_of_duplicating(app, runner, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", GOOD)
    assert runner.invoke(main, ["import", "roster", str(path), "--apply"]).exit_code == 0
    again = runner.invoke(main, ["import", "roster", str(path), "--apply"])
    assert "新增 0 户、更新 0 户、未变 2 户" in again.stdout
    changed = [row.copy() for row in GOOD[:2]]
    changed[1][7] = "13800000000"  # 李娜's new phone; 王强 moved out
    path = write_xlsx(tmp_path / "b.xlsx", changed)
    third = runner.invoke(main, ["import", "roster", str(path), "--apply"])
    assert "新增 0 户、更新 1 户、未变 1 户" in third.stdout
    assert counts(app) == (2, 2, 3)
    with app.app_context(), get_store().read() as db:
        members = db.get(Household, "FG-02-2-302").members
        assert [(m.name, m.phone) for m in members] == [("李娜", "13800000000")]


BASE = ["FG-01", 1, "109", "某", "户主", "男", 1950, "", "否", ""]
_COLUMN = {name: i for i, name in enumerate(HEADER)}


def with_(**changes: object) -> list[object]:
    """The base row with some cells changed (keys are the headers)."""
    row = list(BASE)
    for header, value in changes.items():
        row[_COLUMN[header]] = value
    return row


# (row, column reported, words of the reason); rows start at sheet row 3 (after GOOD[0])
PROBLEM_ROWS = [
    (with_(楼栋="NO-SUCH"), "楼栋", "找不到楼栋 “NO-SUCH”"),
    (with_(单元="一"), "单元", "单元 “一” 应为正整数"),
    (with_(房号="101", 姓名="丙"), "房号", "房号重复：FG-01-1-101 已有户主（第 2 行）"),
    (
        with_(房号="101", 姓名="张伟", 与户主关系="子女"),
        "姓名",
        "张伟 在 FG-01-1-101 中重复（第 2 行）",
    ),
    (with_(房号="102", 电话="12345"), "电话", "电话 “12345” 格式不正确"),
    (with_(房号="103", 出生年份=1850), "出生年份", "出生年份 1850 不在"),
    (with_(房号="104", 出生年份="八十年代"), "出生年份", "应为四位年份"),
    (with_(房号="105", 性别="未知"), "性别", "应为 男 或 女"),
    (with_(房号="106", 党员="也许"), "党员", "应为 是/否"),
    (with_(房号="107", 关爱标签="低保户"), "关爱标签", "未知关爱标签 低保户"),
    (with_(房号=""), "房号", "缺少必填内容"),
]


def test_every_problem_class_reported_with_its_row(app, tmp_path):
    rows = [GOOD[0]] + [row for row, _, _ in PROBLEM_ROWS]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    roster = read_roster(path, buildings=buildings(app))
    reported = [(p.row, p.column, p.reason) for p in roster.problems]
    for number, (_, column, words) in enumerate(PROBLEM_ROWS, start=3):
        assert any(r == number and c == column and words in reason for r, c, reason in reported), (
            number, column, words, reported,
        )
    assert len(reported) == len(PROBLEM_ROWS)
    assert str(roster.problems[0]).startswith(f"{path} 工作表 台账 第 3 行 列 楼栋：")


def test_one_failing_row_means_nothing_is_written(app, runner, tmp_path):
    rows = [*GOOD, ["FG-01", 1, "201", "错", "户主", "男", 1950, "not-a-phone", "否", ""]]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    result = runner.invoke(main, ["import", "roster", str(path), "--apply"])
    assert result.exit_code == 1
    assert "第 5 行 列 电话" in result.stderr and "未写入" in result.stderr
    assert counts(app) == (0, 0, 0)


def test_a_failure_while_writing_rolls_everything_back(app, tmp_path, monkeypatch):
    from geo_app.store import audit

    roster = read_roster(write_xlsx(tmp_path / "a.xlsx", GOOD), buildings=buildings(app))
    assert roster.problems == []

    def broken(*_args, **_kwargs):
        msg = "disk full"
        raise OSError(msg)

    monkeypatch.setattr(audit, "record", broken)
    with (
        app.app_context(),
        pytest.raises(OSError, match="disk full"),
        get_store().write() as db,
    ):
        apply_roster(db, roster, actor="test")
    assert counts(app) == (0, 0, 0)


def test_csv_with_header_variants(app, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "楼号,单元号,门牌号,名字,关系,性别,出生日期,手机号码,政治面貌,人员类别\n"
        "FG-03,1,201,赵敏,户主,女,1948-03-02,139 1234 5678,中共党员,独居老人、残疾人\n",
        encoding="gbk",
    )
    roster = read_roster(path, buildings=buildings(app))
    assert roster.problems == []
    household = roster.households["FG-03-1-201"]
    assert household.tags == ["独居老人", "残疾人"]
    person = household.members[0]
    assert (person.birth_year, person.phone, person.party_member) == (1948, "13912345678", True)


def test_not_a_roster_is_refused_clearly(app, tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(ImportInputError, match=r"\.xlsx 或 \.csv"):
        read_roster(path, buildings=buildings(app))
    empty = write_xlsx(tmp_path / "e.xlsx", [], header=["甲", "乙"])
    roster = read_roster(empty, buildings=buildings(app))
    reasons = [p.reason for p in roster.problems]
    assert reasons == ["没有找到表头（至少需要 楼栋、单元、房号、姓名 列）"]


def test_template_has_the_headers_the_reader_reads(app, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_bytes())
    sheet = load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    roster = read_roster(path, buildings=buildings(app))
    assert roster.problems == [] and roster.rows == 0
