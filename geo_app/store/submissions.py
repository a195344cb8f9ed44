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

An API call's claim also carries its request's ``fingerprint`` (method, path and the SHA-256 of
its body), and the call records its answer (status and JSON body) with :func:`record_answer`
in the same transaction, before the commit: the claim, the change and the answer commit
together or not at all. A repeat with the same fingerprint then raises :class:`AlreadyAnswered`
carrying that answer, to be sent again as it was (Stripe's and the draft's replay); one with
another fingerprint raises :class:`KeyReused` (422: the key was used for a different request).
A claim without a fingerprint (a form's token) or without an answer stays a plain
:class:`AlreadySubmitted`.

Claims older than ``keep`` (config ``SUBMISSION_KEEP_DAYS``) are deleted whenever a new one
is made: a repeat comes within seconds or minutes (a double tap, a client's retry), not days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy import Integer, String, Text, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo_app.store.errors import Conflict, StoreError
from geo_app.store.models import Base
from geo_app.store.upsert import DIALECT_INSERTS
from geo_app.store.utc_time import UtcDateTime
from layers.quoting import quoted

#: Longest token accepted (a form's token is 32 characters; a UUID key 36, 38 quoted).
MAX_TOKEN_LENGTH = 128
#: A request's fingerprint: the hexadecimal SHA-256 of its method, path and body digest.
FINGERPRINT_LENGTH = 64


class Submission(Base):
    """A claimed one-time token: who sent it, for which action, and when it was first made;
    for an API call also its request's fingerprint and the answer it was given (JSON text)."""

    __tablename__ = "submissions"

    actor: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(MAX_TOKEN_LENGTH), primary_key=True)
    action: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    fingerprint: Mapped[str | None] = mapped_column(String(FINGERPRINT_LENGTH))
    answer_status: Mapped[int | None] = mapped_column(Integer)
    answer_body: Mapped[str | None] = mapped_column(Text)


class SubmissionError(StoreError):
    """A token that cannot be one (empty, too long, control characters): 400."""


class AlreadySubmitted(Conflict):
    """The token was claimed before: the change it came with has been made (409, nothing
    changed this time). ``first_at`` is when, ``action`` what it was claimed for."""

    def __init__(self, message: str, *, parameter: str, first_at: datetime, action: str) -> None:
        super().__init__(message, parameter=parameter)
        self.first_at = first_at
        self.action = action


class AlreadyAnswered(AlreadySubmitted):
    """The same request was made before with this token and answered ``answer_status`` with
    the JSON text ``answer_body``: send that again, nothing changed this time (unreplayed, it
    is still the 409 of :class:`AlreadySubmitted`)."""

    def __init__(
        self, message: str, *, parameter: str, first_at: datetime, action: str,
        answer_status: int, answer_body: str,
    ) -> None:
        super().__init__(message, parameter=parameter, first_at=first_at, action=action)
        self.answer_status = answer_status
        self.answer_body = answer_body


class KeyReused(StoreError):
    """The token was claimed before by a different request (another path or body): 422,
    nothing changed."""

    status = 422


def check_token(token: str, *, parameter: str) -> str:
    """``token`` if it can be a one-time token: 1–:data:`MAX_TOKEN_LENGTH` visible ASCII
    characters; else :class:`SubmissionError` naming ``parameter``."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not all(" " < c < "\x7f" for c in token):
        msg = (
            f"{parameter} 须为 1–{MAX_TOKEN_LENGTH} 个可见的 ASCII 字符（如 UUID），"
            f"收到 {quoted(token[:40])}"
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
    fingerprint: str | None = None,
) -> None:
    """Claim ``token`` for ``actor`` in ``session``'s write transaction (before the change it
    guards); nothing is written when it was claimed before, and then it raises
    :class:`KeyReused` if the first claim's ``fingerprint`` differs from this one,
    :class:`AlreadyAnswered` if it is the same and its answer was recorded
    (:func:`record_answer`), :class:`AlreadySubmitted` otherwise.

    ``now`` (aware) is stored as the claim's time; claims older than ``keep`` are deleted.
    ``fingerprint`` (API calls only) identifies the request; forms leave it ``None``.
    """
    token = check_token(token, parameter=parameter)
    moment = now.astimezone(UTC)
    row = {"actor": actor, "token": token, "action": action[:64], "created_at": moment,
           "fingerprint": fingerprint}
    if not _insert_new(session, row):
        _refuse_repeat(session, row, now=now, parameter=parameter)
    session.execute(
        delete(Submission)
        .where(Submission.created_at < moment - keep)
        .execution_options(synchronize_session=False)
    )


def _refuse_repeat(
    session: Session, row: dict[str, Any], *, now: datetime, parameter: str
) -> NoReturn:
    """Raise what a repeat of the claim ``row`` is, after reading the first claim."""
    first = session.execute(
        select(Submission).where(
            Submission.actor == row["actor"], Submission.token == row["token"]
        )
    ).scalar_one()
    first_at = first.created_at.replace(tzinfo=first.created_at.tzinfo or UTC)
    when = first_at.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M:%S")
    fingerprint = row["fingerprint"]
    if fingerprint is not None and first.fingerprint not in (None, fingerprint):
        msg = (
            f"{parameter} {quoted(row['token'])} 已于 {when} 用于另一个请求"
            "（接口地址或请求体不同），"
            "这次没有处理；每个新请求须用新的值，超时重试时须原样重发第一次的请求"
        )
        raise KeyReused(msg, parameter=parameter)
    what = "" if first.action == row["action"] else "；它用于另一项操作，每个新请求须用新的值"
    msg = f"这个请求已处理过（{parameter} 首次提交于 {when}），这次没有重复记录{what}"
    if fingerprint is not None and first.answer_status is not None:
        raise AlreadyAnswered(
            msg, parameter=parameter, first_at=first_at, action=first.action,
            answer_status=first.answer_status, answer_body=first.answer_body or "",
        )
    raise AlreadySubmitted(msg, parameter=parameter, first_at=first_at, action=first.action)


def record_answer(
    session: Session, token: str, *, actor: str, status: int, body: str
) -> None:
    """Store the answer (HTTP ``status``, JSON text ``body``) of the call that claimed
    ``token`` for ``actor`` in ``session``'s transaction, before it commits."""
    stored = session.execute(
        update(Submission)
        .where(Submission.actor == actor, Submission.token == token)
        .values(answer_status=status, answer_body=body)
        .returning(Submission.token)
        .execution_options(synchronize_session=False)
    ).first()
    if stored is None:
        msg = f"令牌 {token!r} 未在本事务中登记，无法记下它的回答"
        raise RuntimeError(msg)


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
