"""Column mappings for CSV and XLSX statements: which column holds what, and how to read it.

A :class:`ColumnMapping` is proposed by :func:`finance.imports.reading.detection.detect`
(with a confidence and a reason per choice); the user may override any part;
the pipeline saves the mapping per account (:meth:`ColumnMapping.to_dict`) and
passes it back to :func:`finance.imports.reading.parsers.parse` next time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

from finance.core.money import iso_currencies
from finance.imports.reading import limits
from finance.imports.reading.encoding import text_codec
from finance.imports.reading.errors import MappingError
from finance.imports.reading.headers import normalize_header
from finance.imports.reading.values import validate_date_format

Column = int | str
"""A column by its 0-based position or by its header text."""


class SignConvention(StrEnum):
    """How the file says whether money went out or came in."""

    SIGNED = "signed"  # one amount column, negative = money out
    INVERTED = "inverted"  # one amount column, positive = money out (many card exports)
    DEBIT_CREDIT = "debit_credit"  # a money-out column and a money-in column
    DIRECTION = "direction"  # an unsigned amount column and a column saying debit or credit


DEFAULT_DEBIT_MARKERS: tuple[str, ...] = (
    "d",
    "dr",
    "db",
    "debit",
    "debet",
    "débit",
    "debito",
    "débito",
    "af",
    "s",
    "soll",
    "withdrawal",
    "out",
    "-",
)
DEFAULT_CREDIT_MARKERS: tuple[str, ...] = (
    "c",
    "cr",
    "credit",
    "crédit",
    "credito",
    "crédito",
    "bij",
    "h",
    "haben",
    "deposit",
    "in",
    "+",
)
PENDING_MARKERS = frozenset({"pending", "authorized", "authorised", "hold", "on hold", "processing", "in progress"})
POSTED_MARKERS = frozenset(
    {"posted", "booked", "cleared", "completed", "complete", "paid", "settled", "success", "succeeded", "reconciled"}
)

COLUMN_FIELDS = (
    "date_column",
    "posted_date_column",
    "amount_column",
    "debit_column",
    "credit_column",
    "direction_column",
    "payee_column",
    "notes_column",
    "reference_column",
    "provider_id_column",
    "check_number_column",
    "currency_column",
    "balance_column",
    "category_column",
    "status_column",
    "transaction_type_column",
)


@dataclass(frozen=True)
class ColumnMapping:
    """How to read one CSV/XLSX layout. Columns are 0-based positions or header texts.

    ``skip_rows`` records (lines) are skipped before the header (or before the
    first data row when ``has_header`` is false). Text in several
    ``description_columns`` is joined with a space.
    """

    date_column: Column
    date_format: str
    amount_column: Column | None = None
    debit_column: Column | None = None
    credit_column: Column | None = None
    direction_column: Column | None = None
    sign_convention: SignConvention = SignConvention.SIGNED
    debit_markers: tuple[str, ...] = DEFAULT_DEBIT_MARKERS
    credit_markers: tuple[str, ...] = DEFAULT_CREDIT_MARKERS
    decimal_separator: str = "."
    posted_date_column: Column | None = None
    payee_column: Column | None = None
    description_columns: tuple[Column, ...] = ()
    notes_column: Column | None = None
    reference_column: Column | None = None
    provider_id_column: Column | None = None
    check_number_column: Column | None = None
    currency_column: Column | None = None
    balance_column: Column | None = None
    category_column: Column | None = None
    status_column: Column | None = None
    transaction_type_column: Column | None = None
    currency: str | None = None
    delimiter: str = ","
    encoding: str | None = None
    has_header: bool = True
    skip_rows: int = 0
    sheet: str | None = None

    def __post_init__(self) -> None:
        errors = self._structure_errors()
        if errors:
            raise MappingError(errors)

    def _structure_errors(self) -> list[dict[str, str]]:
        errors: list[dict[str, str]] = []

        def add(name: str, detail: str) -> None:
            errors.append({"field": name, "detail": detail})

        for name in COLUMN_FIELDS:
            value = getattr(self, name)
            if value is None and name != "date_column":
                continue
            if isinstance(value, bool) or not isinstance(value, int | str):
                add(name, "Give a column position (0, 1, ...) or a header name.")
            elif isinstance(value, int) and not 0 <= value < limits.MAX_COLUMNS:
                add(name, f"A column position is between 0 and {limits.MAX_COLUMNS - 1}.")
            elif isinstance(value, str) and not value.strip():
                add(name, "A header name cannot be empty.")
        if not isinstance(self.description_columns, tuple) or any(
            isinstance(column, bool) or not isinstance(column, int | str) for column in self.description_columns
        ):
            add("description_columns", "Give a list of column positions or header names.")
        if not isinstance(self.date_format, str) or not self.date_format:
            add("date_format", "A date format such as %d/%m/%Y is required.")
        else:
            try:
                validate_date_format(self.date_format)
            except MappingError as exc:
                errors.extend(exc.errors)
        convention = self.sign_convention
        single = (SignConvention.SIGNED, SignConvention.INVERTED, SignConvention.DIRECTION)
        if convention in single and self.amount_column is None:
            add("amount_column", f"The {convention.value} sign convention needs an amount column.")
        if convention is SignConvention.DEBIT_CREDIT and (self.debit_column is None or self.credit_column is None):
            add(
                "debit_column" if self.debit_column is None else "credit_column",
                "The debit_credit sign convention needs both a debit and a credit column.",
            )
        if convention is SignConvention.DIRECTION:
            if self.direction_column is None:
                add("direction_column", "The direction sign convention needs a direction column.")
            if not self.debit_markers or not self.credit_markers:
                add("debit_markers", "The direction sign convention needs debit and credit markers.")
            overlap = {m.lower() for m in self.debit_markers} & {m.lower() for m in self.credit_markers}
            if overlap:
                add("credit_markers", f"Markers cannot mean both debit and credit: {', '.join(sorted(overlap))}.")
        if self.decimal_separator not in (".", ","):
            add("decimal_separator", "The decimal separator is '.' or ','.")
        if not isinstance(self.delimiter, str) or len(self.delimiter) != 1 or self.delimiter in '\r\n"':
            add("delimiter", "The delimiter is one character, such as ',', ';', a tab or '|'.")
        if self.currency is not None and self.currency not in iso_currencies():
            add("currency", f"{self.currency!r} is not an ISO 4217 currency code.")
        if self.encoding is not None and text_codec(self.encoding) is None:
            add(
                "encoding",
                f"{self.encoding!r} is not a text encoding this server reads (such as utf-8, cp1252, iso-8859-15).",
            )
        if isinstance(self.skip_rows, bool) or not isinstance(self.skip_rows, int) or self.skip_rows < 0:
            add("skip_rows", "skip_rows is a number of rows, 0 or more.")
        return errors

    # -- serialization ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable dict that :meth:`from_dict` reads back."""
        data = asdict(self)
        data["sign_convention"] = self.sign_convention.value
        for name in ("description_columns", "debit_markers", "credit_markers"):
            data[name] = list(data[name])
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnMapping:
        """Build a mapping from :meth:`to_dict` output or user input; :class:`MappingError` lists bad fields."""
        known = {f.name for f in fields(cls)}
        errors = [{"field": str(key), "detail": "Unknown field."} for key in data if key not in known]
        values = {key: value for key, value in data.items() if key in known}
        for required in ("date_column", "date_format"):
            if values.get(required) is None:
                errors.append({"field": required, "detail": "This field is required."})
        if "sign_convention" in values:
            try:
                values["sign_convention"] = SignConvention(values["sign_convention"])
            except ValueError:
                choices = ", ".join(c.value for c in SignConvention)
                errors.append({"field": "sign_convention", "detail": f"Choose one of: {choices}."})
                del values["sign_convention"]
        for name in ("description_columns", "debit_markers", "credit_markers"):
            if name in values:
                value = values[name]
                if isinstance(value, str) or not isinstance(value, list | tuple):
                    errors.append({"field": name, "detail": "Give a list."})
                    del values[name]
                else:
                    values[name] = tuple(value)
        for name in ("debit_markers", "credit_markers"):
            if name in values and not all(isinstance(m, str) for m in values[name]):
                errors.append({"field": name, "detail": "Markers are texts."})
                del values[name]
        if "has_header" in values and not isinstance(values["has_header"], bool):
            errors.append({"field": "has_header", "detail": "Must be true or false."})
            del values["has_header"]
        if errors:
            try:
                cls(**{"date_column": 0, "date_format": "%Y-%m-%d", **values})
            except MappingError as exc:
                errors.extend(e for e in exc.errors if e["field"] not in {x["field"] for x in errors})
            except TypeError:
                pass
            raise MappingError(errors)
        return cls(**values)

    def with_overrides(self, **changes: Any) -> ColumnMapping:
        """A copy with some fields changed (validated like :meth:`from_dict`)."""
        return ColumnMapping.from_dict({**self.to_dict(), **changes})

    # -- resolving columns -----------------------------------------------------------

    def resolve(self, header: Sequence[str] | None, column_count: int) -> ResolvedColumns:
        """Column positions for this file; :class:`MappingError` when a column does not exist."""
        errors: list[dict[str, str]] = []
        lookup: dict[str, int] = {}
        if header is not None:
            for index, name in enumerate(header):
                lookup.setdefault(name.strip(), index)
                lookup.setdefault(normalize_header(name), index)

        def find(name: str, column: Column | None) -> int | None:
            if column is None:
                return None
            if isinstance(column, int):
                if column >= column_count:
                    errors.append(
                        {"field": name, "detail": f"The file has no column {column} (it has {column_count})."}
                    )
                    return None
                return column
            if header is None:
                errors.append({"field": name, "detail": f"The file has no header row, so no column {column!r}."})
                return None
            index = lookup.get(column.strip(), lookup.get(normalize_header(column)))
            if index is None:
                errors.append({"field": name, "detail": f"The header has no column {column!r}."})
            return index

        positions = {name: find(name, getattr(self, name)) for name in COLUMN_FIELDS}
        descriptions = tuple(
            index
            for index in (find("description_columns", column) for column in self.description_columns)
            if index is not None
        )
        if errors:
            raise MappingError(errors)
        date_index = positions.pop("date_column")
        assert date_index is not None
        return ResolvedColumns(date=date_index, descriptions=descriptions, **{k[:-7]: v for k, v in positions.items()})


@dataclass(frozen=True, slots=True)
class ResolvedColumns:
    date: int
    descriptions: tuple[int, ...]
    posted_date: int | None = None
    amount: int | None = None
    debit: int | None = None
    credit: int | None = None
    direction: int | None = None
    payee: int | None = None
    notes: int | None = None
    reference: int | None = None
    provider_id: int | None = None
    check_number: int | None = None
    currency: int | None = None
    balance: int | None = None
    category: int | None = None
    status: int | None = None
    transaction_type: int | None = None


def mapping_fields() -> list[str]:
    """The names a mapping dict may use (for forms and API schemas)."""
    return [f.name for f in fields(ColumnMapping)]


__all__ = [
    "COLUMN_FIELDS",
    "DEFAULT_CREDIT_MARKERS",
    "DEFAULT_DEBIT_MARKERS",
    "PENDING_MARKERS",
    "POSTED_MARKERS",
    "Column",
    "ColumnMapping",
    "ResolvedColumns",
    "SignConvention",
    "mapping_fields",
]
