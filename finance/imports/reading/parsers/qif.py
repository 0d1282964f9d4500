"""QIF (Quicken Interchange Format), read line by line.

Written by hand: the one maintained Python QIF library (quiffen) crashes on
investment sections (three of the fixture files), cannot report the source
line of a bad record, does not keep the original values, and needs the
day/month order before it reads a file. This reader decides the date order
from all the file's dates at once.

Sections: ``!Account`` blocks name the account that following ``!Type:``
sections belong to; list sections (categories, classes, securities,
memorized transactions, prices) are skipped. An ``Opening Balance``
transaction that transfers from the account itself is the statement's
opening balance, as Quicken writes it, not a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from finance.imports.reading import limits
from finance.imports.reading.encoding import decode_text
from finance.imports.reading.errors import ErrorCode, ParseError
from finance.imports.reading.statement import AccountInfo, Balance, Format, RowError, Statement, StatementRow
from finance.imports.reading.text import controls_warning
from finance.imports.reading.values import InvalidValue, amount_parser, date_parser, infer_date_format

_TRANSACTION_TYPES = {
    "bank": "BANK",
    "cash": "CASH",
    "ccard": "CREDITCARD",
    "invst": "INVESTMENT",
    "oth a": "ASSET",
    "oth l": "LIABILITY",
    "invoice": "INVOICE",
}
_LIST_TYPES = ("cat", "class", "memorized", "security", "prices", "budget", "invitem", "template", "bill")
# Investment actions: the sign of their cash effect on the account, or None for no cash movement.
_INVESTMENT_SIGN = {
    "buy": -1,
    "buyx": -1,
    "sell": 1,
    "sellx": 1,
    "div": 1,
    "divx": 1,
    "intinc": 1,
    "intincx": 1,
    "cglong": 1,
    "cglongx": 1,
    "cgmid": 1,
    "cgmidx": 1,
    "cgshort": 1,
    "cgshortx": 1,
    "rtrncap": 1,
    "rtrncapx": 1,
    "miscinc": 1,
    "miscincx": 1,
    "miscexp": -1,
    "miscexpx": -1,
    "margint": -1,
    "margintx": -1,
    "xin": 1,
    "xout": -1,
    "contribx": 1,
    "withdrwx": -1,
    "cash": 1,
}


@dataclass
class _Record:
    line: int
    fields: list[tuple[str, str]] = field(default_factory=list)

    def first(self, code: str) -> str | None:
        for key, value in self.fields:
            if key == code:
                return value.strip()
        return None


@dataclass
class _Account:
    name: str | None
    kind: str | None
    records: list[tuple[str, _Record]] = field(default_factory=list)


def _normalize_date(text: str) -> str:
    # Quicken writes " 1/ 5'98" and "2/10'2020": spaces for leading zeros, an apostrophe before the year.
    return text.strip().replace(" ", "0").replace("'", "/")


def parse_qif(data: bytes) -> list[Statement]:
    decoded = decode_text(data)
    accounts: list[_Account] = []
    by_name: dict[str, _Account] = {}
    current: _Account | None = None
    section = ""
    record: _Record | None = None
    account_block: _Record | None = None
    autoswitch = False
    total = 0

    def account_for(name: str | None, kind: str | None) -> _Account:
        key = name or ""
        if key not in by_name:
            by_name[key] = _Account(name=name, kind=kind)
            accounts.append(by_name[key])
        elif kind and not by_name[key].kind:
            by_name[key].kind = kind
        return by_name[key]

    for number, line in enumerate(decoded.text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("!"):
            header = stripped[1:].lower()
            if header.startswith("option:autoswitch"):
                autoswitch = True
            elif header.startswith("clear:autoswitch"):
                autoswitch = False
            elif header.startswith("account"):
                section = "account"
                account_block = _Record(number)
            elif header.startswith("type:"):
                section = header[5:].strip()
                if section not in _TRANSACTION_TYPES and not section.startswith(_LIST_TYPES):
                    raise ParseError(f"Unknown QIF section !Type:{stripped[6:]}.", line=number)
            elif not header.startswith(("option", "clear")):
                raise ParseError(f"Unknown QIF header {stripped!r}.", line=number)
            record = None
            continue
        if stripped.startswith("^"):
            if section == "account" and account_block is not None:
                name = account_block.first("N")
                if name is not None or account_block.first("T") is not None:
                    kind = account_block.first("T")
                    # In an AutoSwitch block the account list only declares accounts; it does not switch.
                    declared = account_for(name, kind)
                    if not autoswitch:
                        current = declared
                account_block = _Record(number + 1)
            elif record is not None and record.fields and section in _TRANSACTION_TYPES:
                if current is None:
                    current = account_for(None, None)
                current.records.append((section, record))
                total += 1
                limits.check_rows(total, "transactions")
            record = None
            continue
        if section == "":
            raise ParseError("The file does not start with a QIF header such as !Type:Bank.", line=number)
        if section == "account":
            if account_block is None:
                account_block = _Record(number)
            account_block.fields.append((stripped[0], stripped[1:]))
            continue
        if record is None:
            record = _Record(number)
        record.fields.append((stripped[0], line.rstrip("\r\n")[1:] if line[:1] == stripped[:1] else stripped[1:]))

    if section in _TRANSACTION_TYPES and record is not None and record.fields:
        if current is None:
            current = account_for(None, None)
        current.records.append((section, record))  # a last record without its closing "^"

    transaction_records = [rec for account in accounts for _s, rec in account.records]
    if not transaction_records:
        raise ParseError("The QIF file holds no transactions.", code=ErrorCode.NO_STATEMENT)
    dates = [_normalize_date(rec.first("D") or "") for rec in transaction_records if rec.first("D")]
    guess = infer_date_format(dates)
    parse_date = date_parser(guess.pattern if guess else "%m/%d/%Y")
    amounts = [rec.first("T") or rec.first("U") or "" for rec in transaction_records]
    from finance.imports.reading.values import infer_decimal_separator

    parse_amount = amount_parser(infer_decimal_separator(a for a in amounts if a) or ".")
    warnings = controls_warning(decoded.removed)
    if guess is not None and guess.ambiguous:
        warnings.append(f"The day/month order of the dates is ambiguous; {guess.pattern} was assumed.")

    statements = []
    for account in accounts:
        rows: list[StatementRow] = []
        errors: list[RowError] = []
        skipped = 0
        opening: Balance | None = None
        for section, rec in account.records:
            result = _row(rec, section, parse_date, parse_amount)
            if result is None:
                skipped += 1
            elif isinstance(result, RowError):
                errors.append(result)
            elif (
                opening is None
                and not rows
                and (result.payee or "").lower() == "opening balance"
                and (result.category or "").startswith("[")
            ):
                opening = Balance(amount=result.amount, date=result.date)
            else:
                rows.append(result)
        kind = account.kind or (account.records[0][0] if account.records else None)
        account_warnings = list(warnings)
        if skipped:
            account_warnings.append(f"{skipped} investment record(s) without a cash movement are not rows.")
        statements.append(
            Statement(
                format=Format.QIF,
                rows=rows,
                account=AccountInfo(
                    account_id=account.name,
                    name=account.name,
                    account_type=_TRANSACTION_TYPES.get((kind or "").lower(), kind),
                ),
                opening_balance=opening,
                period_start=min((row.date for row in rows), default=None),
                period_end=max((row.date for row in rows), default=None),
                encoding=decoded.encoding,
                errors=errors,
                warnings=account_warnings,
            )
        )
    return [statement for statement in statements if statement.rows or statement.errors or statement.opening_balance]


def _row(rec: _Record, section: str, parse_date: object, parse_amount: object) -> StatementRow | RowError | None:
    assert callable(parse_date)
    assert callable(parse_amount)
    lines: dict[str, list[str]] = {}  # joined once at the end: appending to a string repeatedly is quadratic
    splits = 0
    for code, value in rec.fields:
        if code == "S":
            splits += 1
        key = f"{code}{splits}" if code in "SE$%" and splits else code
        if key in lines:
            lines[key].append(value)
        elif len(lines) < limits.MAX_RAW_VALUES:
            lines[key] = [value]
    raw = {key: "\n".join(values) for key, values in lines.items()}
    date_text = rec.first("D")
    if not date_text:
        return RowError(rec.line, "The transaction has no date (D line).", "D", code=ErrorCode.MISSING_DATE)
    try:
        date = parse_date(_normalize_date(date_text))
    except InvalidValue as exc:
        return RowError(rec.line, str(exc), "D", date_text, code=ErrorCode.INVALID_DATE)
    action = rec.first("N") if section == "invst" else None
    amount_text = rec.first("T") or rec.first("U")
    try:
        amount: Decimal | None = parse_amount(amount_text) if amount_text else None
    except InvalidValue as exc:
        return RowError(rec.line, str(exc), "T", amount_text, code=ErrorCode.INVALID_AMOUNT)
    if section == "invst":
        sign = _INVESTMENT_SIGN.get((action or "").lower().replace(" ", ""))
        if sign is None:
            return None
        if amount is None:
            amount = _investment_total(rec, (action or "").lower())
        if amount is None:
            return RowError(
                rec.line, f"The {action} record has no amount (T line).", "T", code=ErrorCode.MISSING_AMOUNT
            )
        amount = abs(amount) * sign
    elif amount is None:
        return RowError(rec.line, "The transaction has no amount (T line).", "T", code=ErrorCode.MISSING_AMOUNT)
    memo = rec.first("M")
    cleared = (rec.first("C") or "").strip()
    return StatementRow(
        row_number=rec.line,
        date=date,
        amount=amount,
        payee=" ".join((rec.first("P") or "").split()) or None,
        description=" ".join((memo or "").split()) or None,
        check_number=(rec.first("N") or None) if section != "invst" else None,
        category=rec.first("L") or None,
        transaction_type=action,
        is_pending=None if not cleared else False if cleared in ("X", "*", "R", "c") else None,
        raw=raw,
    )


def _investment_total(rec: _Record, action: str) -> Decimal | None:
    quantity, price = rec.first("Q"), rec.first("I")
    if not quantity or not price:
        return None
    try:
        total = Decimal(quantity.replace(",", "")) * Decimal(price.replace(",", ""))
        commission = Decimal((rec.first("O") or "0").replace(",", ""))
    except InvalidOperation:
        return None
    return total + commission if action.startswith("buy") else total - commission
