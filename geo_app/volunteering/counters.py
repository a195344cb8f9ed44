"""The two halves of every counter movement of 微积分 (a points balance, a station's goods).

A counter moves only by one conditional ``UPDATE … SET n = n + :delta WHERE … AND n + :delta
>= 0`` (:func:`move_counter`); the movement itself is an append-only row, written with the
audit entry of the counter's change (:func:`append_movement`), in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import DeclarativeBase, Session

from geo_app.store import audit
from geo_app.store.upsert import insert_missing


def move_counter(
    session: Session,
    model: type[DeclarativeBase],
    key: Mapping[str, Any],
    *,
    counter: str,
    delta: int,
) -> int | None:
    """Add ``delta`` to the ``counter`` column of ``model``'s row ``key`` (created at 0 first).

    Returns the value after, or ``None`` (nothing changed) when it would fall below zero.
    """
    insert_missing(session, model, [{**key, counter: 0}])
    column = getattr(model, counter)
    return session.execute(
        update(model)
        .where(*(getattr(model, name) == value for name, value in key.items()), column + delta >= 0)
        .values({counter: column + delta})
        .returning(column)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


def append_movement(
    session: Session,
    row: Any,
    *,
    at: datetime | None,
    counter: str,
    after: int,
    delta: int,
    actor: str,
    action: str,
    target: str,
    note: str,
) -> None:
    """Add the movement ``row`` (dated ``at`` when given, else now) and audit its counter's change.

    The audit entry says ``counter`` went from ``after - delta`` to ``after``.
    """
    if at is not None:
        row.at = at
    audit.add_and_record(
        session, row, actor=actor, action=action, target=target,
        before={counter: after - delta}, after={counter: after}, note=note,
    )
