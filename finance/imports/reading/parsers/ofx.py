"""OFX and QFX (Quicken's OFX): version 1 (SGML) and version 2 (XML).

ofxtools' markup parser builds the element tree for both versions (SGML leaf
elements need no end tags). Its strict conversion to OFX spec models is not
used: real bank files break the spec in small ways (an unlisted language code,
a bank id longer than nine characters, elements out of order, empty balance
elements) that must not stop an import, so this module reads the tree itself
and reports what is really missing, row by row.

The header is read here, not by ofxtools, for the same reason: files arrive
without ``OFXHEADER:100``, with blank lines before the header, with
``CHARSET:8859-1``, or declaring 1252 while being UTF-8.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ofxtools import models as ofx_models
from ofxtools.models.base import Aggregate
from ofxtools.Parser import ParseError as OfxToolsParseError
from ofxtools.Parser import TreeBuilder

from finance.imports.reading import limits
from finance.imports.reading.encoding import decode_text
from finance.imports.reading.errors import ErrorCode, ParseError
from finance.imports.reading.statement import AccountInfo, Balance, Format, RowError, Statement, StatementRow
from finance.imports.reading.text import RawValues, controls_warning, without_controls
from finance.imports.reading.values import InvalidValue, parse_ofx_date

_OFX_START_RE = re.compile(rb"<OFX>", re.IGNORECASE)
# Linear on any header: no run of whitespace or text is scanned again for each place a match could start.
_V1_HEADER_RE = re.compile(r"^[ \t]*([A-Z]+)[ \t]*:(.*)$", re.MULTILINE)
_XML_ENCODING_RE = re.compile(r"""<\?xml[^>]{0,200}?encoding\s{0,20}=\s{0,20}["']([^"'>]{1,40})["']""", re.IGNORECASE)
_CDATA_START, _CDATA_END = "<![CDATA[", "]]>"
_END_TAG_RE = re.compile(r"</([A-Z0-9._]+)>")
_OFX_AMOUNT_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_INVESTMENT_TAGS = frozenset(
    {
        "BUYDEBT",
        "BUYMF",
        "BUYOPT",
        "BUYOTHER",
        "BUYSTOCK",
        "CLOSUREOPT",
        "INCOME",
        "INVEXPENSE",
        "JRNLFUND",
        "JRNLSEC",
        "MARGININTEREST",
        "REINVEST",
        "RETOFCAP",
        "SELLDEBT",
        "SELLMF",
        "SELLOPT",
        "SELLOTHER",
        "SELLSTOCK",
        "SPLIT",
        "TRANSFER",
    }
)


@functools.cache
def _is_aggregate(tag: str) -> bool:
    model = getattr(ofx_models, tag.replace(".", "_"), None)
    return isinstance(model, type) and issubclass(model, Aggregate)


class _LineTreeBuilder(TreeBuilder):
    """ofxtools' tree builder, recording each element's source line and forgiving stray end tags.

    Every step is constant time: whether an end tag's element is open is a count per tag (searching the open
    list made deep files quadratic), and nesting deeper than ``limits.MAX_NESTING`` is refused.
    """

    def __init__(self, first_line: int, closed_tags: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.first_line = first_line
        self.open: list[str] = []
        self.open_count: dict[str, int] = {}
        self.line = first_line
        # Tags that have an end tag somewhere: an empty start tag of one of them opens an aggregate;
        # any other empty start tag is an SGML leaf without a value (<MEMO> followed by the next tag).
        self.closed_tags = closed_tags

    def feed(self, data: str) -> None:
        position = 0
        line = self.first_line
        for match in self.regex.finditer(data):
            line += data.count("\n", position, match.start())
            position = match.start()
            self.line = line
            groups = match.groupdict()
            tail = self._groomstring(groups["tail"])
            if tail:
                raise ParseError(f"Unexpected text {tail[:40]!r} after <{groups['tag']}>", line=line)
            text = groups["cdata"] or self._groomstring(groups["text"])
            try:
                self._feedmatch(groups["tag"], text, groups["closetag"])
            except OfxToolsParseError as exc:
                raise ParseError(f"Malformed OFX: {exc}", line=line) from None

    def _feedmatch(self, tag: str, text: str | None, closetag: str | None) -> None:
        if tag.startswith("/"):
            name = tag[1:]
            if self.open_count.get(name):
                # SGML may leave elements open; an end tag closes everything opened inside it.
                while self.open:
                    popped = self.open.pop()
                    self.open_count[popped] -= 1
                    if popped == name:
                        self.end(name)
                        break
                    self.end("")
            return
        self.start(tag, {"line": str(self.line)})
        if text:
            self.data(text)
            self.end(tag)
        elif closetag or not (tag in self.closed_tags or _is_aggregate(tag)):
            self.end(tag)
        else:
            if len(self.open) >= limits.MAX_NESTING:
                raise ParseError(f"Elements are nested more than {limits.MAX_NESTING} deep.", line=self.line)
            self.open.append(tag)
            self.open_count[tag] = self.open_count.get(tag, 0) + 1

    def close(self) -> ET.Element:
        while self.open:
            self.open.pop()
            self.end("")
        return super().close()


def _text(element: ET.Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    for _ in range(2):  # QFX files double-escape: "&amp;lt;" is "<"
        unescaped = html.unescape(value)
        if unescaped == value:
            break
        value = unescaped
    value, _removed = without_controls(value)  # "&#x81;" unescapes to a control character
    value = " ".join(value.split())
    return value or None


def _amount(text: str | None) -> Decimal | None:
    if text is None:
        return None
    cleaned = text.strip().replace(" ", "")
    if not _OFX_AMOUNT_RE.match(cleaned):
        raise InvalidValue(f"{text!r} is not an OFX amount")
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        raise InvalidValue(f"{text!r} is not an OFX amount") from None


def _date(text: str | None) -> dt.date | None:
    return None if text is None else parse_ofx_date(text)


def _raw(element: ET.Element) -> dict[str, str]:
    """Every leaf below ``element``, keyed by its path (``PAYEE.NAME``), as written; a repeated path gets a
    suffix (``MEMO_2``). Walked without recursion, down to ``limits.MAX_RAW_DEPTH`` levels, keeping at most
    ``limits.MAX_RAW_VALUES`` values."""
    raw = RawValues()
    stack = [(iter(element), "", 1)]
    while stack and not raw.full:
        children, prefix, depth = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        key = f"{prefix}{child.tag}"
        if len(child):
            if depth < limits.MAX_RAW_DEPTH:
                stack.append((iter(child), key + ".", depth + 1))
        elif child.text is not None:
            raw.add(key, child.text.strip())
    return raw.values


@dataclass
class _Block:
    account: AccountInfo
    currency: str | None
    rows: list[StatementRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    closing: Balance | None = None
    available: Balance | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def _read_header(data: bytes) -> tuple[str | None, int]:
    """The declared charset and the byte offset of ``<OFX>``."""
    match = _OFX_START_RE.search(data)
    if match is None:
        raise ParseError("The file has no <OFX> element: it is not an OFX file.")
    header = data[: match.start()].decode("latin-1")
    xml_encoding = _XML_ENCODING_RE.search(header)
    if xml_encoding:
        return xml_encoding.group(1), match.start()
    fields = {key.upper(): value.strip() for key, value in _V1_HEADER_RE.findall(header)}
    encoding = fields.get("ENCODING", "").upper()
    if encoding in ("UTF-8", "UTF8", "UNICODE"):
        return "utf-8", match.start()
    charset = fields.get("CHARSET")
    return (None if not charset or charset.upper() == "NONE" else charset), match.start()


def _inline_cdata(body: str, first_line: int) -> str:
    """CDATA sections as plain element text (``<`` written ``&lt;``, which ``_clean`` reads back).

    ofxtools' tag pattern looked for a CDATA section's end anew from every tag of a line, so a line of
    unclosed sections took quadratic time; here each section's end is found once, and a section that is
    never closed is refused. Newlines inside sections stay, so line numbers do not move.
    """
    if _CDATA_START not in body:
        return body
    parts: list[str] = []
    position = 0
    while (start := body.find(_CDATA_START, position)) >= 0:
        end = body.find(_CDATA_END, start + len(_CDATA_START))
        if end < 0:
            raise ParseError("A CDATA section is never closed.", line=first_line + body.count("\n", 0, start))
        parts.append(body[position:start])
        parts.append(body[start + len(_CDATA_START) : end].replace("<", "&lt;"))
        position = end + len(_CDATA_END)
    parts.append(body[position:])
    return "".join(parts)


def parse_ofx(data: bytes, fmt: Format) -> list[Statement]:
    declared, _start = _read_header(data)
    decoded = decode_text(data, declared=declared)
    text = decoded.text
    body_start = text.upper().find("<OFX>")
    body = text[body_start:]
    end = body.upper().rfind("</OFX>")
    if end >= 0:
        body = body[: end + len("</OFX>")]
    first_line = text.count("\n", 0, body_start) + 1
    body = _inline_cdata(body, first_line)
    closed = frozenset(_END_TAG_RE.findall(body))
    builder = _LineTreeBuilder(first_line=first_line, closed_tags=closed)
    builder.feed(body)
    try:
        root = builder.close()
    except Exception as exc:  # noqa: BLE001 - ElementTree reports broken nesting with bare assertion/errors
        raise ParseError(f"Malformed OFX: {exc}") from None
    if root is None or root.tag != "OFX":
        raise ParseError("The file has no <OFX> element: it is not an OFX file.")
    limits.check_depth(root)

    blocks: list[_Block] = []
    count = 0
    for response in root.iter():
        if response.tag in ("STMTRS", "CCSTMTRS"):
            blocks.append(_bank_statement(response))
        elif response.tag == "INVSTMTRS":
            blocks.append(_investment_statement(response))
        elif response.tag == "INTRARS":
            _transfer(response, blocks)
        else:
            continue
        count = sum(len(block.rows) + len(block.errors) for block in blocks)
        limits.check_rows(count, "transactions")

    if not blocks:
        raise ParseError(_why_no_statement(root), code=ErrorCode.NO_STATEMENT)
    return [
        Statement(
            format=fmt,
            rows=block.rows,
            account=block.account,
            currency=block.currency,
            closing_balance=block.closing,
            available_balance=block.available,
            period_start=block.start,
            period_end=block.end,
            encoding=decoded.encoding,
            errors=block.errors,
            warnings=[*controls_warning(decoded.removed), *block.warnings],
        )
        for block in blocks
    ]


def _why_no_statement(root: ET.Element) -> str:
    for status in root.iter("STATUS"):
        if (_text(status, "SEVERITY") or "").upper() == "ERROR":
            message = _text(status, "MESSAGE") or "no message"
            return f"The bank answered with an error instead of a statement: {message} (code {_text(status, 'CODE')})."
    if root.find(".//ACCTINFORS") is not None:
        return "The file is an account list, not a statement: it holds no transactions."
    return "The file holds no statement."


def _account(response: ET.Element) -> AccountInfo:
    for tag, default_type in (("BANKACCTFROM", None), ("CCACCTFROM", "CREDITCARD"), ("INVACCTFROM", "INVESTMENT")):
        element = response.find(tag)
        if element is not None:
            number = _text(element, "ACCTID")
            return AccountInfo(
                account_id=number,
                account_number=number,
                bank_id=_text(element, "BANKID") or _text(element, "BROKERID"),
                branch_id=_text(element, "BRANCHID"),
                account_type=_text(element, "ACCTTYPE") or default_type,
            )
    return AccountInfo()


def _balance(element: ET.Element | None, currency: str | None, block: _Block, name: str) -> Balance | None:
    if element is None:
        return None
    try:
        amount = _amount(_text(element, "BALAMT"))
        as_of = _text(element, "DTASOF")
        date = parse_ofx_date(as_of) if as_of else None
    except InvalidValue as exc:
        block.warnings.append(f"{name} ignored: {exc}")
        return None
    if amount is None:
        block.warnings.append(f"{name} has no amount; ignored.")
        return None
    return Balance(amount=amount, date=date, currency=currency)


def _line(element: ET.Element) -> int:
    return int(element.get("line", "0"))


def _bank_statement(response: ET.Element) -> _Block:
    currency = _text(response, "CURDEF")
    block = _Block(account=_account(response), currency=currency)
    tranlist = response.find("BANKTRANLIST")
    if tranlist is not None:
        try:
            block.start, block.end = _date(_text(tranlist, "DTSTART")), _date(_text(tranlist, "DTEND"))
        except InvalidValue as exc:
            block.warnings.append(f"Statement period ignored: {exc}")
        for transaction in tranlist.findall("STMTTRN"):
            _add_row(block, transaction, currency)
    block.closing = _balance(response.find("LEDGERBAL"), currency, block, "LEDGERBAL")
    block.available = _balance(response.find("AVAILBAL"), currency, block, "AVAILBAL")
    return block


def _add_row(block: _Block, transaction: ET.Element, currency: str | None, *, extra: ET.Element | None = None) -> None:
    number = _line(transaction)
    raw = _raw(extra if extra is not None else transaction)
    posted = _text(transaction, "DTPOSTED")
    amount_text = _text(transaction, "TRNAMT")
    if posted is None and amount_text is None:
        block.errors.append(
            RowError(number, "The transaction has no date and no amount.", code=ErrorCode.NOT_A_TRANSACTION)
        )
        return
    if posted is None:
        block.errors.append(
            RowError(number, "The transaction has no DTPOSTED date.", "DTPOSTED", code=ErrorCode.MISSING_DATE)
        )
        return
    if amount_text is None:
        block.errors.append(RowError(number, "The transaction has no TRNAMT.", "TRNAMT", code=ErrorCode.MISSING_AMOUNT))
        return
    try:
        date = parse_ofx_date(posted)
    except InvalidValue as exc:
        block.errors.append(RowError(number, str(exc), "DTPOSTED", posted, code=ErrorCode.INVALID_DATE))
        return
    try:
        amount = _amount(amount_text)
    except InvalidValue as exc:
        block.errors.append(RowError(number, str(exc), "TRNAMT", amount_text, code=ErrorCode.INVALID_AMOUNT))
        return
    assert amount is not None
    available = _text(transaction, "DTAVAIL")
    try:
        value_date = parse_ofx_date(available) if available else None
    except InvalidValue:
        value_date = None
    row_currency = _text(transaction, "CURRENCY/CURSYM") or currency
    block.rows.append(
        StatementRow(
            row_number=number,
            date=date,
            amount=amount,
            currency=row_currency,
            posted_date=value_date,
            payee=_clean(_text(transaction, "NAME") or _text(transaction, "PAYEE/NAME")),
            description=_clean(_text(transaction, "MEMO")),
            reference=_clean(_text(transaction, "REFNUM")),
            provider_id=_text(transaction, "FITID") or _text(transaction, "SRVRTID"),
            check_number=_text(transaction, "CHECKNUM"),
            category=_clean(_text(transaction, "CATEGORY")),
            transaction_type=_text(transaction, "TRNTYPE"),
            raw=raw,
        )
    )


def _investment_statement(response: ET.Element) -> _Block:
    currency = _text(response, "CURDEF")
    block = _Block(account=_account(response), currency=currency)
    tranlist = response.find("INVTRANLIST")
    skipped = 0
    if tranlist is not None:
        try:
            block.start, block.end = _date(_text(tranlist, "DTSTART")), _date(_text(tranlist, "DTEND"))
        except InvalidValue as exc:
            block.warnings.append(f"Statement period ignored: {exc}")
        for element in tranlist:
            if element.tag == "INVBANKTRAN":
                transaction = element.find("STMTTRN")
                if transaction is not None:
                    _add_row(block, transaction, currency, extra=element)
            elif element.tag in _INVESTMENT_TAGS and not _add_investment_row(block, element, currency):
                skipped += 1
    if skipped:
        block.warnings.append(
            f"{skipped} security transaction(s) without a cash amount (transfers, splits) are not rows."
        )
    cash = response.find("INVBAL/AVAILCASH")
    if cash is not None and cash.text:
        try:
            amount = _amount(cash.text)
        except InvalidValue:
            amount = None
        if amount is not None:
            block.available = Balance(amount=amount, currency=currency)
    return block


def _add_investment_row(block: _Block, element: ET.Element, currency: str | None) -> bool:
    invtran = element.find(".//INVTRAN")
    number = _line(element)
    total = _text(element, ".//TOTAL")
    if total is None:
        return False
    trade = _text(invtran, "DTTRADE")
    if trade is None:
        block.errors.append(
            RowError(number, "The transaction has no DTTRADE date.", "DTTRADE", code=ErrorCode.MISSING_DATE)
        )
        return True
    try:
        date = parse_ofx_date(trade)
        amount = _amount(total)
    except InvalidValue as exc:
        block.errors.append(RowError(number, str(exc), code=ErrorCode.INVALID_VALUE))
        return True
    assert amount is not None
    settle = _text(invtran, "DTSETTLE")
    try:
        settle_date = parse_ofx_date(settle) if settle else None
    except InvalidValue:
        settle_date = None
    security = _text(element, ".//SECID/UNIQUEID")
    kind = element.tag if element.tag != "INCOME" else f"INCOME {_text(element, 'INCOMETYPE') or ''}".strip()
    block.rows.append(
        StatementRow(
            row_number=number,
            date=date,
            amount=amount,
            currency=_text(element, ".//CURRENCY/CURSYM") or currency,
            posted_date=settle_date,
            description=_clean(_text(invtran, "MEMO")) or f"{kind} {security or ''}".strip(),
            provider_id=_text(invtran, "FITID"),
            transaction_type=kind,
            raw=_raw(element),
        )
    )
    return True


def _transfer(response: ET.Element, blocks: list[_Block]) -> None:
    """An intrabank transfer response (INTRARS), read as a row of the account it leaves from."""
    info = response.find("XFERINFO")
    source = info.find("BANKACCTFROM") if info is not None else None
    account = AccountInfo()
    if source is not None:
        account_number = _text(source, "ACCTID")
        account = AccountInfo(
            account_id=account_number,
            account_number=account_number,
            bank_id=_text(source, "BANKID"),
            account_type=_text(source, "ACCTTYPE"),
        )
    currency = _text(response, "CURDEF")
    block = next((b for b in blocks if b.account == account), None)
    if block is None:
        block = _Block(account=account, currency=currency)
        blocks.append(block)
    number = _line(response)
    posted = _text(response, "DTPOSTED") or _text(response, "XFERPRCSTS/DTXFERPRC") or _text(info, "DTDUE")
    amount_text = _text(info, "TRNAMT")
    if posted is None or amount_text is None:
        block.errors.append(RowError(number, "The transfer has no date or no amount.", code=ErrorCode.MISSING_VALUE))
        return
    try:
        date = parse_ofx_date(posted)
        amount = _amount(amount_text)
    except InvalidValue as exc:
        block.errors.append(RowError(number, str(exc), code=ErrorCode.INVALID_VALUE))
        return
    assert amount is not None
    target = _text(info, "BANKACCTTO/ACCTID")
    block.rows.append(
        StatementRow(
            row_number=number,
            date=date,
            amount=amount,
            currency=currency,
            description=f"Transfer to {target}" if target else "Transfer",
            provider_id=_text(response, "SRVRTID"),
            transaction_type="XFER",
            raw=_raw(response),
        )
    )
