"""ISO 20022 bank-to-customer cash management messages: CAMT.053, and CAMT.052/054.

camt.053 (end-of-day statement) is the main format; camt.052 (intraday
account report) and camt.054 (debit/credit notification) share the entry
structure and are read the same way, with their own format value so the
pipeline can tell them apart. Versions 001.02 to 001.08 (and later) differ in
namespace and in small details (``BICFI`` vs ``BIC``, ``Dt``/``DtTm``),
which this reader accepts alike.

XML is parsed with defusedxml: DTDs, entity declarations and external
references are refused, so entity expansion ("billion laughs") cannot happen.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from finance.imports.reading import limits
from finance.imports.reading.encoding import decode_text
from finance.imports.reading.errors import ErrorCode, ParseError
from finance.imports.reading.statement import AccountInfo, Balance, Format, RowError, Statement, StatementRow
from finance.imports.reading.text import LineCounter, RawValues, controls_warning, unique_key

_XML_ENCODING_RE = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s{0,20}=\s{0,20}["']([^"'>]{1,40})["']""")
_NAMESPACE_RE = re.compile(r"^\{urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(\d{2})\}Document$")
_REPORT_TAGS = {
    "053": ("BkToCstmrStmt", "Stmt"),
    "052": ("BkToCstmrAcctRpt", "Rpt"),
    "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_FORMATS = {"053": Format.CAMT053, "052": Format.CAMT052, "054": Format.CAMT054}
_OPENING_CODES = ("OPBD", "PRCD", "OPAV", "ITBD")
_CLOSING_CODES = ("CLBD", "ITBD")
_CONTROL_REF_RE = re.compile(r"&#(?:[xX]0*(?:7[fF]|[89][0-9a-fA-F])|0*(?:12[7-9]|1[3-5][0-9]));")
_ENTRY_RE = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?Ntry[\s>]")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Node:
    """Namespace-free navigation over an ElementTree element."""

    __slots__ = ("element",)

    def __init__(self, element: ET.Element) -> None:
        self.element = element

    def children(self, name: str) -> list[_Node]:
        return [_Node(child) for child in self.element if _local(child.tag) == name]

    def child(self, *path: str) -> _Node | None:
        node: _Node | None = self
        for name in path:
            if node is None:
                return None
            node = next((_Node(c) for c in node.element if _local(c.tag) == name), None)
        return node

    def text(self, *path: str) -> str | None:
        node = self.child(*path)
        if node is None or node.element.text is None:
            return None
        value = " ".join(node.element.text.split())
        return value or None

    def attr(self, name: str) -> str | None:
        return self.element.get(name)

    def leaves(self) -> dict[str, str]:
        """Every leaf's text and every attribute below this element, keyed by path (``RmtInf.Ustrd``,
        ``Amt@Ccy``). A leaf repeated within one parent gets a suffix (``Ustrd_2``); of one path under
        repeated parents the first value wins. Walked without recursion, down to ``limits.MAX_RAW_DEPTH``
        levels, keeping at most ``limits.MAX_RAW_VALUES`` values."""
        raw = RawValues()
        # Per element being walked: the element, its key, its children left, and its leaves' names so far.
        stack: list[_Frame] = [_Frame(self.element, "", iter(self.element))]
        while stack and not raw.full:
            frame = stack[-1]
            child = next(frame.children, None)
            if child is None:
                stack.pop()
                if stack:  # an element's attributes come after what is inside it
                    _attributes(raw, frame.key, frame.element)
                continue
            key = f"{frame.key}.{_local(child.tag)}" if frame.key else _local(child.tag)
            if len(child) and len(stack) < limits.MAX_RAW_DEPTH:
                stack.append(_Frame(child, key, iter(child)))
                continue
            if not len(child) and child.text is not None and child.text.strip():
                name = unique_key(key, frame.names, frame.suffixes)
                frame.names.add(name)
                raw.setdefault(name, child.text.strip())
            _attributes(raw, key, child)
        return raw.values


@dataclass(slots=True)
class _Frame:
    element: ET.Element
    key: str
    children: Iterator[ET.Element]
    names: set[str] = field(default_factory=set)
    suffixes: dict[str, int] = field(default_factory=dict)


def _attributes(raw: RawValues, key: str, element: ET.Element) -> None:
    for attribute, value in element.attrib.items():
        raw.setdefault(f"{key}@{attribute}", value)


def _date(node: _Node | None) -> dt.date | None:
    """A ``Dt`` or ``DtTm`` choice (``<BookgDt><Dt>..</Dt></BookgDt>``) as a date."""
    if node is None:
        return None
    text = node.text("Dt") or node.text("DtTm") or node.text()
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ParseError(f"{text!r} is not an ISO date.") from None


def _signed(node: _Node, amount_path: tuple[str, ...] = ("Amt",)) -> tuple[Decimal, str | None]:
    text = node.text(*amount_path)
    amount_node = node.child(*amount_path)
    if text is None or amount_node is None:
        raise ValueError("no amount")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    indicator = node.text("CdtDbtInd")
    if indicator == "DBIT":
        amount = -amount
    elif indicator != "CRDT":
        raise ValueError(f"credit/debit indicator {indicator!r} is not CRDT or DBIT")
    return amount, amount_node.attr("Ccy")


def _balances(report: _Node) -> dict[str, Balance]:
    found: dict[str, Balance] = {}
    for balance in report.children("Bal"):
        code = balance.text("Tp", "CdOrPrtry", "Cd") or balance.text("Tp", "CdOrPrtry", "Prtry")
        if code is None or code in found:
            continue
        try:
            amount, currency = _signed(balance)
        except ValueError as exc:
            raise ParseError(f"Balance {code}: {exc}.") from None
        found[code] = Balance(amount=amount, date=_date(balance.child("Dt")), currency=currency)
    return found


def _account(report: _Node) -> tuple[AccountInfo, str | None]:
    account = report.child("Acct")
    if account is None:
        return AccountInfo(), None
    iban = account.text("Id", "IBAN")
    other = account.text("Id", "Othr", "Id")
    servicer = account.child("Svcr", "FinInstnId")
    bank_id = None
    if servicer is not None:
        bank_id = servicer.text("BICFI") or servicer.text("BIC") or servicer.text("Othr", "Id")
    info = AccountInfo(
        account_id=iban or other,
        account_number=other or iban,
        iban=iban,
        bank_id=bank_id,
        name=account.text("Nm"),
        account_type=account.text("Tp", "Cd") or account.text("Tp", "Prtry"),
    )
    return info, account.text("Ccy")


def _party_name(node: _Node | None) -> str | None:
    if node is None:
        return None
    return node.text("Nm") or node.text("Pty", "Nm")


def _entry_row(entry: _Node, number: int, currency: str | None) -> StatementRow | RowError:
    try:
        amount, entry_currency = _signed(entry)
    except ValueError as exc:
        return RowError(number, f"Entry amount: {exc}.", "Amt", entry.text("Amt"), code=ErrorCode.INVALID_AMOUNT)
    try:
        booking = _date(entry.child("BookgDt"))
        value = _date(entry.child("ValDt"))
    except ParseError as exc:
        return RowError(number, exc.reason, "BookgDt", code=ErrorCode.INVALID_DATE)
    date = booking or value
    if date is None:
        return RowError(number, "The entry has no booking or value date.", "BookgDt", code=ErrorCode.MISSING_DATE)
    details = entry.child("NtryDtls", "TxDtls") or _Node(entry.element)
    # The counterparty: who paid us on a credit, whom we paid on a debit.
    if amount > 0:
        party = details.child("RltdPties", "Dbtr") or details.child("RltdPties", "UltmtDbtr")
        party_account = details.child("RltdPties", "DbtrAcct", "Id")
    else:
        party = details.child("RltdPties", "Cdtr") or details.child("RltdPties", "UltmtCdtr")
        party_account = details.child("RltdPties", "CdtrAcct", "Id")
    remittance = details.child("RmtInf")
    unstructured = [n.element.text or "" for n in remittance.children("Ustrd")] if remittance is not None else []
    structured = details.text("RmtInf", "Strd", "CdtrRefInf", "Ref")
    description = " ".join(" ".join(unstructured).split()) or entry.text("AddtlNtryInf") or details.text("AddtlTxInf")
    references = details.child("Refs")
    end_to_end = references.text("EndToEndId") if references is not None else None
    if end_to_end == "NOTPROVIDED":
        end_to_end = None
    provider_id = (
        entry.text("AcctSvcrRef")
        or entry.text("NtryRef")
        or (references.text("AcctSvcrRef") if references is not None else None)
        or end_to_end
        or (references.text("TxId") if references is not None else None)
    )
    status = entry.text("Sts", "Cd") or entry.text("Sts")
    family = entry.text("BkTxCd", "Domn", "Fmly", "Cd")
    sub_family = entry.text("BkTxCd", "Domn", "Fmly", "SubFmlyCd")
    proprietary = entry.text("BkTxCd", "Prtry", "Cd")
    kind = "/".join(part for part in (entry.text("BkTxCd", "Domn", "Cd"), family, sub_family) if part) or proprietary
    raw = _Node(entry.element).leaves()
    if party_account is not None:
        raw["counterparty_account"] = party_account.text("IBAN") or party_account.text("Othr", "Id") or ""
    return StatementRow(
        row_number=number,
        date=date,
        amount=amount,
        currency=entry_currency or currency,
        posted_date=value,
        payee=_party_name(party),
        description=description,
        notes=entry.text("AddtlNtryInf") if description != entry.text("AddtlNtryInf") else None,
        reference=structured or end_to_end,
        provider_id=provider_id,
        check_number=references.text("ChqNb") if references is not None else None,
        transaction_type=kind,
        is_pending={"PDNG": True, "BOOK": False}.get((status or "").upper()),
        raw=raw,
    )


def parse_camt(data: bytes, fmt: Format) -> list[Statement]:
    declared = _XML_ENCODING_RE.match(data)
    decoded = decode_text(data, declared=declared.group(1).decode("ascii", "replace") if declared else None)
    text = decoded.text
    # The declaration names an encoding the text no longer has; ElementTree must not re-decode it.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    # XML 1.0 lets DEL and the C1 controls in as character references too; the ledger's text refuses them.
    text, removed = _CONTROL_REF_RE.subn("", text)
    removed += decoded.removed
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ParseError(
            f"The XML uses a forbidden construct ({type(exc).__name__}): DTDs and entities are refused.",
            code=ErrorCode.FORBIDDEN_XML,
        ) from None
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise ParseError(f"Malformed XML: {exc}", line=line) from None
    limits.check_depth(root)
    match = _NAMESPACE_RE.match(root.tag)
    if match is None:
        raise ParseError(
            f"The XML document is not an ISO 20022 camt.052/053/054 message (root element {root.tag!r}).",
            code=ErrorCode.UNSUPPORTED_FORMAT,
        )
    kind, version = match.group(1), match.group(2)
    message_tag, report_tag = _REPORT_TAGS[kind]
    message = _Node(root).child(message_tag)
    if message is None:
        raise ParseError(f"The camt.{kind}.001.{version} document has no <{message_tag}>.")
    reports = message.children(report_tag)
    if not reports:
        raise ParseError(f"The camt.{kind}.001.{version} document has no <{report_tag}> (statement/report).")
    counter = LineCounter(text)
    lines = [counter.line(m.start()) for m in _ENTRY_RE.finditer(text)]
    entry_index = 0
    grouped: dict[str, list[tuple[_Node, list[StatementRow], list[RowError], AccountInfo, str | None]]] = {}
    total = 0
    for report in reports:
        account, account_currency = _account(report)
        rows: list[StatementRow] = []
        errors: list[RowError] = []
        for entry in report.children("Ntry"):
            number = lines[entry_index] if entry_index < len(lines) else 0
            entry_index += 1
            row = _entry_row(entry, number, account_currency)
            if isinstance(row, RowError):
                errors.append(row)
            else:
                rows.append(row)
            total += 1
            limits.check_rows(total, "entries")
        grouped.setdefault(account.key or "", []).append((report, rows, errors, account, account_currency))

    statements = []
    for group in grouped.values():
        first_report, last_report = group[0][0], group[-1][0]
        opening_balances, closing_balances = _balances(first_report), _balances(last_report)
        opening = next((opening_balances[c] for c in _OPENING_CODES if c in opening_balances), None)
        closing = next((closing_balances[c] for c in _CLOSING_CODES if c in closing_balances), None)
        available = closing_balances.get("CLAV")
        rows = [row for item in group for row in item[1]]
        period = first_report.child("FrToDt")
        start = _date(period.child("FrDtTm")) if period is not None and period.child("FrDtTm") else None
        end = _date(last_report.child("FrToDt", "ToDtTm")) if last_report.child("FrToDt", "ToDtTm") else None
        currency = (
            group[0][4]
            or (opening.currency if opening else None)
            or next((r.currency for r in rows if r.currency), None)
        )
        statements.append(
            Statement(
                format=_FORMATS[kind],
                rows=rows,
                account=group[0][3],
                currency=currency,
                opening_balance=opening,
                closing_balance=closing,
                available_balance=available,
                period_start=start or (opening.date if opening else None) or min((r.date for r in rows), default=None),
                period_end=end or (closing.date if closing else None) or max((r.date for r in rows), default=None),
                statement_id=first_report.text("Id"),
                encoding=decoded.encoding,
                errors=[error for item in group for error in item[2]],
                warnings=[
                    *controls_warning(removed),
                    *([] if fmt is _FORMATS[kind] else [f"Read as camt.{kind}, not {fmt.value}."]),
                ],
            )
        )
    return statements
