"""Schema migrations (Alembic), run programmatically: the store is created on first run and
brought up to date whenever the service (or any ``geo-app`` command) starts; ``geo-app db``
shows, upgrades and downgrades it by hand."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from geo_app.store.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

logger = logging.getLogger(__name__)


class SchemaVersionError(StoreError):
    """The database's schema is one this program does not know (made by a newer version), or
    a revision asked for does not exist; the message says what the operator can do."""


def alembic_config() -> Config:
    """Alembic's configuration for the project's migration scripts (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def known_revisions() -> list[str]:
    """Every revision of this program's migrations, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def upgrade(engine: Engine, *, revision: str = "head") -> None:
    """Bring the database to ``revision`` in one transaction (a failed one changes nothing).

    A database at a revision this program does not know (migrated by a newer version) is
    refused with :class:`SchemaVersionError` before anything is changed.
    """
    _migrate(engine, revision, command.upgrade)


def downgrade(engine: Engine, *, revision: str) -> None:
    """Take the database back to ``revision`` (e.g. ``"0006"``) in one transaction, so that an
    older version of the program can run on it again."""
    _migrate(engine, revision, command.downgrade)


def _migrate(engine: Engine, revision: str, step: Callable[[Config, str], None]) -> None:
    known = known_revisions()
    if revision not in ("head", "base") and revision not in known:
        msg = f"没有数据库版本 {revision!r}；本程序认识的版本：{'、'.join(known)}"
        raise SchemaVersionError(msg, parameter="revision")
    config = alembic_config()
    connection = engine.connect().execution_options(geo_app_write=True)
    with connection, connection.begin():
        before = MigrationContext.configure(connection).get_current_revision()
        if before is not None and before not in known:
            raise SchemaVersionError(newer_schema_message(before, known[-1]))
        config.attributes["connection"] = connection
        step(config, revision)
        after = MigrationContext.configure(connection).get_current_revision()
    if after != before:
        logger.warning("数据库结构已从版本 %s 改为 %s", before or "（空库）", after)


def newer_schema_message(found: str, head: str | None) -> str:
    """What to tell an operator whose database was migrated by a newer program."""
    return (
        f"数据库结构版本为 {found}，比本程序认识的最新版本 {head} 新（数据库由更新的版本升级过）。"
        f"请换回新版程序；若确要退回本版本，先用新版程序执行 geo-app db downgrade {head}，"
        "或从升级前的备份恢复数据库。"
    )


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` before the first migration)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
