"""Pages of a long list (the roster, the overdue care households, the open follow-ups, the
微协商 staff lists): which rows the ``?page=`` of the request shows, ``ROSTER_PAGE_ROWS`` a page.

Templates draw the links with ``grid_pager.html``, keeping the list's other query arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from geo_app.web.errors import ApiError
from layers.quoting import quoted


@dataclass(frozen=True)
class ListPage:
    """Which rows of a long list one page shows (``number`` counts from 1; rows ``start`` up
    to, not including, ``stop``)."""

    number: int
    count: int
    start: int
    stop: int


def list_page(found: int, *, rows: int | None = None, asked: str | None = None) -> ListPage:
    """The page ``?page=`` asks for of a list of ``found`` rows, ``rows`` a page (default
    ``ROSTER_PAGE_ROWS``); 1 when absent, past the last the last; not a page number: a 400.
    ``asked``: the page number to use instead of the request's (a form posted from the list)."""
    per_page = int(rows if rows is not None else current_app.config["ROSTER_PAGE_ROWS"])
    text = (asked if asked is not None else request.args.get("page", "1")).strip()
    if not text.isdigit() or int(text) < 1:
        raise ApiError("page", f"page 应为从 1 起的页码，实际为 {quoted(text[:20])}")
    count = max(1, -(-found // per_page))
    number = min(int(text), count)
    return ListPage(number, count, (number - 1) * per_page, min(number * per_page, found))
