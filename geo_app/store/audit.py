"""The append-only audit log: every change to the store writes who, what, before, after, when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.store.models import AuditEntry


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
