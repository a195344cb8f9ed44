"""Where a form sends its user back to: the page it names in a ``next`` field, when that is a
page of this site the app knows.

``next`` is typed by nobody but can be forged by anyone, so it is never redirected to as
given: it must pass :func:`~geo_app.auth.views.safe_next` (a path on this site, no scheme,
host, backslash or control character) and then match one of the app's own routes. The view
gets the route's endpoint and arguments and builds the URL again itself with ``url_for``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import current_app
from werkzeug.exceptions import HTTPException

from geo_app.auth.views import safe_next


@dataclass(frozen=True)
class KnownPage:
    """A page of this app: its endpoint, the route's arguments and the query (last values)."""

    endpoint: str
    args: dict[str, Any]
    query: dict[str, str]


def known_page(target: str | None) -> KnownPage | None:
    """The page of this app ``target`` (a form's ``next``) names, or ``None`` for anything
    else: another site, a path no GET route answers, a malformed value."""
    local = safe_next(target)
    if local is None:
        return None
    parts = urlsplit(local)
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:  # no such page, not a GET page, or one that redirects elsewhere
        return None
    return KnownPage(str(endpoint), dict(args), dict(parse_qsl(parts.query)))
