"""``geo-app points …``: the points ledger and goods from the command line."""

from __future__ import annotations

import click

from geo_app.cli import refuse
from geo_app.state.command import command_app
from geo_app.store import get_store
from geo_app.volunteering.reconcile import reconcile


@click.group()
def points() -> None:
    """微积分：积分账目与兑换物品。"""


@points.command("reconcile")
def reconcile_command() -> None:
    """核对每位志愿者的积分余额与积分记录、每个站点的物品库存与出入库记录；有不符时退出码为 1。"""
    with command_app().app_context(), get_store().read() as db:
        problems = reconcile(db)
    if problems:
        refuse(*problems, f"共 {len(problems)} 处不符。")
    click.echo("积分与物品账目全部相符（0 处不符）。")
