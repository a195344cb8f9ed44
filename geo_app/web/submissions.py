"""Sent once: the hidden ``submission`` field of staff forms and the ``Idempotency-Key`` header
of API calls, claimed in the same write transaction as the counter they move.

A template writes ``{{ submission_field() }}`` inside each form that moves a counter or a
ledger (a fresh random token per form and page); its view calls :func:`claim_request` first in
its ``get_store().write()`` block (:func:`geo_app.store.submissions.claim`). A repeated form
raises :class:`~geo_app.store.submissions.AlreadySubmitted` (409) and the write rolls back; the
form view catches it and shows :data:`ALREADY_SENT` where its success would have led.

An API call documented ``idempotent`` (:mod:`geo_app.web.counter_openapi`) that sends an
``Idempotency-Key`` is answered as draft-ietf-httpapi-idempotency-key-header and Stripe do: its
claim carries the request's fingerprint (:func:`request_fingerprint`), and the view passes its
success answer through :func:`answered` inside the same write block, which stores it with the
claim before the commit. A repeat with the same key, method, path and body gets that answer
again — same status, byte-identical JSON — with ``Idempotent-Replayed: true``, and nothing moves
(:class:`Replayed`, raised from :func:`claim_request`); the same key with another path or body
is a 422 ``{"error", "parameter": "Idempotency-Key"}``. A refused call (400/404/409) rolls back
with its claim, so a corrected retry with the same key goes through. A request with neither
token is not deduplicated: pages rendered before this change and scripts that send no key keep
working.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app, g, request
from markupsafe import Markup
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from geo_app.state.clock import now
from geo_app.store.submissions import AlreadyAnswered, AlreadySubmitted, claim, record_answer
from geo_app.web.openapi import operation_of

__all__ = [
    "ALREADY_SENT",
    "FORM_FIELD",
    "HEADER",
    "REPLAYED_HEADER",
    "AlreadySubmitted",
    "Answer",
    "Replayed",
    "answered",
    "claim_request",
    "submission_field",
]

FORM_FIELD = "submission"
#: The request header of draft-ietf-httpapi-idempotency-key-header.
HEADER = "Idempotency-Key"
#: The header marking a replayed answer (Stripe's name).
REPLAYED_HEADER = "Idempotent-Replayed"
#: What a form's second submission shows, on the page its first one led to.
ALREADY_SENT = "这张表单已经提交过，没有重复记录"
#: Random bytes of a form's token (32 URL-safe characters).
TOKEN_BYTES = 24
#: Where :func:`claim_request` leaves (actor, token) of an API claim in its session's ``info``.
_CLAIM_INFO = "geo_app_replayable_claim"

#: An API view's answer: its JSON body and status.
Answer = tuple[dict[str, Any], int]


class Replayed(HTTPException):
    """The stored answer of a repeated API call, sent again as it was first sent.

    An HTTPException without a code: Flask answers it with its ``response`` and no error
    handler rewrites it; raised inside the write block, it rolls the transaction back.
    """

    def __init__(self, status: int, body: str) -> None:
        response = current_app.response_class(body, status=status, mimetype="application/json")
        response.headers[REPLAYED_HEADER] = "true"
        super().__init__(response=response)


def submission_field() -> Markup:
    """The hidden input carrying a fresh one-time token (call it once in each form)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return Markup('<input type="hidden" name="{}" value="{}">').format(FORM_FIELD, token)


def request_token() -> tuple[str, str] | None:
    """(token, the parameter it came in) of this request: the ``Idempotency-Key`` header, else
    the form's ``submission`` field; ``None`` when it has neither."""
    key = request.headers.get(HEADER)
    if key is not None:
        key = key.strip()
        # the draft writes the key as a structured-field string: "8e03978e-…" in quotes
        if len(key) >= 2 and key[0] == key[-1] == '"':
            key = key[1:-1]
        return key, HEADER
    token = request.form.get(FORM_FIELD, "").strip()
    return (token, FORM_FIELD) if token else None


def request_fingerprint() -> str:
    """What makes this request the same request: the SHA-256 (hex) of its method, its path and
    the SHA-256 of its body bytes."""
    body = hashlib.sha256(request.get_data(cache=True)).hexdigest()
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def _replayable() -> bool:
    """Whether this request is a call of an ``idempotent`` API operation."""
    view = current_app.view_functions.get(request.endpoint or "")
    operation = operation_of(view) if view is not None else None
    return operation is not None and operation.idempotent


def claim_request(session: Session) -> None:
    """Claim this request's one-time token for the logged-in account, in ``session``'s write
    transaction and before the change it guards; nothing to do when it has none.

    Raises :class:`Replayed` for a repeated API call that was answered,
    :class:`~geo_app.store.submissions.KeyReused` (422) for its key sent with another request,
    :class:`AlreadySubmitted` (409) for a repeated form, and
    :class:`~geo_app.store.submissions.SubmissionError` (400) for a malformed key.
    """
    found = request_token()
    if found is None:
        return
    token, parameter = found
    actor = str(g.user.username)
    replayable = parameter == HEADER and _replayable()
    try:
        claim(
            session,
            token,
            actor=actor,
            action=str(request.endpoint or request.path),
            now=now(),
            keep=timedelta(days=float(current_app.config["SUBMISSION_KEEP_DAYS"])),
            parameter=parameter,
            fingerprint=request_fingerprint() if replayable else None,
        )
    except AlreadyAnswered as first:
        raise Replayed(first.answer_status, first.answer_body) from None
    if replayable:
        session.info[_CLAIM_INFO] = (actor, token)


def answered(session: Session, body: dict[str, Any], *, status: int = 200) -> Answer:
    """(``body``, ``status``): the view's answer, stored with this request's API claim in
    ``session``'s write transaction (call it inside the block, after the change) so that a
    repeat is answered the same; a form or a call without a key stores nothing."""
    claimed = session.info.pop(_CLAIM_INFO, None)
    if claimed is not None:
        actor, token = claimed
        text = current_app.make_response(body).get_data(as_text=True)  # as Flask sends it
        record_answer(session, token, actor=actor, status=status, body=text)
    return body, status
