"""The operator at a terminal: ``geo-app``'s refusals are Chinese, name what is wrong and exit
non-zero without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.refusals import assert_refused

from geo_app.cli import main
from geo_app.config import BUNDLED_DATA_DIR

PATHS = str(BUNDLED_DATA_DIR / "paths.geojson")


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)




@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["validate", "/no/such/folder"], ["错误：", "目录 '/no/such/folder' 不存在"]),
        (["walk", "nearest", "--network", PATHS], ["缺少选项 '--origins'"]),
        (["coverage", "--format", "xml"], ["'--format' 的取值无效", "'xml' 不是可选值"]),
        (["coverage", "--tabel", "x"], ["没有选项 '--tabel'", "--table"]),
        (["no-such-command"], ["没有命令 'no-such-command'"]),
    ],
)
def test_usage_errors_are_chinese(args: list[str], words: list[str]) -> None:
    text = assert_refused(run(*args), "用法：", *words, code=2)
    for english in ("Usage:", "Error:", "Invalid value", "Missing option", "No such"):
        assert english not in text


def test_help_frame_is_chinese() -> None:
    text = run("validate", "--help").output
    assert "用法：" in text and "选项" in text and "显示本帮助并退出。" in text
    assert "[默认：1000.0]" in text
    assert "Show this message" not in text and "default:" not in text


@pytest.mark.parametrize("margin", ["-5", "nan", "inf"])
def test_validate_refuses_a_margin_that_is_not_a_distance(margin: str) -> None:
    result = run("validate", str(BUNDLED_DATA_DIR), "--boundary-margin", margin)
    assert_refused(result, "--boundary-margin", "应为不小于 0 的数（米）", code=2)


def test_validate_accepts_a_zero_margin() -> None:
    assert run("validate", str(BUNDLED_DATA_DIR), "--boundary-margin", "0").exit_code == 0


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"GEO_APP_SITING_K": "0"}, ["配置有误", "SITING_K 应在 1–50 之间，实际为 0"]),
        ({"GEO_APP_DATA_DIR": "/no/such/layers"},
         ["图层校验未通过", "boundary.geojson: 文件不存在"]),
        ({"GEO_APP_DATABASE_URL": "nosuchdb://x"}, ["配置有误", "DATABASE_URL 无法使用"]),
        # these were a traceback at start (abc), a refusal blaming the database server (-1),
        # or silently accepted until the first visitor tripped over them
        ({"GEO_APP_DATABASE_BUSY_TIMEOUT_S": "abc"},
         ["配置有误", "DATABASE_BUSY_TIMEOUT_S 应为正数，实际为 'abc'"]),
        ({"GEO_APP_DATABASE_BUSY_TIMEOUT_S": "-1"},
         ["配置有误", "DATABASE_BUSY_TIMEOUT_S 应为正数，实际为 -1"]),
        ({"GEO_APP_LAYER_CHECK_INTERVAL_S": "x"},
         ["LAYER_CHECK_INTERVAL_S 应为不小于 0 的数，实际为 'x'"]),
        ({"GEO_APP_SESSION_IDLE_MINUTES": "abc"}, ["SESSION_IDLE_MINUTES 应为正数"]),
        ({"GEO_APP_SUBMISSION_KEEP_DAYS": "0"}, ["SUBMISSION_KEEP_DAYS 应为正数，实际为 0"]),
        ({"GEO_APP_POINTS_CAP_PER_DAY": "abc"}, ["POINTS_CAP_PER_DAY 应为正整数，实际为 'abc'"]),
        ({"GEO_APP_LOGIN_RATE_LIMIT": "bogus"},
         ["LOGIN_RATE_LIMIT 应写成“次数 per 时间单位”", "实际为 'bogus'"]),
        ({"GEO_APP_TIMEZONE": "Mars/Base"}, ["TIMEZONE 应为时区名称", "'Mars/Base'"]),
    ],
)
@pytest.mark.parametrize("command", [["user", "list"], ["points", "reconcile"], ["seed-people"]])
def test_commands_on_the_app_refuse_bad_settings_in_chinese(
    tmp_path: Path, env: dict[str, str], words: list[str], command: list[str]
) -> None:
    env = {"GEO_APP_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", **env}
    assert_refused(run(*command, env=env), *words)


def test_db_current_refuses_a_bad_busy_timeout_in_chinese(tmp_path: Path) -> None:
    env = {"GEO_APP_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
           "GEO_APP_DATABASE_BUSY_TIMEOUT_S": "abc"}
    assert_refused(run("db", "current", env=env),
                   "配置有误：DATABASE_BUSY_TIMEOUT_S 应为正数，实际为 'abc'")
