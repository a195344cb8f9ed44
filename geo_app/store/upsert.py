"""Insert rows unless their key exists: one statement on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

#: The INSERT with ON CONFLICT DO NOTHING of each dialect that has one, by dialect name.
DIALECT_INSERTS: dict[str, Callable[[Any], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite.insert, "postgresql": postgresql.insert,
}


def insert_missing(
    session: Session, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` into ``model``'s table, skipping every row whose primary key exists."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = DIALECT_INSERTS.get(dialect)
    if insert is not None:
        session.execute(insert(model).values(list(rows)).on_conflict_do_nothing())
        return
    # Another database: the caller's write transaction keeps this race-free enough.
    keys = [column.name for column in model.__table__.primary_key.columns]  # type: ignore[attr-defined]
    columns = [getattr(model, key) for key in keys]
    wanted = [tuple(row[key] for key in keys) for row in rows]
    present = set(session.execute(select(*columns).where(tuple_(*columns).in_(wanted))).all())
    fresh = [row for row, key in zip(rows, wanted, strict=True) if key not in present]
    session.add_all(model(**row) for row in fresh)
    session.flush()
