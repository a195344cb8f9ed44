"""CSV cells that a spreadsheet opens as text, never as a formula (CSV injection, CWE-1236).

A cell whose text starts with ``=``, ``+``, ``-``, ``@`` (or their full-width forms), a tab or
a line break is run as a formula by Excel, WPS and LibreOffice: ``=HYPERLINK(...)`` in a
building's name would become a link in the grid leader's export. :func:`safe_cell` prefixes
such text with ``'``, which spreadsheets take as "this is text" and do not show; numbers are
left as numbers. Every CSV export of the service is written by :func:`csv_text`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: object) -> object:
    """``value`` as a CSV cell: text that a spreadsheet would run is prefixed with ``'``."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: list[object]) -> list[object]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(v) for v in values]


def csv_text(
    header: Sequence[object], rows: Iterable[Sequence[object]], *, line_end: str = "\r\n"
) -> str:
    """A CSV document every export of the service writes: UTF-8 with a BOM (so spreadsheet
    programs read the Chinese), each cell through :func:`safe_cell`."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(safe_row(list(header)))
    for row in rows:
        writer.writerow(safe_row(list(row)))
    return out.getvalue()
