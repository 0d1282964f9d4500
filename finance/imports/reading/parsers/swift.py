"""SWIFT MT940 statements and MT942 interim reports, read with the ``mt-940`` library.

The file is split into its messages (each starts at ``:20:``) and each is
parsed on its own, so every message keeps its account and balances; messages
of one account are joined into one statement (opening balance of the first,
closing balance of the last). The library's bank-specific variant for ASN
Bank is used when the SWIFT header names it, and its relaxed statement-line
pattern when a bank writes customer references longer than SWIFT allows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import mt940
from mt940.models import Amount, Transactions
from mt940.models import Balance as MtBalance
from mt940.tags import StatementASNB, StatementGLS

from finance.imports.reading import limits
from finance.imports.reading.encoding import decode_text
from finance.imports.reading.errors import ErrorCode, ParseError
from finance.imports.reading.statement import AccountInfo, Balance, Format, RowError, Statement, StatementRow
from finance.imports.reading.text import LineCounter, controls_warning

_MESSAGE_START_RE = re.compile(r"^:20:", re.MULTILINE)
_TAG_RE = re.compile(r"^:(\d{2}[A-Z]?|NS):", re.MULTILINE)
_SWIFT_BLOCK_RE = re.compile(r"^(\{[1-5]:[^\n]*|-\}[^\n]*)$", re.MULTILINE)
_IBAN_RE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_BIC_RE = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_TRAILING_CURRENCY_RE = re.compile(r"^(.*?[0-9.])([A-Z]{3})$")
_SEGMENT_RE = re.compile(r"/(NAME|REMI|EREF|IBAN|BIC|MARF|CSID|ORDP|BENM|ADDR|ISDT|RTRN|PREF|KREF)/")
_HEADER_TAGS = frozenset({"20", "21", "25", "28", "28C", "60F", "60M", "13", "13D", "34F"})
_OPTIONS = mt940.Options(reversal_sign=True, case_insensitive_marks=True, merge_keeps_values=True)


@dataclass
class _Message:
    account: AccountInfo
    currency: str | None
    statement_id: str | None
    opening: Balance | None
    closing: Balance | None
    available: Balance | None
    rows: list[StatementRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _clean_blocks(text: str) -> str:
    # SWIFT envelope lines ({1:...}{2:...}{4:, -}{5:}) carry no statement data; keep line numbers.
    return _SWIFT_BLOCK_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _balance(value: Any) -> Balance | None:
    if not isinstance(value, MtBalance):
        return None
    amount = value.amount
    if not isinstance(amount, Amount):
        return None
    return Balance(amount=Decimal(amount.amount), date=_date(value.date), currency=amount.currency)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    return None


def _account(identification: str | None) -> tuple[AccountInfo, str | None]:
    """Account details and the currency some banks append to ``:25:``."""
    if not identification:
        return AccountInfo(), None
    text = " ".join(identification.split())
    currency = None
    parts = [part for part in text.split("/") if part]
    if parts and len(parts[-1]) == 3 and parts[-1].isalpha() and len(parts) > 1:
        currency = parts.pop()
    bank_id = None
    if len(parts) > 1 and (_BIC_RE.match(parts[0]) or parts[0].isdigit()):
        bank_id = parts.pop(0)
    number = "/".join(parts)
    if match := _TRAILING_CURRENCY_RE.match(number):
        number, currency = match.group(1), match.group(2)
    compact = number.replace(" ", "")
    iban = compact if _IBAN_RE.match(compact) else None
    return AccountInfo(account_id=text, account_number=number, iban=iban, bank_id=bank_id), currency


def _segments(details: str) -> dict[str, str]:
    """Dutch/Swiss style ``/NAME/.../REMI/...`` fields of a ``:86:`` text."""
    flat = details.replace("\n", "")
    matches = list(_SEGMENT_RE.finditer(flat))
    found: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(flat)
        value = flat[match.end() : end].strip("/ ")
        found.setdefault(match.group(1), value)
    return found


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _reference(value: Any) -> str | None:
    text = _clean(value)
    return None if text is None or text.upper() == "NONREF" else text


def _parse_message(text: str, first_line: int, asnb: bool, relaxed: bool) -> Transactions:
    tags: dict[int | str, Any] = {}
    if asnb:
        tags[StatementASNB.id] = StatementASNB()
    elif relaxed:
        tags[StatementGLS.id] = StatementGLS()
    transactions = Transactions(tags=tags or None, options=_OPTIONS)
    try:
        transactions.parse(text)
    except (RuntimeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        if not relaxed and not asnb:
            return _parse_message(text, first_line, asnb, relaxed=True)
        line = first_line
        message = str(exc.args[0] if exc.args else exc)
        for match in _TAG_RE.finditer(text):
            if match.group(1) == "61" and text[match.end() : match.end() + 12] in message:
                line = first_line + text.count("\n", 0, match.start())
                break
        raise ParseError(f"Malformed MT940 statement line: {message[:200]}", line=line) from None
    return transactions


def _check_structure(text: str, first_line: int) -> None:
    seen_transaction = False
    for match in _TAG_RE.finditer(text):
        tag = match.group(1)
        if tag == "61":
            seen_transaction = True
        elif seen_transaction and tag in _HEADER_TAGS - {"20", "13", "13D"}:
            line = first_line + text.count("\n", 0, match.start())
            raise ParseError(f"Tag :{tag}: appears after the statement's transactions.", line=line)


def _row(data: dict[str, Any], number: int, currency: str | None) -> StatementRow | RowError:
    amount = data.get("amount")
    value_date = _date(data.get("date"))
    if not isinstance(amount, Amount) or value_date is None:
        return RowError(number, "The :61: line has no valid date or amount.", ":61:", code=ErrorCode.INVALID_ROW)
    entry_date = _date(data.get("entry_date"))
    details = data.get("transaction_details") or ""
    segments = _segments(details) if isinstance(details, str) else {}
    payee = (
        _clean(data.get("applicant_name"))
        or _clean(segments.get("NAME"))
        or _clean(data.get("extra_details") if not data.get("transaction_details") else None)
    )
    purpose = " ".join(text for text in (_clean(data.get("purpose")), _clean(data.get("additional_purpose"))) if text)
    description = purpose or _clean(segments.get("REMI")) or _clean(details)
    raw = {key: str(value) for key, value in data.items() if value is not None and value != ""}
    return StatementRow(
        row_number=number,
        date=entry_date or value_date,
        amount=Decimal(amount.amount),
        currency=amount.currency or currency,
        posted_date=value_date,
        payee=payee,
        description=description,
        notes=_clean(data.get("extra_details")) if payee != _clean(data.get("extra_details")) else None,
        reference=_reference(data.get("customer_reference")) or _reference(data.get("end_to_end_reference")),
        provider_id=_reference(data.get("bank_reference")) or _reference(segments.get("EREF")),
        transaction_type=_clean(data.get("posting_text")) or _clean(data.get("id")),
        raw=raw,
    )


def parse_swift(data: bytes, fmt: Format) -> list[Statement]:
    decoded = decode_text(data)
    text = _clean_blocks(decoded.text)
    if not _TAG_RE.search(text):
        raise ParseError("The file holds no MT940 tags (:20:, :25:, :61:, ...): it is not an MT940 statement.")
    asnb = "ASNB" in decoded.text[:200]
    starts = [match.start() for match in _MESSAGE_START_RE.finditer(text)]
    if not starts or (starts[0] > 0 and text[: starts[0]].strip() and _TAG_RE.search(text[: starts[0]])):
        starts = [0, *starts]
    bounds = list(zip(starts, [*starts[1:], len(text)], strict=True))
    messages: list[_Message] = []
    total = 0
    is_mt942 = fmt is Format.MT942
    counter = LineCounter(text)
    for begin, end in bounds:
        chunk = text[begin:end]
        first_line = counter.line(begin)
        _check_structure(chunk, first_line)
        parsed = _parse_message(chunk, first_line, asnb, relaxed=False)
        info = parsed.data
        if "date" in info or "c_floor_limit" in info or "d_floor_limit" in info:
            is_mt942 = True
        account, account_currency = _account(info.get("account_identification"))
        opening = _balance(info.get("final_opening_balance")) or _balance(info.get("intermediate_opening_balance"))
        closing = _balance(info.get("final_closing_balance")) or _balance(info.get("intermediate_closing_balance"))
        currency = parsed.currency or account_currency
        message = _Message(
            account=account,
            currency=currency,
            statement_id=_clean(info.get("transaction_reference")),
            opening=opening,
            closing=closing,
            available=_balance(info.get("available_balance")),
        )
        chunk_lines = LineCounter(chunk, first_line)
        lines = [chunk_lines.line(match.start()) for match in _TAG_RE.finditer(chunk) if match.group(1) == "61"]
        for index, transaction in enumerate(parsed.transactions):
            number = lines[index] if index < len(lines) else first_line
            row = _row(transaction.data, number, currency)
            if isinstance(row, RowError):
                message.errors.append(row)
            else:
                message.rows.append(row)
        total += len(parsed.transactions)
        limits.check_rows(total, "transactions")
        messages.append(message)

    grouped: dict[str, list[_Message]] = {}
    for message in messages:
        grouped.setdefault(message.account.account_id or "", []).append(message)
    statements = []
    for group in grouped.values():
        rows = [row for message in group for row in message.rows]
        first, last = group[0], group[-1]
        opening = next((m.opening for m in group if m.opening is not None), None)
        closing = next((m.closing for m in reversed(group) if m.closing is not None), None)
        dates = [row.date for row in rows]
        statements.append(
            Statement(
                format=Format.MT942 if is_mt942 else Format.MT940,
                rows=rows,
                account=first.account,
                currency=next((m.currency for m in group if m.currency), None),
                opening_balance=opening,
                closing_balance=closing,
                available_balance=last.available,
                period_start=opening.date if opening and opening.date else min(dates, default=None),
                period_end=closing.date if closing and closing.date else max(dates, default=None),
                statement_id=first.statement_id,
                encoding=decoded.encoding,
                errors=[error for message in group for error in message.errors],
                warnings=controls_warning(decoded.removed),
            )
        )
    return statements
