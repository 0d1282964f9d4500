"""Column mappings for CSV and XLSX statements, and their detection.

:func:`detect` looks at a sample of the file once and proposes a
:class:`ColumnMapping` (delimiter, encoding, header row, date column and
format, amount columns and sign convention, text columns), with a confidence
and a reason per choice. The user may override any part; the pipeline saves
the mapping per account (:meth:`ColumnMapping.to_dict`) and passes it back to
:func:`finance.imports.reading.parsers.parse` next time.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from enum import StrEnum
from typing import Any, BinaryIO

from finance.core.money import iso_currencies
from finance.imports.reading import limits
from finance.imports.reading.errors import MappingError, ParseError
from finance.imports.reading.source import read_bytes
from finance.imports.reading.tables import DELIMITERS, Table, load_csv, load_xlsx
from finance.imports.reading.values import (
    InvalidValue,
    amount_parser,
    decimal_places,
    infer_date_format,
    infer_decimal_separator,
    looks_like_amount,
    validate_date_format,
)

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
        if self.encoding is not None:
            try:
                "".encode(self.encoding)
            except (LookupError, TypeError):
                add("encoding", f"Unknown encoding {self.encoding!r}.")
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
                lookup.setdefault(_normalize_header(name), index)

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
            index = lookup.get(column.strip(), lookup.get(_normalize_header(column)))
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


@dataclass(frozen=True)
class Detection:
    """What :func:`detect` proposes for a CSV/XLSX file.

    ``mapping`` is ``None`` when no date or amount column could be found;
    ``problems`` then says what is missing. ``confidence`` (0 to 1) and
    ``reasons`` are keyed by mapping field name.
    """

    mapping: ColumnMapping | None
    confidence: dict[str, float]
    reasons: dict[str, str]
    header: list[str] | None
    preview: list[list[str]]
    column_count: int
    format: str
    encoding: str | None
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mapping": self.mapping.to_dict() if self.mapping else None,
            "confidence": dict(self.confidence),
            "reasons": dict(self.reasons),
            "header": list(self.header) if self.header is not None else None,
            "preview": [list(row) for row in self.preview],
            "column_count": self.column_count,
            "format": self.format,
            "encoding": self.encoding,
            "warnings": list(self.warnings),
            "problems": list(self.problems),
        }


# ---------------------------------------------------------------------------
# Header names

_HEADER_SYNONYMS: dict[str, tuple[tuple[str, float], ...]] = {}


def _synonyms(role: str, strong: Iterable[str], weak: Iterable[str] = ()) -> None:
    _HEADER_SYNONYMS[role] = tuple((name, 1.0) for name in strong) + tuple((name, 0.85) for name in weak)


_synonyms(
    "date",
    (
        "date",
        "transaction date",
        "trans date",
        "txn date",
        "booking date",
        "book date",
        "buchungstag",
        "buchungsdatum",
        "datum",
        "date operation",
        "date de l operation",
        "date d operation",
        "fecha",
        "fecha operacion",
        "data",
        "data operazione",
        "journaldate",
        "journal date",
        "boekdatum",
        "transactiedatum",
        "date de comptabilisation",
        "completed date",
    ),
    ("posting date", "created", "created at", "date time", "datetime", "started date", "order date"),
)
_synonyms(
    "posted_date",
    (
        "posted date",
        "post date",
        "value date",
        "valuta",
        "valutadatum",
        "wertstellung",
        "wertstellungsdatum",
        "date de valeur",
        "fecha valor",
        "data valuta",
        "data do balancete",
        "settlement date",
        "rentedatum",
    ),
    ("posting date",),
)
_synonyms(
    "amount",
    (
        "amount",
        "betrag",
        "montant",
        "importe",
        "valor",
        "bedrag",
        "importo",
        "amt",
        "net amount",
        "netamount",
        "transaction amount",
        "umsatz",
        "kwota",
        "belopp",
        "beløb",
        "belob",
        "summa",
        "montant de l operation",
    ),
    ("net", "total", "gross", "value", "sum"),
)
# PayPal-style exports have Gross, Fee and Net: Net is what moved the balance.
_HEADER_SYNONYMS["amount"] = tuple(
    (name, 0.87 if name == "net" else 0.83 if name == "gross" else strength)
    for name, strength in _HEADER_SYNONYMS["amount"]
)
_synonyms(
    "debit",
    (
        "debit",
        "debits",
        "withdrawal",
        "withdrawals",
        "paid out",
        "money out",
        "debit amount",
        "amount debit",
        "soll",
        "debe",
        "cargo",
        "cargos",
        "outflow",
        "spent",
        "uitgaven",
        "ausgang",
    ),
    ("out",),
)
_synonyms(
    "credit",
    (
        "credit",
        "credits",
        "deposit",
        "deposits",
        "paid in",
        "money in",
        "credit amount",
        "amount credit",
        "haben",
        "haber",
        "abono",
        "abonos",
        "inflow",
        "received",
        "inkomsten",
        "eingang",
    ),
    ("in",),
)
_synonyms(
    "direction",
    (
        "debit credit",
        "credit debit",
        "d c",
        "c d",
        "dc",
        "cr dr",
        "dr cr",
        "af bij",
        "credit debit indicator",
        "soll haben",
        "sens",
        "balance impact",
    ),
    ("transaction type", "type", "direction"),
)
_synonyms(
    "balance",
    (
        "balance",
        "running balance",
        "runningbalance",
        "kontostand",
        "solde",
        "saldo",
        "ending balance",
        "balance after",
        "new balance",
        "saldo nach buchung",
        "available balance",
    ),
)
_synonyms(
    "currency",
    ("currency", "ccy", "curr", "currency code", "wahrung", "devise", "monn", "moneda", "waehrung", "munt"),
)
_synonyms(
    "payee",
    (
        "payee",
        "name",
        "merchant",
        "merchant name",
        "beneficiary",
        "counterparty",
        "counter party",
        "partner name",
        "auftraggeber empfanger",
        "empfanger",
        "auftraggeber",
        "beguenstigter zahlungspflichtiger",
        "begunstigter zahlungspflichtiger",
        "recipient",
        "payer",
        "store name",
        "naam tegenrekening",
        "naam omschrijving",
        "nom",
        "nombre",
        "beneficiario",
        "description payee",
    ),
)
_synonyms(
    "description",
    (
        "description",
        "desc",
        "details",
        "narrative",
        "libelle",
        "verwendungszweck",
        "reason",
        "summary",
        "historico",
        "text",
        "transaction description",
        "purpose",
        "omschrijving",
        "mededelingen",
        "concepto",
        "beschreibung",
        "particulars",
        "transaction details",
        "payment details",
        "items",
        "libelle operation",
        "descripcion",
        "descrizione",
    ),
    ("memo",),
)
_synonyms(
    "notes",
    (
        "notes",
        "note",
        "comments",
        "comment",
        "remarks",
        "memo",
        "additional description",
        "detail de l ecriture",
        "notiz",
        "bemerkung",
        "message",
        "mitteilung",
        "additional info",
    ),
    ("original description", "additional information"),
)
_synonyms(
    "reference",
    (
        "reference",
        "ref",
        "reference id",
        "transaction reference",
        "payment reference",
        "sepa reference",
        "numero du document",
        "numero do documento",
        "client reference",
        "end to end reference",
        "referenz",
        "kundenreferenz",
        "order id",
        "reference number",
        "ref no",
        "invoice number",
    ),
)
_synonyms(
    "provider_id",
    ("transaction id", "fitid", "transaction number", "n de transaction", "transaction no", "id"),
)
_synonyms(
    "check_number",
    ("check number", "checknumber", "check", "check no", "check num", "cheque number", "cheque no", "num", "chk"),
)
_synonyms("category", ("category", "kategorie", "categorie", "categoria", "class", "categories"))
_synonyms("status", ("status", "state", "transaction status"))
_synonyms(
    "transaction_type",
    ("type", "transaction type", "buchungstext", "posting text", "trntype", "transaction code", "code"),
)

_NUMBERED_DESCRIPTION_RE = re.compile(r"^(vwz|description|verwendungszweck|libelle|text|memo|details)\s*\d{1,2}$")
_CURRENCY_IN_HEADER_RE = re.compile(r"\(([A-Z]{3})\)|\[([A-Z]{3})\]|\bin ([A-Z]{3})\b")


def _normalize_header(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = re.sub(r"[^0-9a-zß]+", " ", text)
    return " ".join(text.split())


def _header_strength(role: str, normalized: str) -> float:
    best = 0.0
    for synonym, strength in _HEADER_SYNONYMS[role]:
        if normalized == synonym:
            best = max(best, strength)
        elif normalized.startswith(synonym + " ") and len(synonym) >= 4:
            best = max(best, strength * 0.8)
    return best


# ---------------------------------------------------------------------------
# Column profiles


@dataclass
class _Profile:
    index: int
    values: list[str]
    total: int
    filled: float = 0.0
    date_pattern: str | None = None
    date_matched: float = 0.0
    date_ambiguous: bool = False
    date_confidence: float = 0.0
    date_reason: str = ""
    amount_frac: float = 0.0
    negatives: int = 0
    two_decimals: float = 0.0
    integers_only: bool = False
    constant: bool = False
    currency_frac: float = 0.0
    marker_frac: float = 0.0
    status_frac: float = 0.0
    text_score: float = 0.0
    nonzero: list[bool] = field(default_factory=list)


def _profile(index: int, column: list[str], *, prefer_day_first: bool | None) -> _Profile:
    values = [value.strip() for value in column]
    filled_values = [value for value in values if value]
    profile = _Profile(index=index, values=values, total=len(values))
    if not filled_values:
        return profile
    count = len(filled_values)
    profile.filled = count / len(values)
    profile.constant = len(set(filled_values)) == 1 and count > 2
    guess = infer_date_format(filled_values, prefer_day_first=prefer_day_first)
    if guess is not None:
        profile.date_pattern = guess.pattern
        profile.date_matched = guess.matched
        profile.date_ambiguous = guess.ambiguous
        profile.date_confidence = guess.confidence
        profile.date_reason = guess.reason
    amounts = [value for value in filled_values if looks_like_amount(value)]
    profile.amount_frac = len(amounts) / count
    if amounts:
        profile.two_decimals = sum(1 for value in amounts if decimal_places(value) == 2) / len(amounts)
        profile.negatives = sum(1 for value in amounts if _is_negative(value))
        profile.integers_only = all(decimal_places(value) is None for value in amounts)
    codes = iso_currencies()
    profile.currency_frac = sum(1 for value in filled_values if value.upper() in codes) / count
    markers = set(DEFAULT_DEBIT_MARKERS + DEFAULT_CREDIT_MARKERS) - {"-", "+", "in", "out", "s", "h"}
    profile.marker_frac = sum(1 for value in filled_values if value.lower() in markers) / count
    profile.status_frac = sum(1 for value in filled_values if value.lower() in PENDING_MARKERS | POSTED_MARKERS) / count
    collapsed = [" ".join(value.split()) for value in filled_values]
    letters = sum(sum(1 for char in value if char.isalpha()) for value in collapsed)
    characters = sum(len(value) for value in collapsed) or 1
    average = characters / count
    profile.text_score = 0.0 if profile.constant else average * (letters / characters) * profile.filled
    profile.nonzero = [bool(value) and _nonzero_amount(value) for value in values]
    return profile


def _is_negative(value: str) -> bool:
    stripped = value.strip()
    return stripped.startswith(("-", "(", "\u2212")) or stripped.endswith("-") or "-$" in stripped or "- " in stripped


def _nonzero_amount(value: str) -> bool:
    try:
        return amount_parser(None)(value) != 0
    except InvalidValue:
        return False


def _is_amount_column(profile: _Profile) -> bool:
    if profile.filled == 0 or profile.amount_frac < 0.9 or profile.date_matched >= 0.8:
        return False
    if profile.integers_only:
        # IDs, check numbers and quantities are whole numbers; amounts nearly never all are... unless
        # every value is large and round, as in some exports: accept when negative values occur.
        lengths = [len(value.lstrip("+-")) for value in profile.values if value]
        if any(length >= 7 for length in lengths) or not profile.negatives:
            return False
    return True


# ---------------------------------------------------------------------------
# Detection


def _sample_records(table: Table) -> tuple[list[tuple[int, list[str]]], int]:
    sample: list[tuple[int, list[str]]] = []
    for record in table.records():
        sample.append(record)
        if len(sample) >= limits.DETECT_SAMPLE_ROWS:
            break
    return sample, len(sample)


def _is_blank(cells: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _header_like(cells: Sequence[str]) -> bool:
    filled = [cell.strip() for cell in cells if cell.strip()]
    if len(filled) < max(2, len(cells) // 2):
        return False
    if any(infer_date_format([cell]) is not None for cell in filled):
        return False
    amounts = sum(1 for cell in filled if looks_like_amount(cell))
    return amounts <= len(filled) // 4


def _has_date(cells: Sequence[str]) -> bool:
    return any(infer_date_format([cell]) is not None for cell in cells if cell.strip())


def _find_layout(records: list[tuple[int, list[str]]]) -> tuple[int, bool, int]:
    """``(first record index, has header, column count)``: skips preamble lines and finds the header."""
    counts: dict[int, int] = {}
    for _number, cells in records:
        if not _is_blank(cells):
            counts[len(cells)] = counts.get(len(cells), 0) + 1
    if not counts:
        return 0, False, 0
    # The data block's width: the most frequent width, preferring wider rows on ties.
    width = max(counts.items(), key=lambda item: (item[1], item[0]))[0]
    for index, (_number, cells) in enumerate(records):
        if _is_blank(cells) or len(cells) < 2:
            continue
        if _header_like(cells) and abs(len(cells) - width) <= 1:
            following = [c for _n, c in records[index + 1 : index + 6] if not _is_blank(c)]
            if not following or any(_has_date(c) for c in following):
                return index, True, max(width, len(cells))
            continue
        if _has_date(cells):
            following = [c for _n, c in records[index + 1 : index + 6] if not _is_blank(c)]
            if len(cells) == width or not any(_header_like(c) for c in following):
                return index, False, width
    return 0, False, width


def detect(
    file: bytes | BinaryIO,
    *,
    filename: str | None = None,
    format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Detection:
    """Propose a :class:`ColumnMapping` for a CSV or XLSX statement."""
    data = read_bytes(file)
    kind = (format or "").lower() or ("xlsx" if data[:4] == b"PK\x03\x04" else "csv")
    if kind == "xlsx":
        table = load_xlsx(data, sheet=sheet)
    elif kind == "csv":
        if delimiter is not None and delimiter not in DELIMITERS and len(delimiter) != 1:
            raise MappingError([{"field": "delimiter", "detail": "The delimiter is one character."}])
        table = load_csv(data, encoding=encoding, delimiter=delimiter)
    else:
        raise ParseError(f"Column mapping applies to CSV and XLSX files, not {kind}.", code="unsupported_format")
    return detect_table(table)


def detect_table(table: Table) -> Detection:
    records, _count = _sample_records(table)
    start, has_header, width = _find_layout(records)
    header: list[str] | None = None
    confidence: dict[str, float] = {}
    reasons: dict[str, str] = {}
    warnings: list[str] = []
    problems: list[str] = []
    if table.kind == "csv":
        confidence["delimiter"] = 0.9
        reasons["delimiter"] = f"{table.delimiter!r} splits the rows into {width} columns consistently"
        confidence["encoding"] = 0.9 if table.encoding in ("utf-8", "ascii") else 0.7
        reasons["encoding"] = f"read as {table.encoding}"
    if has_header:
        header = [cell.strip() for cell in records[start][1]]
        data_records = records[start + 1 :]
        confidence["has_header"] = 0.9
        reasons["has_header"] = f"row {records[start][0]} holds column names"
    else:
        data_records = records[start:]
        confidence["has_header"] = 0.7
        reasons["has_header"] = "the first rows already hold dates and amounts"
    if start:
        reasons["skip_rows"] = f"{start} line(s) before the {'header' if has_header else 'data'} skipped"
        confidence["skip_rows"] = 0.8
    rows = [cells for _n, cells in data_records if not _is_blank(cells) and (header is None or cells != header)]
    preview = [list(cells) for cells in rows[:10]]
    column_count = max([width] + [len(cells) for cells in rows] + [len(header) if header else 0])
    columns = [[cells[j] if j < len(cells) else "" for cells in rows] for j in range(column_count)]
    names = [_normalize_header(header[j]) if header and j < len(header) else "" for j in range(column_count)]

    # Decimal separator first: it hints at the day/month order of ambiguous dates.
    money_like = [
        j for j in range(column_count) if columns[j] and _looks_money(columns[j]) and not _mostly_dates(columns[j])
    ]
    decimal = infer_decimal_separator(v for j in money_like for v in columns[j]) or "."
    prefer_day_first = decimal == "," or table.delimiter == ";"
    profiles = [_profile(j, columns[j], prefer_day_first=prefer_day_first or None) for j in range(column_count)]
    taken: set[int] = set()

    def by_header(role: str, usable: Any = None) -> tuple[int, float] | None:
        best: tuple[int, float] | None = None
        for j, name in enumerate(names):
            if j in taken or not name:
                continue
            strength = _header_strength(role, name)
            if strength and (usable is None or usable(profiles[j])) and (best is None or strength > best[1]):
                best = (j, strength)
        return best

    def column_ref(j: int) -> Column:
        if header is not None and j < len(header) and header[j] and header.count(header[j]) == 1:
            return header[j]
        return j

    chosen: dict[str, Any] = {}

    # -- dates
    def is_date(profile: _Profile) -> bool:
        return (profile.date_pattern is not None and profile.date_matched >= 0.5) or not rows

    date_hit = by_header("date", is_date) or by_header("posted_date", is_date)
    if date_hit:
        date_index = date_hit[0]
        confidence["date_column"] = round(0.95 * date_hit[1], 2)
        reasons["date_column"] = f"header {header[date_index]!r}" if header else ""
    else:
        candidates = [p for p in profiles if p.date_pattern and p.date_matched >= 0.8]
        date_index = candidates[0].index if candidates else -1
        if date_index >= 0:
            confidence["date_column"] = round(0.8 * profiles[date_index].date_matched, 2)
            reasons["date_column"] = f"column {date_index + 1} holds dates"
    if date_index < 0:
        problems.append("No column holds dates.")
    else:
        taken.add(date_index)
        chosen["date_column"] = column_ref(date_index)
        profile = profiles[date_index]
        if profile.date_pattern:
            chosen["date_format"] = profile.date_pattern
            confidence["date_format"] = profile.date_confidence
            reasons["date_format"] = profile.date_reason
            if profile.date_ambiguous:
                warnings.append(
                    f"The day/month order of the dates is ambiguous; {profile.date_pattern} was assumed. "
                    "Check a few dates and override date_format if needed."
                )
        else:
            chosen["date_format"] = "%Y-%m-%d"
            confidence["date_format"] = 0.0
            reasons["date_format"] = "no data rows to look at"
        posted = by_header("posted_date", is_date)
        if posted is None and header is None:
            others = [p for p in profiles if p.index not in taken and p.date_pattern and p.date_matched >= 0.8]
            posted = (others[0].index, 0.7) if others else None
        if posted is not None:
            taken.add(posted[0])
            chosen["posted_date_column"] = column_ref(posted[0])
            confidence["posted_date_column"] = round(0.9 * posted[1], 2)

    # -- balance (before amounts, so it is not taken for one)
    balance = by_header("balance", lambda p: p.amount_frac >= 0.8 or p.filled == 0)
    if balance:
        taken.add(balance[0])
        chosen["balance_column"] = column_ref(balance[0])
        confidence["balance_column"] = round(0.9 * balance[1], 2)

    # -- amounts and sign convention
    def money(profile: _Profile) -> bool:
        return profile.filled == 0 or profile.amount_frac >= 0.8

    amount_hit = by_header("amount", money)
    debit_hit = by_header("debit", money)
    credit_hit = by_header("credit", money)
    convention: SignConvention | None = None
    if debit_hit and credit_hit and (amount_hit is None or amount_hit[1] < min(debit_hit[1], credit_hit[1])):
        chosen["debit_column"], chosen["credit_column"] = column_ref(debit_hit[0]), column_ref(credit_hit[0])
        taken.update({debit_hit[0], credit_hit[0]})
        convention = SignConvention.DEBIT_CREDIT
        confidence["sign_convention"] = 0.9
        reasons["sign_convention"] = "separate money-out and money-in columns"
        confidence["debit_column"] = confidence["credit_column"] = round(0.95 * min(debit_hit[1], credit_hit[1]), 2)
    elif amount_hit:
        chosen["amount_column"] = column_ref(amount_hit[0])
        taken.add(amount_hit[0])
        confidence["amount_column"] = round(0.95 * amount_hit[1], 2)
        reasons["amount_column"] = f"header {header[amount_hit[0]]!r}" if header else ""
    else:
        pair = _find_debit_credit_pair(profiles, taken)
        if pair is not None:
            debit_index, credit_index, why = pair
            chosen["debit_column"], chosen["credit_column"] = column_ref(debit_index), column_ref(credit_index)
            taken.update({debit_index, credit_index})
            convention = SignConvention.DEBIT_CREDIT
            confidence["sign_convention"] = confidence["debit_column"] = confidence["credit_column"] = 0.6
            reasons["sign_convention"] = why
        else:
            amount_profiles = [p for p in profiles if p.index not in taken and _is_amount_column(p)]
            if amount_profiles:
                best = max(
                    amount_profiles,
                    key=lambda p: (
                        (not p.constant) * 2 + p.two_decimals * 2 + (p.negatives > 0) + p.filled,
                        -p.index,
                    ),
                )
                chosen["amount_column"] = column_ref(best.index)
                taken.add(best.index)
                confidence["amount_column"] = 0.7 if best.negatives else 0.6
                reasons["amount_column"] = f"column {best.index + 1} holds amounts"
    if "amount_column" not in chosen and convention is None:
        problems.append("No column holds amounts.")

    # -- direction column and inverted signs for a single amount column
    direction = by_header("direction", lambda p: p.marker_frac >= 0.8)
    if direction is None:
        markers = [p for p in profiles if p.index not in taken and p.marker_frac >= 0.9 and p.filled >= 0.9]
        direction = (markers[0].index, 0.7) if markers else None
    if "amount_column" in chosen and convention is None:
        amount_profile = profiles[_index_of(chosen["amount_column"], header)]
        amounts = _parsed(amount_profile.values, decimal)
        balance_index = _index_of(chosen["balance_column"], header) if "balance_column" in chosen else None
        balance_vote = (
            _balance_vote(amounts, _parsed(profiles[balance_index].values, decimal)) if balance_index else None
        )
        if balance_index is None:
            found = _find_balance_column(profiles, amounts, taken, decimal)
            if found is not None:
                balance_index, balance_vote = found
                chosen["balance_column"] = column_ref(balance_index)
                taken.add(balance_index)
                confidence["balance_column"] = 0.7
                reasons["balance_column"] = "it changes by each row's amount"
        if amount_profile.negatives:
            convention = SignConvention.SIGNED
            confidence["sign_convention"] = 0.85
            reasons["sign_convention"] = "amounts carry their own sign"
            if direction is not None:
                vote = _direction_vote(amounts, profiles[direction[0]].values)
                if vote < 0:
                    convention = SignConvention.INVERTED
                    confidence["sign_convention"] = 0.8
                    reasons["sign_convention"] = "debit rows are positive and credit rows negative"
            if balance_vote is not None and balance_vote < 0:
                convention = SignConvention.INVERTED
                confidence["sign_convention"] = 0.9
                reasons["sign_convention"] = "the running balance moves against the amounts' signs"
        elif direction is not None:
            convention = SignConvention.DIRECTION
            chosen["direction_column"] = column_ref(direction[0])
            taken.add(direction[0])
            confidence["sign_convention"] = confidence["direction_column"] = round(0.85 * direction[1], 2)
            reasons["sign_convention"] = "unsigned amounts with a debit/credit column"
        elif balance_vote is not None:
            convention = SignConvention.SIGNED if balance_vote > 0 else SignConvention.INVERTED
            confidence["sign_convention"] = 0.85
            reasons["sign_convention"] = "the running balance moves with the amounts"
        else:
            convention = SignConvention.SIGNED
            confidence["sign_convention"] = 0.4
            reasons["sign_convention"] = "no amount is negative and nothing else says which way money moved"
            if rows:
                warnings.append(
                    "Every amount is positive: if positive means money out (as on many card statements), "
                    "use the 'inverted' sign convention."
                )
    elif convention is SignConvention.DEBIT_CREDIT and "balance_column" not in chosen:
        pair_amounts = _pair_amounts(profiles, chosen, header, decimal)
        found = _find_balance_column(profiles, pair_amounts, taken, decimal)
        if found is not None:
            chosen["balance_column"] = column_ref(found[0])
            taken.add(found[0])
            confidence["balance_column"] = 0.7
            if found[1] < 0:
                chosen["debit_column"], chosen["credit_column"] = chosen["credit_column"], chosen["debit_column"]
                reasons["sign_convention"] = "the running balance shows which column is money out"

    if convention is not None:
        chosen["sign_convention"] = convention
    chosen["decimal_separator"] = decimal
    confidence["decimal_separator"] = 0.9 if money_like else 0.3

    # -- currency
    currency = by_header("currency", lambda p: p.currency_frac >= 0.8 or p.filled == 0)
    if currency is None:
        coded = [p for p in profiles if p.index not in taken and p.currency_frac >= 0.9 and p.filled >= 0.9]
        currency = (coded[0].index, 0.8) if coded else None
    if currency is not None:
        taken.add(currency[0])
        chosen["currency_column"] = column_ref(currency[0])
        confidence["currency_column"] = round(0.95 * currency[1], 2)
    if header is not None:
        for j in (_index_of(chosen[k], header) for k in ("amount_column", "debit_column") if k in chosen):
            if match := _CURRENCY_IN_HEADER_RE.search(header[j]):
                code = next(group for group in match.groups() if group)
                if code in iso_currencies():
                    chosen["currency"] = code
                    confidence["currency"] = 0.9
                    reasons["currency"] = f"the header {header[j]!r} names it"

    # -- text and other columns (by header only, except the description)
    for role in (
        "status",
        "provider_id",
        "check_number",
        "payee",
        "reference",
        "category",
        "transaction_type",
        "notes",
    ):
        validator = {
            "status": lambda p: p.status_frac >= 0.5 or p.filled == 0,
            "check_number": lambda p: not p.text_score or p.filled < 1,
        }.get(role)
        hit = by_header(role, validator)
        if hit is not None and not profiles[hit[0]].constant:
            taken.add(hit[0])
            chosen[f"{role}_column"] = column_ref(hit[0])
            confidence[f"{role}_column"] = round(0.9 * hit[1], 2)
    numbered = [
        j
        for j, name in enumerate(names)
        if j not in taken and _NUMBERED_DESCRIPTION_RE.match(name) and not profiles[j].constant
    ]
    descriptions: list[int] = []
    if numbered:
        descriptions = numbered
        confidence["description_columns"] = 0.85
    else:
        hit = by_header("description", lambda p: not p.constant)
        if hit is not None:
            descriptions = [hit[0]]
            confidence["description_columns"] = round(0.9 * hit[1], 2)
        elif header is None or "payee_column" not in chosen:
            texts = [p for p in profiles if p.index not in taken and p.text_score > 0 and p.amount_frac < 0.5]
            if texts:
                best_text = max(texts, key=lambda p: p.text_score)
                descriptions = [best_text.index]
                confidence["description_columns"] = 0.6
                reasons["description_columns"] = f"column {best_text.index + 1} holds the longest text"
    taken.update(descriptions)
    chosen["description_columns"] = tuple(column_ref(j) for j in descriptions)
    if header is None and "payee_column" not in chosen:
        reasons["payee_column"] = "no header: payee left to the description"

    chosen.update(delimiter=table.delimiter, has_header=has_header, skip_rows=start, sheet=table.sheet)
    if table.kind == "csv":
        chosen["encoding"] = table.encoding
    mapping: ColumnMapping | None = None
    if not problems:
        try:
            mapping = ColumnMapping(**chosen)
        except MappingError as exc:
            problems.extend(f"{error['field']}: {error['detail']}" for error in exc.errors)
    return Detection(
        mapping=mapping,
        confidence=confidence,
        reasons=reasons,
        header=header,
        preview=preview,
        column_count=column_count,
        format=table.kind,
        encoding=table.encoding,
        warnings=warnings,
        problems=problems,
    )


def _mostly_dates(values: list[str]) -> bool:
    guess = infer_date_format(value for value in values if value.strip())
    return guess is not None and guess.matched >= 0.8


def _looks_money(values: list[str]) -> bool:
    filled = [value for value in values if value.strip()]
    if not filled:
        return False
    amounts = [value for value in filled if looks_like_amount(value)]
    if len(amounts) < 0.9 * len(filled):
        return False
    return any(decimal_places(value) is not None for value in amounts)


def _index_of(column: Column, header: Sequence[str] | None) -> int:
    if isinstance(column, int):
        return column
    assert header is not None
    return list(header).index(column)


def _parsed(values: Sequence[str], decimal: str) -> list[Decimal | None]:
    parse = amount_parser(decimal)
    result: list[Decimal | None] = []
    for value in values:
        try:
            result.append(parse(value) if value.strip() else None)
        except InvalidValue:
            result.append(None)
    return result


def _pair_amounts(
    profiles: list[_Profile], chosen: dict[str, Any], header: Sequence[str] | None, decimal: str
) -> list[Decimal | None]:
    debit = _parsed(profiles[_index_of(chosen["debit_column"], header)].values, decimal)
    credit = _parsed(profiles[_index_of(chosen["credit_column"], header)].values, decimal)
    amounts: list[Decimal | None] = []
    for out, into in zip(debit, credit, strict=True):
        if out is None and into is None:
            amounts.append(None)
        else:
            amounts.append(abs(into or Decimal(0)) - abs(out or Decimal(0)))
    return amounts


def _balance_vote(amounts: Sequence[Decimal | None], balances: Sequence[Decimal | None]) -> int | None:
    """+1 if the balances move with the amounts, -1 if against them, ``None`` if they do not tell."""
    normal = inverted = compared = 0
    for i in range(1, min(len(amounts), len(balances))):
        before, after = balances[i - 1], balances[i]
        if before is None or after is None or amounts[i] is None or amounts[i - 1] is None:
            continue
        compared += 1
        delta = after - before
        current, previous = amounts[i], amounts[i - 1]
        assert current is not None
        assert previous is not None
        if delta == current or -delta == previous:
            normal += 1
        elif delta == -current or -delta == -previous:
            inverted += 1
    if compared < 2 or max(normal, inverted) < 0.6 * compared:
        return None
    return 1 if normal >= inverted else -1


def _find_balance_column(
    profiles: list[_Profile], amounts: Sequence[Decimal | None], taken: set[int], decimal: str
) -> tuple[int, int] | None:
    for profile in profiles:
        if profile.index in taken or profile.amount_frac < 0.9 or profile.filled < 0.9:
            continue
        vote = _balance_vote(amounts, _parsed(profile.values, decimal))
        if vote is not None:
            return profile.index, vote
    return None


def _direction_vote(amounts: Sequence[Decimal | None], markers: Sequence[str]) -> int:
    debit = {m.lower() for m in DEFAULT_DEBIT_MARKERS}
    credit = {m.lower() for m in DEFAULT_CREDIT_MARKERS}
    normal = inverted = 0
    for amount, marker in zip(amounts, markers, strict=False):
        if amount is None or amount == 0:
            continue
        word = marker.strip().lower()
        if word in debit:
            normal, inverted = (normal + 1, inverted) if amount < 0 else (normal, inverted + 1)
        elif word in credit:
            normal, inverted = (normal + 1, inverted) if amount > 0 else (normal, inverted + 1)
    if inverted > 2 * normal and inverted >= 2:
        return -1
    return 1


def _find_debit_credit_pair(profiles: list[_Profile], taken: set[int]) -> tuple[int, int, str] | None:
    """Two sparse amount columns that are never both non-zero on a row: money out, money in."""
    candidates = [
        p for p in profiles if p.index not in taken and p.filled > 0 and p.amount_frac >= 0.9 and p.date_matched < 0.8
    ]
    for first, second in itertools.pairwise(candidates):
        if second.index != first.index + 1:
            continue
        rows = len(first.nonzero)
        both = sum(1 for a, b in zip(first.nonzero, second.nonzero, strict=True) if a and b)
        either = sum(1 for a, b in zip(first.nonzero, second.nonzero, strict=True) if a or b)
        if both or not any(first.nonzero) or not any(second.nonzero) or either < 0.8 * rows:
            continue
        if first.integers_only and second.integers_only:
            continue
        first_negative = first.negatives and not second.negatives
        second_negative = second.negatives and not first.negatives
        if second_negative:
            return second.index, first.index, "the second of two amount columns holds the negative amounts"
        why = "two amount columns never filled on the same row: money out first, then money in"
        if first_negative:
            why = "the first of two amount columns holds the negative amounts"
        return first.index, second.index, why
    return None


def mapping_fields() -> list[str]:
    """The names a mapping dict may use (for forms and API schemas)."""
    return [f.name for f in fields(ColumnMapping)]


__all__ = [
    "COLUMN_FIELDS",
    "DEFAULT_CREDIT_MARKERS",
    "DEFAULT_DEBIT_MARKERS",
    "Column",
    "ColumnMapping",
    "Detection",
    "ResolvedColumns",
    "SignConvention",
    "detect",
    "detect_table",
    "mapping_fields",
]
