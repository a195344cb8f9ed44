"""One-time submissions: a form's token or an API call's ``Idempotency-Key``, claimed once.

A staff form that moves a counter carries a fresh random token; an API client may send an
``Idempotency-Key`` header (draft-ietf-httpapi-idempotency-key-header). The handler claims the
token with :func:`claim` in the same write transaction as the change it makes: one
``INSERT … ON CONFLICT DO NOTHING`` on the key (actor, token). The first claim inserts the row
and the change commits with it; a second claim of the same token (a double tap, a phone
network's retry) inserts nothing and raises :class:`AlreadySubmitted`, so its transaction rolls
back whole and the counter moves once. Two claims racing are ordered by the database: SQLite's
``BEGIN IMMEDIATE`` queues the second transaction behind the first, and on PostgreSQL the second
INSERT waits on the first one's uncommitted key, then inserts nothing once it commits (or
inserts, if the first rolled back: a refused change never uses up its token).

Claims older than ``keep`` (config ``SUBMISSION_KEEP_DAYS``) are deleted whenever a new one
is made: a repeat comes within seconds or minutes (a double tap, a client's retry), not days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo_app.store.errors import Conflict, StoreError
from geo_app.store.models import Base
from geo_app.store.upsert import DIALECT_INSERTS

#: Longest token accepted (a form's token is 32 characters; a UUID key 36, 38 quoted).
MAX_TOKEN_LENGTH = 128


class Submission(Base):
    """A claimed one-time token: who sent it, for which action, and when it was first made."""

    __tablename__ = "submissions"

    actor: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(MAX_TOKEN_LENGTH), primary_key=True)
    action: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SubmissionError(StoreError):
    """A token that cannot be one (empty, too long, control characters): 400."""


class AlreadySubmitted(Conflict):
    """The token was claimed before: the change it came with has been made (409, nothing
    changed this time). ``first_at`` is when, ``action`` what it was claimed for."""

    def __init__(self, message: str, *, parameter: str, first_at: datetime, action: str) -> None:
        super().__init__(message, parameter=parameter)
        self.first_at = first_at
        self.action = action


def check_token(token: str, *, parameter: str) -> str:
    """``token`` if it can be a one-time token: 1–:data:`MAX_TOKEN_LENGTH` visible ASCII
    characters; else :class:`SubmissionError` naming ``parameter``."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not all(" " < c < "\x7f" for c in token):
        msg = (
            f"{parameter} 须为 1–{MAX_TOKEN_LENGTH} 个可见的 ASCII 字符（如 UUID），"
            f"收到 {token[:40]!r}"
        )
        raise SubmissionError(msg, parameter=parameter)
    return token


def claim(
    session: Session,
    token: str,
    *,
    actor: str,
    action: str,
    now: datetime,
    keep: timedelta,
    parameter: str = "submission",
) -> None:
    """Claim ``token`` for ``actor`` in ``session``'s write transaction (before the change it
    guards); :class:`AlreadySubmitted` if it was claimed before, nothing written.

    ``now`` (aware) is stored as the claim's time; claims older than ``keep`` are deleted.
    """
    token = check_token(token, parameter=parameter)
    moment = now.astimezone(UTC)
    row = {"actor": actor, "token": token, "action": action[:64], "created_at": moment}
    if not _insert_new(session, row):
        first = session.execute(
            select(Submission.created_at, Submission.action).where(
                Submission.actor == actor, Submission.token == token
            )
        ).one()
        first_at = first.created_at.replace(tzinfo=first.created_at.tzinfo or UTC)
        when = first_at.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M:%S")
        what = "" if first.action == row["action"] else "；它用于另一项操作，每个新请求须用新的值"
        msg = f"这个请求已处理过（{parameter} 首次提交于 {when}），这次没有重复记录{what}"
        raise AlreadySubmitted(msg, parameter=parameter, first_at=first_at, action=first.action)
    session.execute(
        delete(Submission)
        .where(Submission.created_at < moment - keep)
        .execution_options(synchronize_session=False)
    )


def _insert_new(session: Session, row: dict[str, Any]) -> bool:
    """Insert ``row`` unless its key exists; whether it was inserted."""
    insert = DIALECT_INSERTS.get(session.get_bind().dialect.name)
    if insert is not None:
        # RETURNING, not rowcount: psycopg reports -1 rows for an INSERT … ON CONFLICT
        statement = insert(Submission).values(row).on_conflict_do_nothing()
        return session.execute(statement.returning(Submission.token)).first() is not None
    try:  # another database: its unique key refuses the second row
        with session.begin_nested():
            session.add(Submission(**row))
    except IntegrityError:
        return False
    return True
