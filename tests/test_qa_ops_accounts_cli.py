"""``geo-app user …`` at a terminal: what can be refused without a password is refused before
the operator types one (twice, hidden); an empty store says how to begin."""

from __future__ import annotations

from click.testing import Result

from geo_app.cli import main

GOOD = "Qx7#pLm2vR9t-Feng"


def user(app, *args: str, password: str = "") -> Result:
    """``geo-app user ARGS`` with ``password`` on standard input (nothing typed by default)."""
    return app.test_cli_runner().invoke(main, ["user", *args], input=password)


def test_a_taken_username_is_refused_before_the_password(app) -> None:
    created = user(app, "add", "wang", "--role", "admin", password=GOOD + "\n")
    assert created.exit_code == 0, created.output + created.stderr
    again = user(app, "add", "wang", "--role", "admin")  # no password given at all
    assert again.exit_code == 1
    assert "未创建账号：用户名 wang 已存在" in again.stderr
    assert "密码" not in again.stderr


def test_a_bad_assignment_is_refused_before_the_password(app) -> None:
    result = user(app, "add", "li", "--role", "grid_leader")
    assert result.exit_code == 1
    assert "未创建账号：小区党支部（网格长）必须属于一个网格" in result.stderr
    unknown = user(app, "add", "li", "--role", "steward", "--grid", "no-such-grid")
    assert "网格 “no-such-grid” 不存在" in unknown.stderr
    assert "密码" not in result.stderr + unknown.stderr


def test_passwd_of_an_unknown_account_is_refused_before_the_password(app) -> None:
    result = user(app, "passwd", "nobody")
    assert result.exit_code == 1
    assert result.stderr.strip() == "账号 nobody 不存在"


def test_the_password_is_still_checked(app) -> None:
    result = user(app, "add", "zhao", "--role", "admin", password="12345678\n")
    assert result.exit_code == 1
    assert "密码太容易被猜到" in result.stderr


def test_an_empty_list_says_how_to_begin(app) -> None:
    result = user(app, "list")
    assert result.exit_code == 0
    assert result.output.strip() == (
        "尚无账号。先创建社区管理员：geo-app user add admin --role admin"
    )
