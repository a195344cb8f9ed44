"""``geo-app import roster`` at a terminal: the operator can get the template from the command
line; a roster that is not a workbook, a missing file or a roster without a row is refused in
Chinese, exit status 1, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from openpyxl import load_workbook
from support.refusals import assert_refused

from geo_app.cli import main
from geo_app.imports.roster import HEADERS


def run(app, *args: str) -> Result:
    """``geo-app import roster ARGS`` on the test app (its layers and database)."""
    return app.test_cli_runner().invoke(main, ["import", "roster", *args])




def test_the_template_is_written_from_the_command_line(app, tmp_path: Path) -> None:
    path = tmp_path / "住户台账.xlsx"
    result = run(app, str(path), "--template")
    assert result.exit_code == 0, result.output
    sheet = load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]] == [header for header, _ in HEADERS.values()]
    # the blank template is not a roster yet: checking it says there is no row
    assert_refused(run(app, str(path)), "表头下没有任何住户行，未写入")


def test_the_template_never_overwrites_a_file(app, tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    path.write_bytes(b"filled in")
    assert_refused(run(app, str(path), "--template"), f"{path} 已存在")
    assert path.read_bytes() == b"filled in"
    assert_refused(run(app, str(tmp_path / "t.csv"), "--template"), "应以 .xlsx 结尾")


def test_a_file_renamed_to_xlsx_is_refused(app, tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    path.write_text("楼栋,单元,房号,姓名\n", encoding="utf-8")  # a CSV saved as .xlsx
    assert_refused(run(app, str(path)), f"{path}：不是有效的 Excel 文件（.xlsx）")


@pytest.mark.parametrize("name", ["nothere.xlsx", "nothere.csv"])
def test_a_missing_roster_is_refused(app, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    result = run(app, str(path))
    assert_refused(result, f"未导入：{path}：文件不存在")
    assert "Errno" not in result.output + result.stderr


def test_a_header_only_csv_is_refused(app, tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    path.write_text("楼栋,单元,房号,姓名\n", encoding="utf-8")
    assert_refused(run(app, str(path), "--apply"), "0 行，0 户，0 人；表头下没有任何住户行")
