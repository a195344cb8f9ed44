"""``geo-app user …`` (accounts), ``geo-app seed-people`` (the invented sample roster) and
``geo-app seed-sample`` (the roster, then volunteers, teams, activities, points and exchanges).

No default password ships: ``user add`` reads the password from the terminal (hidden, asked
twice) or, when piped, from the first line of standard input.
"""

from __future__ import annotations

import sys

import click

from geo_app.cli import refuse
from geo_app.state.command import command_actor as _actor
from geo_app.state.command import command_app as _app
from geo_app.store import StoreError, get_store
from geo_app.store.roles import ROLES


def read_password() -> str:
    """The new password: prompted twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    return sys.stdin.readline().rstrip("\r\n")


def _layer_assignment_context() -> tuple[dict[str, str], set[str]]:
    from geo_app.state.community import get_community
    from geo_app.web.access import building_grids

    return building_grids(), set(get_community().grids["id"])



@click.group("user")
def user() -> None:
    """账号管理：创建账号、列出账号、重设密码。"""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="角色")
@click.option("--grid", "grid_id", default=None, help="所属网格编码（管理员以外的角色必填）")
@click.option("--buildings", default="", help="负责楼栋编号，逗号分隔（楼栋党员、业主代表）")
@click.option("--display-name", default="", help="显示姓名")
def add(username: str, role: str, grid_id: str | None, buildings: str, display_name: str) -> None:
    """创建账号 USERNAME（密码从终端输入，或管道输入的第一行）。"""
    from geo_app.store.accounts import check_assignment, create_account, find_account

    app = _app()
    building_ids = [b.strip() for b in buildings.split(",") if b.strip()]
    with app.app_context():
        grids, known = _layer_assignment_context()
        # what can be refused without the password is refused before it is typed (twice)
        try:
            check_assignment(role, grid_id, building_ids, building_grids=grids,
                             known_grids=known)
        except StoreError as exc:
            refuse(f"未创建账号：{exc}")
        with get_store().read() as db:
            if find_account(db, username) is not None:
                refuse(f"未创建账号：用户名 {username} 已存在")
    password = read_password()
    with app.app_context():
        try:
            with get_store().write() as db:
                create_account(
                    db, username=username, password=password, role=role, grid_id=grid_id,
                    building_ids=building_ids, display_name=display_name,
                    building_grids=grids, known_grids=known, actor=_actor(),
                )
        except StoreError as exc:
            refuse(f"未创建账号：{exc}")
    click.echo(f"已创建账号 {username}（{role}）。")


@user.command("list")
def list_users() -> None:
    """列出全部账号及其分工。"""
    from geo_app.store.accounts import list_accounts

    with _app().app_context(), get_store().read() as db:
        accounts = list_accounts(db)
        if not accounts:
            click.echo("尚无账号。先创建社区管理员：geo-app user add admin --role admin")
        for a in accounts:
            state = "" if a.active else "（已停用）"
            where = a.grid_id or "-"
            click.echo(f"{a.username}\t{a.role}\t{where}\t{','.join(a.building_ids)}{state}")


@user.command("passwd")
@click.argument("username")
def passwd(username: str) -> None:
    """重设 USERNAME 的密码（同样从终端或标准输入读取）。"""
    from geo_app.store.accounts import find_account, set_password

    app = _app()
    with app.app_context(), get_store().read() as db:
        if find_account(db, username) is None:  # before the password is typed
            refuse(f"账号 {username} 不存在")
    password = read_password()
    with app.app_context():
        try:
            with get_store().write() as db:
                account = find_account(db, username)
                if account is None:
                    refuse(f"账号 {username} 不存在")
                set_password(db, account, password, actor=_actor())
        except StoreError as exc:
            refuse(f"未修改密码：{exc}")
    click.echo(f"已重设 {username} 的密码。")


@click.command("seed-people")
def seed_people_command() -> None:
    """为尚无住户台账的楼栋生成示例住户（虚构姓名，可重复运行）。"""
    from geo_app.state.community import get_community
    from geo_app.store.sample import facts_from_layer, seed_people

    with _app().app_context():
        facts = facts_from_layer(get_community().buildings)
        with get_store().write() as db:
            filled = seed_people(db, facts, actor=_actor())
    message = f"已为 {filled} 栋楼生成示例住户。" if filled else "所有楼栋已有住户台账，未作改动。"
    click.echo(message)


@click.command("seed-sample")
@click.pass_context
def seed_sample_command(ctx: click.Context) -> None:
    """生成完整的示例数据：住户台账（同 seed-people）、风格城市的微协商（走访、座谈、社情民意、
    治理项目），以及志愿者、队伍、活动、积分与兑换记录。可重复运行。"""
    from geo_app.state.community import get_community
    from geo_app.volunteering.sample import facts_from_community, seed_volunteering
    from geo_app.web.governance_support import seed_sample

    ctx.invoke(seed_people_command)
    with _app().app_context():
        views = seed_sample()  # 微协商: visits, meetings, views and items of 风格城市
        with get_store().write() as db:
            held = seed_volunteering(db, facts_from_community(get_community()))
    if views is not None:
        click.echo(
            f"已生成风格城市微协商示例：{views.visits} 次走访、{views.meetings} 次座谈、"
            f"{views.views} 条社情民意、{views.items} 个治理项目。"
        )
    if held:
        click.echo(f"已生成示例志愿者、队伍与 {held} 场已举办的活动（含积分与兑换记录）。")
    if views is None and not held:
        click.echo("示例的微协商、志愿者与积分数据已存在，未作改动。")
