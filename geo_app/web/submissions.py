"""Sent once: the hidden ``submission`` field of staff forms and the ``Idempotency-Key`` header
of API calls, claimed in the same write transaction as the counter they move.

A template writes ``{{ submission_field() }}`` inside each form that moves a counter or a
ledger (a fresh random token per form and page); its view calls :func:`claim_request` first in
its ``get_store().write()`` block (:func:`geo_app.store.submissions.claim`). A repeat raises
:class:`~geo_app.store.submissions.AlreadySubmitted` (409) and the write rolls back: an API
answers it as ``{"error": "…已处理过…", "parameter": "Idempotency-Key"}`` (the store's errors are
answered in :mod:`geo_app.web.errors`), a form view catches it and shows :data:`ALREADY_SENT`
where its success would have led. A request with neither token is not deduplicated: pages
rendered before this change and scripts that send no key keep working.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, g, request
from markupsafe import Markup
from sqlalchemy.orm import Session

from geo_app.state.clock import now
from geo_app.store.submissions import AlreadySubmitted, claim

__all__ = [
    "ALREADY_SENT",
    "FORM_FIELD",
    "HEADER",
    "AlreadySubmitted",
    "claim_request",
    "submission_field",
]

FORM_FIELD = "submission"
#: The request header of draft-ietf-httpapi-idempotency-key-header.
HEADER = "Idempotency-Key"
#: What a form's second submission shows, on the page its first one led to.
ALREADY_SENT = "这张表单已经提交过，没有重复记录"
#: Random bytes of a form's token (32 URL-safe characters).
TOKEN_BYTES = 24


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


def claim_request(session: Session) -> None:
    """Claim this request's one-time token for the logged-in account, in ``session``'s write
    transaction and before the change it guards; nothing to do when it has none.

    Raises :class:`AlreadySubmitted` (409) when the token was claimed before, and
    :class:`~geo_app.store.submissions.SubmissionError` (400) for a malformed key.
    """
    found = request_token()
    if found is None:
        return
    token, parameter = found
    claim(
        session,
        token,
        actor=str(g.user.username),
        action=str(request.endpoint or request.path),
        now=now(),
        keep=timedelta(days=float(current_app.config["SUBMISSION_KEEP_DAYS"])),
        parameter=parameter,
    )
