"""Messages quote what was typed in Chinese quotes, and make invisible characters visible."""

from __future__ import annotations

import math

import pytest

from layers.quoting import quoted


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("NOPE", "“NOPE”"),
        ("风格城市 3栋", "“风格城市 3栋”"),
        ("", "“”"),
        ("a\tb", "“a\\tb”"),  # a tab pasted from a spreadsheet
        ("FG-03\u200b", "“FG-03\\u200b”"),  # a zero-width space copied from a chat
        ("18\n", "“18\\n”"),
        (18, "18"),  # a number where text was wanted reads as a number
        (2.5, "2.5"),
        (True, "true"),
        (None, "null"),
        ([117.25, "31.9"], '[117.25, "31.9"]'),
        ({"mon": "08:00"}, '{"mon": "08:00"}'),
        (math.nan, "nan"),
    ],
)
def test_a_value_is_quoted_as_a_reader_needs_it(value, shown):
    assert quoted(value) == shown
