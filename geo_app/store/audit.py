"""The append-only audit log: every change to the store writes who, what, before, after, when."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.store.models import AuditEntry

RowT = TypeVar("RowT")


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
    note: str = "",
) -> AuditEntry:
    """Add one entry in ``session``'s transaction, so it commits or rolls back with the change."""
    entry = AuditEntry(
        actor=actor, action=action, target=target, before=before, after=after, note=note
    )
    session.add(entry)
    session.flush()
    return entry


def add_and_record(
    session: Session,
    row: RowT,
    *,
    actor: str,
    action: str,
    target: str | Callable[[RowT], str],
    before: Any = None,
    after: Any = None,
    note: str = "",
) -> RowT:
    """Add the new ``row``, flush it (so it has its id) and log the change; return the row.

    ``target`` may be a function of the flushed row, for a target named by the new row's id.
    """
    session.add(row)
    session.flush()
    record(
        session, actor=actor, action=action, target=target(row) if callable(target) else target,
        before=before, after=after, note=note,
    )
    return row


def record_change(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str,
    before: Any,
    after: Any,
    note: str = "",
) -> bool:
    """Log an edit of ``target`` from ``before`` to ``after`` (both as the log describes them).

    ``False``, with nothing flushed or logged, when the two are equal: nothing changed.
    """
    if after == before:
        return False
    session.flush()
    record(
        session, actor=actor, action=action, target=target, before=before, after=after, note=note
    )
    return True


def entries(session: Session, *, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    """The newest entries first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))
