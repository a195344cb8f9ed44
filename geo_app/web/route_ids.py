"""URL converters for the store's row ids.

Werkzeug's plain ``<int:...>`` takes any length of digits, and a number past the database's
INTEGER key (64 bits on SQLite, 32 on PostgreSQL) made the query itself fail: a 500 for
``/items/99999999999999999999``. ``<{ROW_ID}:name>`` matches only ids a key can hold, so any
other number is simply "no such page" (404).
"""

from __future__ import annotations

#: The largest id a 32-bit INTEGER primary key holds (PostgreSQL's ``integer``).
MAX_ROW_ID = 2**31 - 1
#: Converter text for a route: ``f"/items/<{ROW_ID}:item_id>"``.
ROW_ID = f"int(max={MAX_ROW_ID})"
