"""Hostile statement files of a chosen size, for the parse benchmark and the linearity tests.

Each generator returns the bytes of one file of about ``size`` bytes built to make a careless parser
work more than linearly: the same leaf repeated inside one transaction (naming ``MEMO``, ``MEMO_2``, ...),
nesting thousands of levels deep, everything on one line, thousands of tiny messages, a header of blank
lines. ``manage.py bench_import_parse --adversarial`` times them (docs/benchmarks.md), and
``finance/imports/tests/reading/test_linear.py`` checks that the work they cost grows linearly.
"""

from __future__ import annotations

from collections.abc import Callable

_OFX_HEAD = (
    "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
    "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
)
_OFX_OPEN = (
    "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20240131<LANGUAGE>ENG"
    "</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>"
    "<STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>12345678<ACCTID>99887766<ACCTTYPE>CHECKING</BANKACCTFROM>"
    "<BANKTRANLIST><DTSTART>20240101<DTEND>20240131\n"
)
_OFX_CLOSE = (
    "</BANKTRANLIST><LEDGERBAL><BALAMT>100.00<DTASOF>20240131</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
)
_TXN = "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240105<TRNAMT>-12.50<FITID>{n}<NAME>Shop {n}"


def _repeat(unit: str, size: int, fixed: int) -> int:
    return max(1, (size - fixed) // max(1, len(unit)))


def ofx_repeated_leaves(size: int) -> bytes:
    """One transaction with thousands of ``<MEMO>`` leaves: its raw values are named MEMO, MEMO_2, ..."""
    unit = "<MEMO>again\n"
    count = _repeat(unit, size, len(_OFX_HEAD) + len(_OFX_OPEN) + len(_OFX_CLOSE) + 80)
    body = _TXN.format(n=1) + "\n" + unit * count + "</STMTTRN>\n"
    return (_OFX_HEAD + _OFX_OPEN + body + _OFX_CLOSE).encode()


def ofx_deep(size: int) -> bytes:
    """A transaction nesting thousands of differently named aggregates (each closed by its end tag)."""
    fixed = len(_OFX_HEAD) + len(_OFX_OPEN) + len(_OFX_CLOSE) + 80
    count = _repeat("<A00000></A00000>\n", size, fixed)
    opening = "".join(f"<A{i:05d}>\n" for i in range(count))
    closing = "".join(f"</A{i:05d}>\n" for i in reversed(range(count)))
    body = _TXN.format(n=1) + "\n" + opening + "<MEMO>deep\n" + closing + "</STMTTRN>\n"
    return (_OFX_HEAD + _OFX_OPEN + body + _OFX_CLOSE).encode()


def ofx_stray_end_tags(size: int) -> bytes:
    """Transactions followed by thousands of end tags of elements that were never opened."""
    unit = "</NEVEROPENED>\n"
    fixed = len(_OFX_HEAD) + len(_OFX_OPEN) + len(_OFX_CLOSE) + 200
    body = _TXN.format(n=1) + "</STMTTRN>\n" + unit * _repeat(unit, size, fixed) + _TXN.format(n=2) + "</STMTTRN>\n"
    return (_OFX_HEAD + _OFX_OPEN + body + _OFX_CLOSE).encode()


def ofx_one_line_cdata(size: int) -> bytes:
    """Everything on one line, with thousands of CDATA sections that never end."""
    unit = "<MEMO><![CDATA[x"
    fixed = len(_OFX_HEAD) + len(_OFX_OPEN) + len(_OFX_CLOSE) + 80
    body = _TXN.format(n=1) + unit * _repeat(unit, size, fixed) + "</STMTTRN>"
    return (_OFX_HEAD + (_OFX_OPEN + body + _OFX_CLOSE).replace("\n", "")).encode()


def ofx_header(size: int) -> bytes:
    """A header of thousands of blank lines and unfinished ``<?xml`` declarations before ``<OFX>``."""
    unit = "<?xml \n \n"
    fixed = len(_OFX_OPEN) + len(_OFX_CLOSE) + 120
    body = _TXN.format(n=1) + "</STMTTRN>\n"
    return ("OFXHEADER:100\n" + unit * _repeat(unit, size, fixed) + _OFX_OPEN + body + _OFX_CLOSE).encode()


_CAMT_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
    "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-01-31T18:00:00</CreDtTm></GrpHdr>"
    "<Stmt><Id>S1</Id><CreDtTm>2024-01-31T18:00:00</CreDtTm>"
    "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
)
_CAMT_CLOSE = "</Stmt></BkToCstmrStmt></Document>\n"
_ENTRY_OPEN = (
    '<Ntry><Amt Ccy="EUR">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>'
    "<BookgDt><Dt>2024-01-05</Dt></BookgDt><ValDt><Dt>2024-01-05</Dt></ValDt><AcctSvcrRef>R{n}</AcctSvcrRef>"
)


def camt_repeated_leaves(size: int) -> bytes:
    """One entry with thousands of ``<AddtlNtryInf>`` leaves."""
    unit = "<AddtlNtryInf>again</AddtlNtryInf>\n"
    fixed = len(_CAMT_OPEN) + len(_CAMT_CLOSE) + len(_ENTRY_OPEN) + 20
    body = _ENTRY_OPEN.format(n=1) + unit * _repeat(unit, size, fixed) + "</Ntry>\n"
    return (_CAMT_OPEN + body + _CAMT_CLOSE).encode()


def camt_deep(size: int) -> bytes:
    """One entry nesting thousands of elements deep, a leaf at every level."""
    fixed = len(_CAMT_OPEN) + len(_CAMT_CLOSE) + len(_ENTRY_OPEN) + 20
    count = _repeat("<D><V>1</V>\n</D>", size, fixed)
    body = _ENTRY_OPEN.format(n=1) + "<D><V>1</V>\n" * count + "</D>" * count + "</Ntry>\n"
    return (_CAMT_OPEN + body + _CAMT_CLOSE).encode()


def camt_many_entries(size: int) -> bytes:
    """Thousands of small entries (each needs its source line)."""
    unit = _ENTRY_OPEN + "</Ntry>\n"
    count = _repeat(unit.format(n=100000), size, len(_CAMT_OPEN) + len(_CAMT_CLOSE))
    body = "".join(unit.format(n=i) for i in range(count))
    return (_CAMT_OPEN + body + _CAMT_CLOSE).encode()


def qif_repeated_field(size: int) -> bytes:
    """One QIF transaction with thousands of memo lines."""
    unit = "Magain\n"
    head = "!Type:Bank\nD01/05/2024\nT-12.50\nPShop\n"
    return (head + unit * _repeat(unit, size, len(head) + 2) + "^\n").encode()


_MT940_MESSAGE = ":20:STMT{n}\n:25:DE89370400440532013000\n:28C:{n}/1\n:60F:C240101EUR100,00\n"
_MT940_LINE = ":61:2401050105DR12,50NTRFNONREF//B{n}\n:86:Shop {n}\n"


def mt940_many_messages(size: int) -> bytes:
    """Thousands of one-transaction MT940 messages."""
    unit = _MT940_MESSAGE + _MT940_LINE + ":62F:C240105EUR87,50\n"
    count = _repeat(unit.format(n=100000), size, 0)
    return "".join(unit.format(n=i) for i in range(count)).encode()


def mt940_many_lines(size: int) -> bytes:
    """One MT940 message with thousands of transactions."""
    count = _repeat(_MT940_LINE.format(n=100000), size, 100)
    lines = "".join(_MT940_LINE.format(n=i) for i in range(count))
    return (_MT940_MESSAGE.format(n=1) + lines + ":62F:C240105EUR87,50\n").encode()


#: name → (generator, format to parse it as)
CASES: dict[str, tuple[Callable[[int], bytes], str]] = {
    "ofx_repeated_leaves": (ofx_repeated_leaves, "ofx"),
    "ofx_deep": (ofx_deep, "ofx"),
    "ofx_stray_end_tags": (ofx_stray_end_tags, "ofx"),
    "ofx_one_line_cdata": (ofx_one_line_cdata, "ofx"),
    "ofx_header": (ofx_header, "ofx"),
    "camt_repeated_leaves": (camt_repeated_leaves, "camt053"),
    "camt_deep": (camt_deep, "camt053"),
    "camt_many_entries": (camt_many_entries, "camt053"),
    "qif_repeated_field": (qif_repeated_field, "qif"),
    "mt940_many_messages": (mt940_many_messages, "mt940"),
    "mt940_many_lines": (mt940_many_lines, "mt940"),
}
