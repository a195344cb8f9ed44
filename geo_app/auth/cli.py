"""``geo-app user …`` (accounts), ``geo-app seed-people`` (the invented sample roster) and
``geo-app seed-sample`` (the roster, then volunteers, teams, activities, points and exchanges).

No default password ships: ``user add`` reads the password from the terminal (hidden, asked
twice) or, when piped, from the first line of standard input.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from geo_app.cli import refuse
from geo_app.state.command import command_actor as _actor
from geo_app.state.command import command_app as _app
from geo_app.store import StoreError, get_store
from geo_app.store.roles import ROLE_LABELS, ROLES

if TYPE_CHECKING:
    from geo_app.store.sample import BuildingFacts


def read_password() -> str:
    """The new password: prompted twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    return sys.stdin.readline().rstrip("\r\n")


def _layer_assignment_context() -> tuple[dict[str, str], dict[str, str]]:
    """Every building's grid, and every grid's name, as the layers say now."""
    from geo_app.state.community import get_community
    from geo_app.web.access import building_grids

    grids = get_community().grids
    return building_grids(), dict(zip(grids["id"], grids["name"], strict=True))



@click.group("user")
def user() -> None:
    """账号管理：创建账号、列出账号、重设密码、停用与启用。"""


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
    click.echo(f"已创建账号 {username}，角色：{ROLE_LABELS[role]}。")


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


def _switch_account(username: str, *, active: bool) -> None:
    """Switch ``username`` on or off (audited as done from the command line); the last active
    admin is never switched off."""
    from geo_app.store.accounts import deactivate, find_account, reactivate

    verb = "启用" if active else "停用"
    with _app().app_context():
        try:
            with get_store().write() as db:
                account = find_account(db, username)
                if account is None:
                    refuse(f"账号 {username} 不存在")
                switch = reactivate if active else deactivate
                changed = switch(db, account, actor=_actor())
        except StoreError as exc:
            refuse(str(exc))  # "不能停用：这是最后一个启用的社区管理员账号…"
    click.echo(f"已{verb}账号 {username}。" if changed else f"账号 {username} 已是{verb}状态。")


@user.command("activate")
@click.argument("username")
def activate(username: str) -> None:
    """重新启用已停用的账号 USERNAME（原密码可用；没有管理员能登录时由此恢复）。"""
    _switch_account(username, active=True)


@user.command("deactivate")
@click.argument("username")
def deactivate_command(username: str) -> None:
    """停用账号 USERNAME（不能再登录，已登录的会话失效；最后一个启用的社区管理员不能停用）。"""
    _switch_account(username, active=False)


def _say(message: str) -> None:
    """A progress line on stderr, as ``import osm`` and ``coverage`` report theirs."""
    click.echo(message, err=True)


@contextmanager
def _step(number: int, total: int, label: str) -> Iterator[None]:
    """``[n/total] label …`` before a step of a long command, its time after it."""
    _say(f"[{number}/{total}] {label} …")
    started = time.perf_counter()
    yield
    _say(f"      用时 {time.perf_counter() - started:.1f} 秒")


def _seed_people(buildings: list[BuildingFacts]) -> int:
    from geo_app.store.sample import seed_people

    with get_store().write() as db:
        return seed_people(db, buildings, actor=_actor())


def _people_message(filled: int) -> str:
    return f"已为 {filled} 栋楼生成示例住户。" if filled else "所有楼栋已有住户台账，未作改动。"


@click.command("seed-people")
def seed_people_command() -> None:
    """为尚无住户台账的楼栋生成示例住户（虚构姓名，可重复运行）。"""
    from geo_app.state.community import get_community
    from geo_app.store.sample import facts_from_layer

    with _app().app_context():
        filled = _seed_people(facts_from_layer(get_community().buildings))
    click.echo(_people_message(filled))


@click.command("seed-sample")
def seed_sample_command() -> None:
    """生成完整的示例数据：住户台账（同 seed-people）、风格城市的微协商（走访、座谈、社情民意、
    治理项目）、志愿者、队伍、活动、积分与兑换记录，以及各网格需要跟进的走访。可重复运行。
    进度写到标准错误。"""
    from geo_app.state.clock import now
    from geo_app.state.community import get_community
    from geo_app.store.sample import facts_from_layer
    from geo_app.store.sample_follow_ups import seed_follow_ups
    from geo_app.volunteering.sample import facts_from_community, seed_volunteering
    from geo_app.web.access import building_grids
    from geo_app.web.governance_support import seed_sample

    steps = 5
    with _step(1, steps, "读取配置、图层与数据库"):
        app = _app()
        with app.app_context():
            community = get_community()
    _say(f"      {len(community.buildings)} 栋楼、{len(community.grids)} 个网格、"
         f"{len(community.stations)} 个服务站")
    with app.app_context():
        with _step(2, steps, "生成示例住户台账（尚无台账的楼栋）"):
            filled = _seed_people(facts_from_layer(community.buildings))
        click.echo(_people_message(filled))
        with _step(3, steps, "生成风格城市微协商示例（走访、座谈、社情民意、治理项目）"):
            views = seed_sample()
        if views is not None:
            click.echo(
                f"已生成风格城市微协商示例：{views.visits} 次走访、{views.meetings} 次座谈、"
                f"{views.views} 条社情民意、{views.items} 个治理项目。"
            )
        with _step(4, steps, "生成志愿者、队伍、活动、积分与兑换记录"), get_store().write() as db:
            held = seed_volunteering(db, facts_from_community(community))
        if held:
            click.echo(f"已生成示例志愿者、队伍与 {held} 场已举办的活动（含积分与兑换记录）。")
        with _step(5, steps, "生成各网格需要跟进的示例走访"):
            grids, today = building_grids(), now()  # (read before the write begins)
            with get_store().write() as db:
                follow_ups = seed_follow_ups(db, building_grids=grids, now=today,
                                             kinds=app.config["VISIT_KINDS"])
        if follow_ups is not None:
            click.echo(f"已在 {follow_ups.grids} 个网格生成 {follow_ups.visits} 次需要跟进的示例"
                       f"走访（其中 {follow_ups.closed} 件已办结）。")
    if views is None and not held and follow_ups is None:
        click.echo("示例的微协商、志愿者、积分与走访数据已存在，未作改动。")
