"""Proposing a :class:`~finance.imports.reading.mapping.ColumnMapping` for a CSV or XLSX statement.

:func:`detect` reads a sample of the file once: where the data starts and
whether it has a header row, then what each column holds
(:mod:`.profiles`). One small detector per column role then chooses its
column, in :data:`_DETECTORS` order, so a column taken by an earlier role
(the date, the balance) is not taken again. Each choice comes with a
confidence and a reason; the user may override any of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, BinaryIO

from finance.core.money import iso_currencies
from finance.imports.reading import limits
from finance.imports.reading.errors import ErrorCode, MappingError, ParseError
from finance.imports.reading.headers import (
    CURRENCY_IN_HEADER_RE,
    NUMBERED_DESCRIPTION_RE,
    header_strength,
    normalize_header,
)
from finance.imports.reading.mapping import (
    Column,
    ColumnMapping,
    SignConvention,
)
from finance.imports.reading.profiles import (
    Profile,
    balance_vote,
    column_profile,
    direction_vote,
    find_balance_column,
    find_debit_credit_pair,
    is_amount_column,
    looks_money,
    mostly_dates,
    parsed_amounts,
)
from finance.imports.reading.source import read_bytes
from finance.imports.reading.tables import DELIMITERS, Table, load_csv, load_xlsx
from finance.imports.reading.values import infer_date_format, infer_decimal_separator, looks_like_amount


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
        raise ParseError(
            f"Column mapping applies to CSV and XLSX files, not {kind}.", code=ErrorCode.UNSUPPORTED_FORMAT
        )
    return detect_table(table)


def detect_table(table: Table) -> Detection:
    """The file's layout, then each column role in turn, then the mapping they make."""
    found = _Found.read(table)
    for detector in _DETECTORS:
        detector(found)
    chosen = found.chosen
    chosen.update(delimiter=table.delimiter, has_header=found.has_header, skip_rows=found.start, sheet=table.sheet)
    if table.kind == "csv":
        chosen["encoding"] = table.encoding
    mapping: ColumnMapping | None = None
    if not found.problems:
        try:
            mapping = ColumnMapping(**chosen)
        except MappingError as exc:
            found.problems.extend(f"{error['field']}: {error['detail']}" for error in exc.errors)
    return Detection(
        mapping=mapping,
        confidence=found.confidence,
        reasons=found.reasons,
        header=found.header,
        preview=[list(cells) for cells in found.rows[:10]],
        column_count=len(found.profiles),
        format=table.kind,
        encoding=table.encoding,
        warnings=found.warnings,
        problems=found.problems,
    )


# ---------------------------------------------------------------------------
# Layout: where the data starts, and whether a header row names the columns


def _sample_records(table: Table) -> list[tuple[int, list[str]]]:
    sample: list[tuple[int, list[str]]] = []
    for record in table.records():
        sample.append(record)
        if len(sample) >= limits.DETECT_SAMPLE_ROWS:
            break
    return sample


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


@dataclass
class _Found:
    """The sampled columns and what the detectors have chosen so far (``taken``: columns already given a role)."""

    start: int
    has_header: bool
    header: list[str] | None
    rows: list[list[str]]
    names: list[str]
    profiles: list[Profile]
    decimal: str
    money_like: bool
    confidence: dict[str, float]
    reasons: dict[str, str]
    taken: set[int] = field(default_factory=set)
    chosen: dict[str, Any] = field(default_factory=dict)
    convention: SignConvention | None = None
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, table: Table) -> _Found:
        records = _sample_records(table)
        start, has_header, width = _find_layout(records)
        header: list[str] | None = None
        confidence: dict[str, float] = {}
        reasons: dict[str, str] = {}
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
        column_count = max([width] + [len(cells) for cells in rows] + [len(header) if header else 0])
        columns = [[cells[j] if j < len(cells) else "" for cells in rows] for j in range(column_count)]
        names = [normalize_header(header[j]) if header and j < len(header) else "" for j in range(column_count)]
        # Decimal separator first: it hints at the day/month order of ambiguous dates.
        money_like = [
            j for j in range(column_count) if columns[j] and looks_money(columns[j]) and not mostly_dates(columns[j])
        ]
        decimal = infer_decimal_separator(v for j in money_like for v in columns[j]) or "."
        prefer_day_first = decimal == "," or table.delimiter == ";"
        profiles = [
            column_profile(j, columns[j], prefer_day_first=prefer_day_first or None) for j in range(column_count)
        ]
        return cls(
            start=start,
            has_header=has_header,
            header=header,
            rows=rows,
            names=names,
            profiles=profiles,
            decimal=decimal,
            money_like=bool(money_like),
            confidence=confidence,
            reasons=reasons,
        )

    def by_header(self, role: str, usable: Callable[[Profile], bool] | None = None) -> tuple[int, float] | None:
        """The free column whose header says ``role`` most strongly (and whose values fit), with that strength."""
        best: tuple[int, float] | None = None
        for j, name in enumerate(self.names):
            if j in self.taken or not name:
                continue
            strength = header_strength(role, name)
            if strength and (usable is None or usable(self.profiles[j])) and (best is None or strength > best[1]):
                best = (j, strength)
        return best

    def holds_dates(self, profile: Profile) -> bool:
        """Whether the column may be the date (any column may while there are no data rows to tell)."""
        return (profile.date_pattern is not None and profile.date_matched >= 0.5) or not self.rows

    def ref(self, j: int) -> Column:
        """How the mapping names column ``j``: its header when that is unique, else its position."""
        header = self.header
        if header is not None and j < len(header) and header[j] and header.count(header[j]) == 1:
            return header[j]
        return j

    def index(self, name: str) -> int:
        """The position of the column chosen as ``name`` (``"amount_column"``, ...)."""
        column = self.chosen[name]
        if isinstance(column, int):
            return column
        assert self.header is not None
        return list(self.header).index(column)

    def values(self, name: str) -> list[Decimal | None]:
        """The amounts in the column chosen as ``name``."""
        return parsed_amounts(self.profiles[self.index(name)].values, self.decimal)


# ---------------------------------------------------------------------------
# One detector per column role


def _money(profile: Profile) -> bool:
    return profile.filled == 0 or profile.amount_frac >= 0.8


def _date(found: _Found) -> None:
    """Named a date (or, failing that, a posting date), else the first column of dates."""
    hit = found.by_header("date", found.holds_dates) or found.by_header("posted_date", found.holds_dates)
    if hit:
        date_index = hit[0]
        found.confidence["date_column"] = round(0.95 * hit[1], 2)
        found.reasons["date_column"] = f"header {found.header[date_index]!r}" if found.header else ""
    else:
        candidates = [p for p in found.profiles if p.date_pattern and p.date_matched >= 0.8]
        date_index = candidates[0].index if candidates else -1
        if date_index >= 0:
            found.confidence["date_column"] = round(0.8 * found.profiles[date_index].date_matched, 2)
            found.reasons["date_column"] = f"column {date_index + 1} holds dates"
    if date_index < 0:
        found.problems.append("No column holds dates.")
        return
    found.taken.add(date_index)
    found.chosen["date_column"] = found.ref(date_index)
    profile = found.profiles[date_index]
    if profile.date_pattern:
        found.chosen["date_format"] = profile.date_pattern
        found.confidence["date_format"] = profile.date_confidence
        found.reasons["date_format"] = profile.date_reason
        if profile.date_ambiguous:
            found.warnings.append(
                f"The day/month order of the dates is ambiguous; {profile.date_pattern} was assumed. "
                "Check a few dates and override date_format if needed."
            )
    else:
        found.chosen["date_format"] = "%Y-%m-%d"
        found.confidence["date_format"] = 0.0
        found.reasons["date_format"] = "no data rows to look at"


def _posted_date(found: _Found) -> None:
    """The value or settlement date beside the date: by its header, or in a file without one the next dates."""
    if "date_column" not in found.chosen:
        return
    posted = found.by_header("posted_date", found.holds_dates)
    if posted is None and found.header is None:
        others = [p for p in found.profiles if p.index not in found.taken and p.date_pattern and p.date_matched >= 0.8]
        posted = (others[0].index, 0.7) if others else None
    if posted is not None:
        found.taken.add(posted[0])
        found.chosen["posted_date_column"] = found.ref(posted[0])
        found.confidence["posted_date_column"] = round(0.9 * posted[1], 2)


def _balance(found: _Found) -> None:
    """By its header, before the amounts, so it is not taken for one (the amounts' detectors find it by content)."""
    balance = found.by_header("balance", lambda p: p.amount_frac >= 0.8 or p.filled == 0)
    if balance:
        found.taken.add(balance[0])
        found.chosen["balance_column"] = found.ref(balance[0])
        found.confidence["balance_column"] = round(0.9 * balance[1], 2)


def _debit_credit(found: _Found) -> None:
    """A money-out and a money-in column: named so more strongly than any amount column, or, when no column is
    named an amount, two sparse amount columns never filled on the same row."""
    amount_hit = found.by_header("amount", _money)
    debit_hit = found.by_header("debit", _money)
    credit_hit = found.by_header("credit", _money)
    if debit_hit and credit_hit and (amount_hit is None or amount_hit[1] < min(debit_hit[1], credit_hit[1])):
        found.chosen["debit_column"], found.chosen["credit_column"] = found.ref(debit_hit[0]), found.ref(credit_hit[0])
        found.taken.update({debit_hit[0], credit_hit[0]})
        found.convention = SignConvention.DEBIT_CREDIT
        found.confidence["sign_convention"] = 0.9
        found.reasons["sign_convention"] = "separate money-out and money-in columns"
        found.confidence["debit_column"] = found.confidence["credit_column"] = round(
            0.95 * min(debit_hit[1], credit_hit[1]), 2
        )
        return
    if amount_hit:
        return
    pair = find_debit_credit_pair(found.profiles, found.taken)
    if pair is not None:
        debit_index, credit_index, why = pair
        found.chosen["debit_column"], found.chosen["credit_column"] = found.ref(debit_index), found.ref(credit_index)
        found.taken.update({debit_index, credit_index})
        found.convention = SignConvention.DEBIT_CREDIT
        found.confidence["sign_convention"] = found.confidence["debit_column"] = found.confidence["credit_column"] = 0.6
        found.reasons["sign_convention"] = why


def _amount(found: _Found) -> None:
    """One amount column (unless the amounts are in a debit and a credit column): by its header, else by content."""
    if found.convention is SignConvention.DEBIT_CREDIT:
        return
    hit = found.by_header("amount", _money)
    if hit:
        found.chosen["amount_column"] = found.ref(hit[0])
        found.taken.add(hit[0])
        found.confidence["amount_column"] = round(0.95 * hit[1], 2)
        found.reasons["amount_column"] = f"header {found.header[hit[0]]!r}" if found.header else ""
    else:
        amount_profiles = [p for p in found.profiles if p.index not in found.taken and is_amount_column(p)]
        if amount_profiles:
            best = max(
                amount_profiles,
                key=lambda p: (
                    (not p.constant) * 2 + p.two_decimals * 2 + (p.negatives > 0) + p.filled,
                    -p.index,
                ),
            )
            found.chosen["amount_column"] = found.ref(best.index)
            found.taken.add(best.index)
            found.confidence["amount_column"] = 0.7 if best.negatives else 0.6
            found.reasons["amount_column"] = f"column {best.index + 1} holds amounts"
    if "amount_column" not in found.chosen:
        found.problems.append("No column holds amounts.")


def _sign(found: _Found) -> None:
    """Which way money moved: the amounts' own signs, a debit/credit column, or a running balance."""
    direction = found.by_header("direction", lambda p: p.marker_frac >= 0.8)
    if direction is None:
        markers = [p for p in found.profiles if p.index not in found.taken and p.marker_frac >= 0.9 and p.filled >= 0.9]
        direction = (markers[0].index, 0.7) if markers else None
    if "amount_column" in found.chosen and found.convention is None:
        _sign_of_amounts(found, direction)
    elif found.convention is SignConvention.DEBIT_CREDIT and "balance_column" not in found.chosen:
        _sign_of_debit_credit(found)
    if found.convention is not None:
        found.chosen["sign_convention"] = found.convention


def _sign_of_amounts(found: _Found, direction: tuple[int, float] | None) -> None:
    """One amount column: signed, inverted, or unsigned with a direction column (a running balance may tell)."""
    amount_profile = found.profiles[found.index("amount_column")]
    amounts = parsed_amounts(amount_profile.values, found.decimal)
    balance_index = found.index("balance_column") if "balance_column" in found.chosen else None
    moves = balance_vote(amounts, found.values("balance_column")) if balance_index else None
    if balance_index is None:
        balance = find_balance_column(found.profiles, amounts, found.taken, found.decimal)
        if balance is not None:
            balance_index, moves = balance
            found.chosen["balance_column"] = found.ref(balance_index)
            found.taken.add(balance_index)
            found.confidence["balance_column"] = 0.7
            found.reasons["balance_column"] = "it changes by each row's amount"
    confidence, reasons = found.confidence, found.reasons
    if amount_profile.negatives:
        found.convention = SignConvention.SIGNED
        confidence["sign_convention"] = 0.85
        reasons["sign_convention"] = "amounts carry their own sign"
        if direction is not None:
            vote = direction_vote(amounts, found.profiles[direction[0]].values)
            if vote < 0:
                found.convention = SignConvention.INVERTED
                confidence["sign_convention"] = 0.8
                reasons["sign_convention"] = "debit rows are positive and credit rows negative"
        if moves is not None and moves < 0:
            found.convention = SignConvention.INVERTED
            confidence["sign_convention"] = 0.9
            reasons["sign_convention"] = "the running balance moves against the amounts' signs"
    elif direction is not None:
        found.convention = SignConvention.DIRECTION
        found.chosen["direction_column"] = found.ref(direction[0])
        found.taken.add(direction[0])
        confidence["sign_convention"] = confidence["direction_column"] = round(0.85 * direction[1], 2)
        reasons["sign_convention"] = "unsigned amounts with a debit/credit column"
    elif moves is not None:
        found.convention = SignConvention.SIGNED if moves > 0 else SignConvention.INVERTED
        confidence["sign_convention"] = 0.85
        reasons["sign_convention"] = "the running balance moves with the amounts"
    else:
        found.convention = SignConvention.SIGNED
        confidence["sign_convention"] = 0.4
        reasons["sign_convention"] = "no amount is negative and nothing else says which way money moved"
        if found.rows:
            found.warnings.append(
                "Every amount is positive: if positive means money out (as on many card statements), "
                "use the 'inverted' sign convention."
            )


def _sign_of_debit_credit(found: _Found) -> None:
    """A debit and a credit column: a running balance found by content shows which one is money out."""
    amounts: list[Decimal | None] = []
    for out, into in zip(found.values("debit_column"), found.values("credit_column"), strict=True):
        if out is None and into is None:
            amounts.append(None)
        else:
            amounts.append(abs(into or Decimal(0)) - abs(out or Decimal(0)))
    balance = find_balance_column(found.profiles, amounts, found.taken, found.decimal)
    if balance is not None:
        found.chosen["balance_column"] = found.ref(balance[0])
        found.taken.add(balance[0])
        found.confidence["balance_column"] = 0.7
        if balance[1] < 0:
            chosen = found.chosen
            chosen["debit_column"], chosen["credit_column"] = chosen["credit_column"], chosen["debit_column"]
            found.reasons["sign_convention"] = "the running balance shows which column is money out"


def _decimal_separator(found: _Found) -> None:
    found.chosen["decimal_separator"] = found.decimal
    found.confidence["decimal_separator"] = 0.9 if found.money_like else 0.3


def _currency(found: _Found) -> None:
    """A column of ISO codes (by header or content), and the currency a money column's header names."""
    currency = found.by_header("currency", lambda p: p.currency_frac >= 0.8 or p.filled == 0)
    if currency is None:
        coded = [p for p in found.profiles if p.index not in found.taken and p.currency_frac >= 0.9 and p.filled >= 0.9]
        currency = (coded[0].index, 0.8) if coded else None
    if currency is not None:
        found.taken.add(currency[0])
        found.chosen["currency_column"] = found.ref(currency[0])
        found.confidence["currency_column"] = round(0.95 * currency[1], 2)
    if found.header is not None:
        for name in ("amount_column", "debit_column"):
            if name not in found.chosen:
                continue
            text = found.header[found.index(name)]
            if match := CURRENCY_IN_HEADER_RE.search(text):
                code = next(group for group in match.groups() if group)
                if code in iso_currencies():
                    found.chosen["currency"] = code
                    found.confidence["currency"] = 0.9
                    found.reasons["currency"] = f"the header {text!r} names it"


def _named(role: str, usable: Callable[[Profile], bool] | None, found: _Found) -> None:
    """A column found by its header alone (and not the same value on every row)."""
    hit = found.by_header(role, usable)
    if hit is not None and not found.profiles[hit[0]].constant:
        found.taken.add(hit[0])
        found.chosen[f"{role}_column"] = found.ref(hit[0])
        found.confidence[f"{role}_column"] = round(0.9 * hit[1], 2)


#: The roles found by their header alone, each with what its values must look like.
_NAMED_ROLES: tuple[tuple[str, Callable[[Profile], bool] | None], ...] = (
    ("status", lambda p: p.status_frac >= 0.5 or p.filled == 0),
    ("provider_id", None),
    ("check_number", lambda p: not p.text_score or p.filled < 1),
    ("payee", None),
    ("reference", None),
    ("category", None),
    ("transaction_type", None),
    ("notes", None),
)


def _description(found: _Found) -> None:
    """Numbered text columns ("VWZ1", "VWZ2"), else one named so, else (with no payee) the longest text."""
    numbered = [
        j
        for j, name in enumerate(found.names)
        if j not in found.taken and NUMBERED_DESCRIPTION_RE.match(name) and not found.profiles[j].constant
    ]
    descriptions: list[int] = []
    if numbered:
        descriptions = numbered
        found.confidence["description_columns"] = 0.85
    else:
        hit = found.by_header("description", lambda p: not p.constant)
        if hit is not None:
            descriptions = [hit[0]]
            found.confidence["description_columns"] = round(0.9 * hit[1], 2)
        elif found.header is None or "payee_column" not in found.chosen:
            texts = [
                p for p in found.profiles if p.index not in found.taken and p.text_score > 0 and p.amount_frac < 0.5
            ]
            if texts:
                best_text = max(texts, key=lambda p: p.text_score)
                descriptions = [best_text.index]
                found.confidence["description_columns"] = 0.6
                found.reasons["description_columns"] = f"column {best_text.index + 1} holds the longest text"
    found.taken.update(descriptions)
    found.chosen["description_columns"] = tuple(found.ref(j) for j in descriptions)
    if found.header is None and "payee_column" not in found.chosen:
        found.reasons["payee_column"] = "no header: payee left to the description"


#: The detectors in the order they choose: a column an earlier one takes is not offered to the later ones.
_DETECTORS: tuple[Callable[[_Found], None], ...] = (
    _date,
    _posted_date,
    _balance,
    _debit_credit,
    _amount,
    _sign,
    _decimal_separator,
    _currency,
    *(partial(_named, role, usable) for role, usable in _NAMED_ROLES),
    _description,
)


__all__ = ["Detection", "detect", "detect_table"]
