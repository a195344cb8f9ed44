"""Numbers as people type them: full-width digits, signs and spaces read as their ASCII forms.

A Chinese input method in full-width mode types ``５００``, ``－３``, ``１．５`` and the ideographic
space ``\u3000``. Python's ``float`` happens to accept full-width digits but not full-width
signs or points, and the checks that compare a number with its text ("2" for ``k``) see
``２`` as another text, so some parameters took ``５００`` and others refused ``２``.
:func:`number_text` folds the text once, by Unicode NFKC (compatibility composition, which maps
each full-width form to its ASCII character), before any integer or number is parsed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from layers.quoting import quoted

#: A whole number as typed: an optional sign, then digits.
_WHOLE = re.compile(r"[+-]?[0-9]+")
#: Longest digit string read as a number; a longer one is out of any range we check (and
#: Python's int() refuses thousands of digits).
MAX_DIGITS = 18


def number_text(raw: str) -> str:
    """``raw`` with full-width digits, signs, points and spaces as ASCII (NFKC), stripped."""
    return unicodedata.normalize("NFKC", raw).strip()


def whole_number(
    value: object, *, low: int, high: int, label: str, parameter: str,
    error: Callable[..., Exception],
) -> int:
    """``value`` (an int, or a whole number as typed: ``"12"``, ``"１２"``) if it lies in
    ``[low, high]``; else ``error(message, parameter=parameter)`` saying what was expected."""
    number: int | None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = number_text(str(value))
        if not _WHOLE.fullmatch(text):
            msg = f"{label}须为{'正整数' if low >= 1 else '整数'}，收到 {quoted(value)}"
            raise error(msg, parameter=parameter)
        number = int(text) if len(text.lstrip("+-")) <= MAX_DIGITS else None
    if number is None or not low <= number <= high:
        msg = f"{label}应在 {low}–{high} 之间，收到 {quoted(value)}"
        raise error(msg, parameter=parameter)
    return number
