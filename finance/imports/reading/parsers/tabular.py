"""CSV and XLSX statements read through a :class:`~finance.imports.reading.mapping.ColumnMapping`.

Each bad row becomes a :class:`~finance.imports.reading.statement.RowError` (row,
column, reason) and the rest of the file still parses; the caller decides to
refuse the file or skip those rows.
"""

from __future__ import annotations

import itertools
import unicodedata
from decimal import Decimal
from typing import Any

from finance.imports.reading import limits
from finance.imports.reading.detection import Detection, detect_table
from finance.imports.reading.errors import ErrorCode, ParseError
from finance.imports.reading.mapping import (
    COLUMN_FIELDS,
    PENDING_MARKERS,
    POSTED_MARKERS,
    ColumnMapping,
    ResolvedColumns,
    SignConvention,
)
from finance.imports.reading.statement import Balance, Format, RowError, Statement, StatementRow
from finance.imports.reading.tables import Table, load_csv, load_xlsx
from finance.imports.reading.text import controls_warning
from finance.imports.reading.values import InvalidValue, amount_parser, date_parser


def load_table(data: bytes, fmt: Format, mapping: ColumnMapping | None) -> Table:
    if fmt is Format.XLSX:
        return load_xlsx(data, sheet=mapping.sheet if mapping else None)
    if mapping is not None:
        return load_csv(data, encoding=mapping.encoding, delimiter=mapping.delimiter)
    return load_csv(data)


def parse_table(data: bytes, fmt: Format, mapping: ColumnMapping | None) -> Statement:
    table = load_table(data, fmt, mapping)
    warnings: list[str] = []
    if mapping is None:
        detection = detect_table(table)
        if detection.mapping is None:
            raise ParseError(
                "Could not work out the columns of this file: " + " ".join(detection.problems),
                code=ErrorCode.NO_MAPPING,
            )
        mapping = detection.mapping
        warnings.extend(detection.warnings)
    return read_rows(table, fmt, mapping, warnings)


def _clean(text: str) -> str | None:
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        text = " ".join(text.split())
    return text or None


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def read_rows(table: Table, fmt: Format, mapping: ColumnMapping, warnings: list[str] | None = None) -> Statement:
    records = table.records()
    header: list[str] | None = None
    skipped = 0
    first: tuple[int, list[str]] | None = None
    for number, cells in records:
        if skipped < mapping.skip_rows:
            skipped += 1
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if mapping.has_header:
            header = [cell.strip() for cell in cells]
        else:
            first = (number, cells)
        break
    column_count = len(header) if header is not None else (len(first[1]) if first else 0)
    columns = mapping.resolve(header, max(column_count, _max_index(mapping) + 1 if header is None else column_count))
    rows: list[StatementRow] = []
    errors: list[RowError] = []

    keys = _raw_keys(header, column_count)
    reader = _RowReader(mapping, columns, header)
    for number, cells in itertools.chain([first] if first is not None else [], records):
        if not "".join(cells).strip():
            continue
        if header is not None and cells and cells[0].strip() == header[0] and [c.strip() for c in cells] == header:
            continue  # the header repeated (exports that concatenate pages)
        limits.check_rows(len(rows) + 1)  # this record would be one row more
        if len(cells) > len(keys):
            keys = _raw_keys(header, len(cells))
        result = reader.read(number, cells, keys)
        if isinstance(result, RowError):
            errors.append(result)
        else:
            rows.append(result)
    warnings = [*controls_warning(table.removed), *(warnings or [])]
    opening, closing = _split_balance_lines(rows, warnings)
    currencies = {row.currency for row in rows if row.currency}
    currency = mapping.currency or (currencies.pop() if len(currencies) == 1 else None)
    return Statement(
        format=fmt,
        rows=rows,
        currency=currency,
        encoding=table.encoding,
        errors=errors,
        warnings=warnings,
        mapping=mapping,
        opening_balance=opening,
        closing_balance=closing,
        period_start=min((row.date for row in rows), default=None),
        period_end=max((row.date for row in rows), default=None),
    )


def _max_index(mapping: ColumnMapping) -> int:
    columns = [getattr(mapping, name) for name in COLUMN_FIELDS] + list(mapping.description_columns)
    return max((c for c in columns if isinstance(c, int) and not isinstance(c, bool)), default=0)


def _normalize_label(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


_OPENING_LABELS = frozenset(
    {
        "saldo anterior",
        "saldo inicial",
        "opening balance",
        "balance brought forward",
        "brought forward",
        "solde precedent",
        "solde initial",
        "ancien solde",
        "anfangssaldo",
        "alter kontostand",
        "beginsaldo",
        "saldo iniziale",
    }
)
_CLOSING_LABELS = frozenset(
    {
        "saldo final",
        "saldo atual",
        "closing balance",
        "balance carried forward",
        "carried forward",
        "solde final",
        "nouveau solde",
        "endsaldo",
        "neuer kontostand",
        "eindsaldo",
        "saldo finale",
    }
)


def _split_balance_lines(rows: list[StatementRow], warnings: list[str]) -> tuple[Balance | None, Balance | None]:
    """Rows that only state a balance ("Saldo Anterior", "Closing balance") are balances, not transactions."""
    opening = closing = None
    for row in [rows[0], rows[-1]] if rows else []:
        label = _normalize_label(row.description) or _normalize_label(row.payee)
        if label in _OPENING_LABELS and opening is None and row is rows[0]:
            opening = Balance(amount=row.amount, date=row.date, currency=row.currency)
        elif label in _CLOSING_LABELS and closing is None and row is rows[-1]:
            closing = Balance(amount=row.amount, date=row.date, currency=row.currency)
        else:
            continue
        warnings.append(f"Row {row.row_number} ({label!r}) states a balance: read as one, not as a transaction.")
    if opening is not None:
        rows.pop(0)
    if closing is not None and rows:
        rows.pop()
    return opening, closing


def _raw_keys(header: list[str] | None, count: int) -> list[str]:
    keys: list[str] = []
    seen: set[str] = set()
    for j in range(count):
        name = header[j] if header is not None and j < len(header) and header[j] else f"column_{j + 1}"
        if name in seen:
            name = f"{name}_{j + 1}"
        seen.add(name)
        keys.append(name)
    return keys


class _RowReader:
    """Reads one record with parsers compiled once for the whole file."""

    def __init__(self, mapping: ColumnMapping, columns: ResolvedColumns, header: list[str] | None) -> None:
        self.mapping = mapping
        self.c = columns
        self.header = header
        self.parse_date = date_parser(mapping.date_format)
        self.parse_amount = amount_parser(mapping.decimal_separator)
        self.debit_markers = frozenset(m.strip().lower() for m in mapping.debit_markers)
        self.credit_markers = frozenset(m.strip().lower() for m in mapping.credit_markers)
        self.convention = mapping.sign_convention
        names = ("payee", "notes", "reference", "provider_id", "check_number", "category", "transaction_type")
        self.text_columns = [(name, index) for name in names if (index := getattr(columns, name)) is not None]

    def name(self, index: int | None) -> str | None:
        if index is None:
            return None
        if self.header is not None and index < len(self.header) and self.header[index]:
            return self.header[index]
        return f"column {index + 1}"

    def read(self, number: int, cells: list[str], keys: list[str]) -> StatementRow | RowError:
        c = self.c
        count = len(cells)
        date_text = cells[c.date].strip() if c.date < count else ""
        try:
            amount = self._amount(cells)
        except _CellError as exc:
            if not date_text and exc.empty:
                return RowError(number, "The row has no date and no amount.", code=ErrorCode.NOT_A_TRANSACTION)
            return RowError(number, exc.reason, column=self.name(exc.index), value=exc.value, code=exc.code)
        if not date_text:
            return RowError(number, "The date is missing.", column=self.name(c.date), code=ErrorCode.MISSING_DATE)
        try:
            date = self.parse_date(date_text)
        except InvalidValue as exc:
            return RowError(number, str(exc), column=self.name(c.date), value=date_text, code=ErrorCode.INVALID_DATE)
        values: dict[str, Any] = {}
        if c.posted_date is not None and (posted_text := _cell(cells, c.posted_date)):
            try:
                values["posted_date"] = self.parse_date(posted_text)
            except InvalidValue as exc:
                return RowError(
                    number, str(exc), column=self.name(c.posted_date), value=posted_text, code=ErrorCode.INVALID_DATE
                )
        if c.balance is not None and (balance_text := _cell(cells, c.balance)):
            try:
                values["balance"] = self.parse_amount(balance_text)
            except InvalidValue as exc:
                return RowError(
                    number, str(exc), column=self.name(c.balance), value=balance_text, code=ErrorCode.INVALID_AMOUNT
                )
        currency = self.mapping.currency
        if c.currency is not None:
            currency = _cell(cells, c.currency).upper() or currency
        if c.status is not None:
            status = _cell(cells, c.status).lower()
            values["is_pending"] = True if status in PENDING_MARKERS else False if status in POSTED_MARKERS else None
        if c.descriptions:
            values["description"] = _clean(" ".join(text for text in (_cell(cells, j) for j in c.descriptions) if text))
        for name, index in self.text_columns:
            values[name] = _clean(cells[index].strip()) if index < count else None
        return StatementRow(
            number,
            date,
            amount,
            currency,
            raw=dict(zip(keys, cells, strict=False)),
            **values,
        )

    def _number(self, cells: list[str], index: int | None) -> Decimal | None:
        text = _cell(cells, index)
        if not text:
            return None
        try:
            return self.parse_amount(text)
        except InvalidValue as exc:
            raise _CellError(str(exc), index, text, "invalid_amount") from None

    def _amount(self, cells: list[str]) -> Decimal:
        c = self.c
        if self.convention is SignConvention.DEBIT_CREDIT:
            out, into = self._number(cells, c.debit), self._number(cells, c.credit)
            if out is None and into is None:
                raise _CellError("The amount is missing.", c.debit, None, "missing_amount", empty=True)
            return abs(into or Decimal(0)) - abs(out or Decimal(0))
        if self.convention is SignConvention.SIGNED and c.amount is not None and c.amount < len(cells):
            text = cells[c.amount].strip()
            if text:
                try:
                    return self.parse_amount(text)
                except InvalidValue as exc:
                    raise _CellError(str(exc), c.amount, text, "invalid_amount") from None
        amount = self._number(cells, c.amount)
        if amount is None:
            raise _CellError("The amount is missing.", c.amount, None, "missing_amount", empty=True)
        if self.convention is SignConvention.INVERTED:
            return -amount
        if self.convention is SignConvention.DIRECTION:
            marker = _cell(cells, c.direction).lower()
            if marker in self.debit_markers:
                return -abs(amount)
            if marker in self.credit_markers:
                return abs(amount)
            raise _CellError(
                f"{marker!r} is neither a debit nor a credit marker.", c.direction, marker, ErrorCode.INVALID_DIRECTION
            )
        return amount


class _CellError(Exception):
    def __init__(self, reason: str, index: int | None, value: str | None, code: str, *, empty: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.index = index
        self.value = value
        self.code = code
        self.empty = empty


__all__ = ["Detection", "parse_table", "read_rows"]
