"""Numbers as people type them: full-width digits, signs and spaces read as their ASCII forms.

A Chinese input method in full-width mode types ``５００``, ``－３``, ``１．５`` and the ideographic
space ``\u3000``. Python's ``float`` happens to accept full-width digits but not full-width
signs or points, and the checks that compare a number with its text ("2" for ``k``) see
``２`` as another text, so some parameters took ``５００`` and others refused ``２``.
:func:`number_text` folds the text once, by Unicode NFKC (compatibility composition, which maps
each full-width form to its ASCII character), before any integer or number is parsed.
"""

from __future__ import annotations

import unicodedata


def number_text(raw: str) -> str:
    """``raw`` with full-width digits, signs, points and spaces as ASCII (NFKC), stripped."""
    return unicodedata.normalize("NFKC", raw).strip()
