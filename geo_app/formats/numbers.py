"""Numbers as people type them: full-width digits, signs and spaces read as their ASCII forms.

A Chinese input method in full-width mode types ``５００``, ``－３``, ``１．５`` and the ideographic
space ``\u3000``. Python's ``float`` happens to accept full-width digits but not full-width
signs or points, and the checks that compare a number with its text ("2" for ``k``) see
``２`` as another text, so some parameters took ``５００`` and others refused ``２``.
:func:`number_text` folds the text once, by Unicode NFKC (compatibility composition, which maps
each full-width form to its ASCII character), before any integer or number is parsed.

:func:`decimal_number` and :func:`integer_number` read a folded number the way the page says
it (应为数字 / 应为整数): Python's ``float`` and ``int`` also read ``1_000`` (a digit
separator of source code, not of anything a person types), which they refuse.
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


def _plain(raw: str) -> str:
    """``raw`` folded (:func:`number_text`); ValueError if it has a digit separator ``_``."""
    text = number_text(raw)
    if "_" in text:
        msg = f"not a number as typed: {raw!r}"
        raise ValueError(msg)
    return text


def decimal_number(raw: str) -> float:
    """A number as typed (``500``, ``５００``, ``1.5``, ``-3``, ``1e3``) — ValueError for
    anything Python's ``float`` would refuse, and for ``1_000``. ``inf``/``nan`` are read
    (callers refuse them as not finite, with that reason)."""
    return float(_plain(raw))


def integer_number(raw: str) -> int:
    """A whole number as typed (``12``, ``+12``, ``１２``) — ValueError otherwise (``2.5``,
    ``1e1``, ``1_000``)."""
    return int(_plain(raw))


def published_metres(metres: float) -> float:
    """A distance as published (JSON, pages): to 0.1 m, so 4 km/h × 15 min reads 1000.0, not
    the 1000.0000000000001 the computation carries (round where shown, not where computed)."""
    return round(float(metres), 1)


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
