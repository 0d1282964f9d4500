"""CSV and XLSX files as tables of text cells with their source row numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from finance.imports.reading import limits
from finance.imports.reading.encoding import decode, storable, text_codec
from finance.imports.reading.errors import ErrorCode, FileTooLarge, ParseError
from finance.imports.reading.text import CONTROLS_RE, without_controls

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_CHARS = 64 * 1024


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of text cells; ``records()`` yields ``(row_number, cells)`` with 1-based source rows."""

    kind: str  # "csv" or "xlsx"
    text: str = ""
    delimiter: str = ","
    encoding: str | None = None
    sheet: str | None = None
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    #: control characters removed from the text (see ``reading/text.py``)
    removed: int = 0

    def records(self) -> Iterator[tuple[int, list[str]]]:
        if self.kind == "xlsx":
            yield from self.rows
            return
        reader = csv.reader(
            io.StringIO(self.text, newline=""),
            delimiter=self.delimiter,
            quotechar='"',
            skipinitialspace=True,
            strict=False,
        )
        start = 1
        try:
            for cells in reader:
                if len(cells) > limits.MAX_COLUMNS:
                    raise ParseError(f"A row has more than {limits.MAX_COLUMNS} columns.", line=start)
                yield start, cells
                start = reader.line_num + 1
        except csv.Error as exc:
            raise ParseError(f"Malformed CSV: {exc}", line=reader.line_num or start) from None


def sniff_delimiter(text: str) -> tuple[str, float]:
    """The delimiter that splits the sample into the most consistent rows of several columns."""
    sample = text[:_SNIFF_CHARS]
    lines = sample.splitlines()
    if len(sample) == _SNIFF_CHARS and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        if not any(delimiter in line for line in lines):
            continue
        counts: dict[int, int] = {}
        rows = 0
        try:
            for cells in csv.reader(lines, delimiter=delimiter, quotechar='"', skipinitialspace=True, strict=False):
                if not any(cell.strip() for cell in cells):
                    continue
                rows += 1
                counts[len(cells)] = counts.get(len(cells), 0) + 1
        except csv.Error:
            continue
        if not rows:
            continue
        modal, hits = max(counts.items(), key=lambda item: (item[1], item[0]))
        if modal < 2:
            continue
        score = (round(hits / rows, 1), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best, best_score[0]


def load_csv(data: bytes, *, encoding: str | None = None, delimiter: str | None = None) -> Table:
    if encoding:
        codec = text_codec(encoding)
        if codec is None:
            raise ParseError(f"{encoding!r} is not a text encoding this server reads.", code=ErrorCode.INVALID_ENCODING)
        try:
            text = storable(data.decode(codec))
        except UnicodeError as exc:
            raise ParseError(f"The file cannot be read as {encoding}: {exc}", code=ErrorCode.INVALID_ENCODING) from None
        if text.startswith("\ufeff"):
            text = text[1:]
        used = encoding
    else:
        decoded = decode(data)
        text, used = decoded.text, decoded.encoding
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ParseError("The file contains NUL bytes: it is not a text (CSV) file.", line=line)
    text, removed = without_controls(text)
    if delimiter is None:
        delimiter, _consistency = sniff_delimiter(text)
    return Table(kind="csv", text=text, delimiter=delimiter, encoding=used, removed=removed)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # XLSX stores numbers as doubles written in their shortest form; repr gives that text back.
        text = repr(value)
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
        return text[:-2] if text.endswith(".0") else text
    return str(value).strip()


# A row, a cell and a sheet's dimension, with or without a namespace prefix (<row r="1">, <x:c r="A1">).
_ROW_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_CELL_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
# A shared string (openpyxl keeps every one in memory as it opens the workbook).
_STRING_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
_DIMENSION_RE = re.compile(
    rb"""<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref\s*=\s*["']([A-Z]{0,3})(\d{0,7})(?::([A-Z]{1,3})(\d{1,7}))?["']"""
)
_SCAN_CHUNK = 1024 * 1024


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_size(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose sheets are over the row, column or cell limits, before openpyxl opens it.

    openpyxl sizes every sheet when it opens a workbook, reading a sheet without a ``<dimension>`` (its own
    writer leaves it out) to the end: 300,000 rows took half a minute to refuse. Here each XML part is read
    once, streamed, counting row and cell elements and checking the dimension a sheet states; the counts are
    over the whole workbook (a statement is one sheet; the others cost openpyxl as much). Shared strings count
    as cells: openpyxl holds them all in memory, and no sheet uses more strings than it has cells.
    """
    rows = cells = 0
    for info in archive.infolist():
        if not info.filename.endswith(".xml"):
            continue
        with archive.open(info) as source:
            carry = b""
            first = True
            while chunk := source.read(_SCAN_CHUNK):
                chunk = carry + chunk
                if first:
                    _check_dimension(chunk)
                    first = False
                cut = chunk.rfind(b"<")  # a tag never spans the cut: the part from the last "<" goes on
                carry, chunk = (chunk[cut:], chunk[:cut]) if cut > 0 else (b"", chunk)
                rows += len(_ROW_TAG_RE.findall(chunk))
                cells += len(_CELL_TAG_RE.findall(chunk)) + len(_STRING_TAG_RE.findall(chunk))
                _check_counts(rows, cells)
            rows += len(_ROW_TAG_RE.findall(carry))
            cells += len(_CELL_TAG_RE.findall(carry)) + len(_STRING_TAG_RE.findall(carry))
            _check_counts(rows, cells)


def _check_dimension(head: bytes) -> None:
    found = _DIMENSION_RE.search(head)
    if found is None:
        return
    first_column, first_row, last_column, last_row = found.groups()
    max_row = int(last_row or first_row or 0)
    max_column = _column_number(last_column or first_column or b"")
    if max_row - limits.DETECT_SAMPLE_ROWS > limits.MAX_ROWS:
        raise FileTooLarge(f"The sheet has {max_row} rows, more than {limits.MAX_ROWS}.")
    if max_column > limits.MAX_COLUMNS:
        raise ParseError(f"The sheet has {max_column} columns, more than {limits.MAX_COLUMNS}.")


def _check_counts(rows: int, cells: int) -> None:
    if rows - limits.DETECT_SAMPLE_ROWS > limits.MAX_ROWS:
        raise FileTooLarge(f"The workbook has more than {limits.MAX_ROWS} rows.")
    if cells > limits.MAX_XLSX_CELLS:
        raise FileTooLarge(f"The workbook has more than {limits.MAX_XLSX_CELLS} cells.")


def load_xlsx(data: bytes, *, sheet: str | None = None) -> Table:
    from openpyxl import load_workbook  # imported here: only XLSX uploads pay for it

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ParseError("The file is not a valid XLSX workbook (not a ZIP archive).") from None
    with archive:
        total = sum(info.file_size for info in archive.infolist())
        if total > limits.MAX_XLSX_UNCOMPRESSED_BYTES:
            raise FileTooLarge(
                f"The workbook expands to {total // (1024 * 1024)} MiB, more than "
                f"{limits.MAX_XLSX_UNCOMPRESSED_BYTES // (1024 * 1024)} MiB."
            )
        try:
            _check_size(archive)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise ParseError(f"The file is not a readable XLSX workbook: {exc}") from None
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for broken workbooks
            raise ParseError(f"The file is not a readable XLSX workbook: {exc}") from None
        try:
            worksheet: Any
            if sheet is not None:
                if sheet not in workbook.sheetnames:
                    raise ParseError(f"The workbook has no sheet {sheet!r} (sheets: {', '.join(workbook.sheetnames)}).")
                worksheet = workbook[sheet]
            else:
                worksheet = workbook.worksheets[0]
            rows: list[tuple[int, list[str]]] = []
            removed = 0
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if len(values) > limits.MAX_COLUMNS:
                    raise ParseError(f"A row has more than {limits.MAX_COLUMNS} columns.", line=number)
                cells = [_cell_text(value) for value in values]
                if any(CONTROLS_RE.search(cell) for cell in cells):  # openpyxl turns "_x0007_" into a control
                    cleaned = [without_controls(cell) for cell in cells]
                    cells = [cell for cell, _count in cleaned]
                    removed += sum(count for _cell, count in cleaned)
                while cells and not cells[-1]:
                    cells.pop()
                rows.append((number, cells))
                # The detector's sample (and a preamble or header within it) is allowed on top of the rows.
                limits.check_rows(len(rows) - limits.DETECT_SAMPLE_ROWS, of="sheet")
            title = worksheet.title
        finally:
            workbook.close()
    return Table(kind="xlsx", rows=rows, sheet=title, removed=removed)
