"""``geo-app db …``: the database's schema version, by hand (the service upgrades it at start).

An operator upgrading the program backs the database up, then runs ``geo-app db upgrade``
(or just starts the service); going back to an older program needs ``geo-app db downgrade
<revision>`` with the NEWER program first. These commands open only the database, never the
layers or the web app, so ``db current`` changes nothing.
"""

from __future__ import annotations

import click
from sqlalchemy.engine import make_url

from geo_app.cli import refuse
from geo_app.config import configured, instance_dir
from geo_app.store import DEFAULT_FILENAME, Store, StoreError
from geo_app.store.migrate import (
    current_revision,
    downgrade,
    head_revision,
    known_revisions,
    newer_schema_message,
    upgrade,
)


def configured_store() -> Store:
    """The store the service would open (``DATABASE_URL``, else the instance's SQLite file)."""
    settings = configured()
    url = settings.get("DATABASE_URL") or f"sqlite:///{instance_dir() / DEFAULT_FILENAME}"
    timeout = settings["DATABASE_BUSY_TIMEOUT_S"]
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        refuse(f"配置有误：DATABASE_BUSY_TIMEOUT_S 应为正数，实际为 {timeout!r}")
    return Store(str(url), busy_timeout_s=float(timeout))


def _shown(store: Store) -> str:
    return make_url(store.url).render_as_string(hide_password=True)


@click.group()
def db() -> None:
    """数据库结构版本：查看、升级、退回（服务启动时会自动升级到最新版本）。"""


@db.command("current")
def current_command() -> None:
    """显示数据库的结构版本与本程序的最新版本（不作任何改动）。"""
    store = configured_store()
    try:
        found = current_revision(store.engine)
    except StoreError as exc:
        refuse(str(exc))
    finally:
        store.dispose()
    head = head_revision()
    click.echo(f"数据库：{_shown(store)}")
    if found is None:
        click.echo(f"结构版本：（空库，尚未建表）；本程序最新版本 {head}。"
                   "启动服务或执行 geo-app db upgrade 建表。")
    elif found == head:
        click.echo(f"结构版本：{found}（最新）。")
    elif found in known_revisions():
        click.echo(f"结构版本：{found}；本程序最新版本 {head}，需要升级："
                   "先备份数据库，再执行 geo-app db upgrade。")
    else:
        refuse(f"结构版本：{found}。", newer_schema_message(found, head))


@db.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """把数据库升级到 REVISION（缺省为最新版本）；全部成功或不作改动。请先备份数据库。"""
    _change(revision, down=False)


@db.command("downgrade")
@click.argument("revision")
@click.option("--yes", is_flag=True, help="不再询问，直接退回")
def downgrade_command(revision: str, yes: bool) -> None:
    """把数据库退回到 REVISION（如 0006），以便换回旧版程序；新版本的表和列连同数据一并删除。"""
    if not yes:
        click.confirm(f"退回到版本 {revision} 会删除之后版本新增的表和列及其中的数据，确定吗？",
                      abort=True)
    _change(revision, down=True)


def _change(revision: str, *, down: bool) -> None:
    store = configured_store()
    try:
        before = current_revision(store.engine)
        (downgrade if down else upgrade)(store.engine, revision=revision)
        after = current_revision(store.engine)
    except StoreError as exc:
        refuse(str(exc))
    finally:
        store.dispose()
    if after == before:
        click.echo(f"数据库 {_shown(store)} 已是版本 {after}，未作改动。")
    else:
        click.echo(f"数据库 {_shown(store)}：结构版本 {before or '（空库）'} → {after}。")
