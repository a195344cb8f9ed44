"""Helpers several revisions share: a cascading reference column, the append-only triggers.

Frozen: the revisions in ``versions/`` call these, so what they create is part of those
revisions' history (a database migrated last year must match one migrated today). Never change
a helper; a different column or trigger is a new function, used by a new revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def owned_by(
    name: str, type_: sa.types.TypeEngine, parent: str, *, primary_key: bool = False
) -> sa.Column:
    """A required reference to ``parent``'s id; the row goes when its parent row goes."""
    return sa.Column(
        name,
        type_,
        sa.ForeignKey(f"{parent}.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


def create_append_only_triggers(table: str) -> None:
    """Database triggers that refuse UPDATE and DELETE on ``table``."""
    message = f"{table} is append-only"
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )


def drop_append_only_triggers(table: str) -> None:
    """Undo :func:`create_append_only_triggers` where the triggers outlive their table.

    On SQLite dropping the table drops its triggers; PostgreSQL's trigger function stays.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
