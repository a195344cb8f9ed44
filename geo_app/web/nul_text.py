"""The one character no request may bring: NUL (U+0000), refused before any view runs.

PostgreSQL cannot keep U+0000 in a text column (psycopg raises ``DataError``, which was a 500),
SQLite keeps it and every page then shows a cut or invisible character; nobody types one, so
it only comes from a broken client or a probe. One ``before_request`` check looks at the
path's values, the query, the form (names and values) and a JSON body's strings, and answers a
400 naming the field (JSON under the APIs, the Chinese error page elsewhere).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, request

from geo_app.web.errors import ApiError

NUL = "\x00"
#: ``\u0000`` in JSON text, as an escape (after an even number of backslashes): the only way
#: a JSON string can carry NUL (a raw control character is not JSON).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul)


def refuse_nul() -> None:
    """Refuse a request carrying NUL anywhere a store or a page would take it as text."""
    fields: list[tuple[str, Any]] = list((request.view_args or {}).items())
    fields += list(request.args.items(multi=True)) + list(request.form.items(multi=True))
    for name, value in fields:
        if NUL in name or (isinstance(value, str) and NUL in value):
            _refuse(name.replace(NUL, "\\0"))
    if request.is_json and _JSON_NUL.search(request.get_data(cache=True)):
        _refuse(_json_field_with_nul() or "body")


def _refuse(name: str) -> None:
    msg = f"{name} 含有空字符（U+0000），无法保存，请删去后再提交"
    raise ApiError(name, msg)


def _json_field_with_nul() -> str | None:
    """The path (``text``, ``items[2].name``) of the first JSON string holding NUL, if the body
    parses; the view's own parser words any other problem of the body."""
    try:
        return next(_paths_with_nul(json.loads(request.get_data(cache=True)), ""), None)
    except (ValueError, RecursionError):  # not JSON, or nested past what Python walks
        return None


def _paths_with_nul(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str) and NUL in value:
        yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else key
            if NUL in key:
                yield name.replace(NUL, "\\0")
            yield from _paths_with_nul(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_with_nul(item, f"{path}[{index}]")
