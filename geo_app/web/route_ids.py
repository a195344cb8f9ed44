"""Row ids in URLs: every ``<int:...>`` of the app stops at what a database key can hold.

Werkzeug's plain ``int`` converter takes any length of digits, and a number past the store's
INTEGER key (64 bits on SQLite, 32 on PostgreSQL) made the query itself fail: a 500 for
``/items/99999999999999999999``. :func:`init_app` replaces the app's ``int`` converter with
:class:`RowIdConverter`, so every route, present and future, answers such a number with
"no such page" (404).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

#: The largest id a 32-bit INTEGER primary key holds (PostgreSQL's ``integer``).
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """Werkzeug's ``int`` converter with ``max`` defaulting to :data:`MAX_ROW_ID`."""

    def __init__(  # werkzeug's parameter names, with max bounded
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ROW_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask) -> None:
    """Install :class:`RowIdConverter` as the app's ``int`` (before any blueprint's routes)."""
    app.url_map.converters["int"] = RowIdConverter
