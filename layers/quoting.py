"""How a Chinese message quotes what somebody typed or a file held.

Messages said ``'NOPE'`` (Python's repr) to people who never wrote Python. :func:`quoted` puts
text in Chinese double quotes, “NOPE”, and writes what cannot be seen (a tab, a new line, a NUL,
a zero-width space) as an escape, so a stray character is visible; numbers and JSON values read
as JSON writes them (``3``, ``true``, ``null``, ``[1, 2]``), so a number given where text was
wanted is told apart from text.
"""

from __future__ import annotations

import json
from typing import Any


def quoted(value: Any) -> str:
    """``value`` as a message shows it: text in “”, anything else as JSON (or ``str``)."""
    if isinstance(value, str):
        shown = value if value.isprintable() else repr(value)[1:-1]
        return f"“{shown}”"
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # not JSON (a date, nan): its own words
        return str(value)
