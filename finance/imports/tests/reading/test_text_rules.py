"""Statements are read only in text encodings, and their text holds no control characters.

A charset a file declares or a mapping names must be a text encoding (``encoding.TEXT_ENCODINGS``): codecs
such as ``zlib``, ``base64`` or ``rot13`` (bytes to bytes) gave a 500, and ``unicode_escape`` turned the
text ``\\x00`` into a NUL in a payee. Control characters and lone surrogates are removed from what is read,
with a warning.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from finance.imports.reading.encoding import TEXT_ENCODINGS, text_codec
from finance.imports.reading.errors import ErrorCode, MappingError, ParseError
from finance.imports.reading.mapping import ColumnMapping
from finance.imports.reading.parsers import parse
from finance.imports.reading.tables import load_csv
from finance.imports.reading.text import CONTROLS_RE, without_controls

NOT_TEXT = [
    "zlib",
    "zlib_codec",
    "base64",
    "bz2",
    "hex",
    "rot13",
    "rot-13",
    "uu",
    "quopri",
    "punycode",
    "unicode_escape",
    "raw_unicode_escape",
    "idna",
    "utf-7",
    "undefined",
    "cp037",
    "no-such-charset",
]


def ofx(charset: str, name: str) -> bytes:
    return (
        f"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:{charset}\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
        "<CURDEF>EUR<BANKACCTFROM><BANKID>1<ACCTID>2<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>"
        f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240105<TRNAMT>-1.00<FITID>1<NAME>{name}<MEMO>memo"
        "</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    ).encode()


def camt(declaration: str, payee: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="{declaration}"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>S</Id>'
        "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        '<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2024-01-05</Dt></BookgDt>'
        f"<NtryDtls><TxDtls><RltdPties><Cdtr><Nm>{payee}</Nm></Cdtr></RltdPties></TxDtls></NtryDtls></Ntry>"
        "</Stmt></BkToCstmrStmt></Document>\n"
    ).encode()


MAPPING = ColumnMapping(date_column=0, date_format="%Y-%m-%d", amount_column=1, payee_column=2)


@pytest.mark.parametrize("name", NOT_TEXT)
def test_a_name_that_is_no_text_encoding_is_unknown(name):
    assert text_codec(name) is None


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("UTF-8", "utf-8"),
        ("1252", "cp1252"),
        ("ISO-8859-15", "iso8859-15"),
        ("latin1", "latin-1"),
        ("sjis", "shift_jis"),
    ],
)
def test_text_encodings_are_known_by_their_usual_names(name, codec):
    assert text_codec(name) == codec
    assert codec in TEXT_ENCODINGS or codec == "latin-1"


@pytest.mark.parametrize("charset", NOT_TEXT)
def test_an_ofx_declaring_no_text_encoding_is_read_by_detection_and_escapes_stay_text(charset):
    statement = parse(ofx(charset, "Caf\u00e9 \\x00 \\u0007"), format="ofx")
    assert statement.encoding == "utf-8"
    assert statement.rows[0].payee == "Caf\u00e9 \\x00 \\u0007"


@pytest.mark.parametrize("declaration", ["zlib", "base64", "rot13", "punycode", "unicode_escape"])
def test_a_camt_declaring_no_text_encoding_is_read_by_detection(declaration):
    statement = parse(camt(declaration, "M\u00fcller \\x07"), format="camt053")
    assert statement.encoding == "utf-8"
    assert statement.rows[0].payee == "M\u00fcller \\x07"


@pytest.mark.parametrize("name", NOT_TEXT)
def test_a_mapping_naming_no_text_encoding_is_refused_on_its_field(name):
    with pytest.raises(MappingError) as refused:
        ColumnMapping.from_dict({**MAPPING.to_dict(), "encoding": name})
    assert [error["field"] for error in refused.value.errors] == ["encoding"]
    assert refused.value.field_errors["encoding"][0].code == ErrorCode.INVALID


def test_reading_a_csv_in_no_text_encoding_is_an_encoding_error_not_a_crash():
    with pytest.raises(ParseError) as refused:
        load_csv(b"Date,Amount\n2024-01-05,1.00\n", encoding="zlib")
    assert refused.value.code == ErrorCode.INVALID_ENCODING


def test_control_characters_in_an_ofx_are_removed_with_a_warning_and_nul_refuses_it():
    statement = parse(ofx("1252", "AB\x07C\x9b\x7f &#x81;D"), format="ofx")
    row = statement.rows[0]
    assert row.payee == "ABC D"
    assert row.raw["NAME"] == "ABC &#x81;D"
    assert statement.warnings[0] == "3 control character(s) that text may not hold were removed from the file."
    # NUL, which no column can store, refuses the file as the API refuses it (finance.core.text).
    with pytest.raises(ParseError, match="NUL"):
        parse(ofx("1252", "A\x00B"), format="ofx")


def test_control_characters_in_a_camt_are_removed_also_as_character_references():
    statement = parse(camt("UTF-8", "A\x85B&#x85;C&#127;D&#x9F;"), format="camt053")
    assert statement.rows[0].payee == "ABCD"
    assert statement.rows[0].raw["NtryDtls.TxDtls.RltdPties.Cdtr.Nm"] == "ABCD"
    assert "4 control character(s)" in statement.warnings[0]


def test_control_characters_in_a_csv_are_removed_and_nul_still_refuses_it():
    statement = parse(b"Date,Amount,Payee\n2024-01-05,-1.00,A\x07B\x1bC\xc2\x85\n", mapping=MAPPING)
    assert statement.rows[0].payee == "ABC"
    assert statement.rows[0].raw["Payee"] == "ABC"
    assert "3 control character(s)" in statement.warnings[0]
    with pytest.raises(ParseError, match="NUL"):
        parse(b"Date,Amount,Payee\n2024-01-05,-1.00,A\x00B\n", mapping=MAPPING)


def test_control_characters_in_qif_and_mt940_are_removed():
    qif = parse(b"!Type:Bank\nD01/05/2024\nT-1.00\nPA\x07B\x1f\n^\n", format="qif")
    assert qif.rows[0].payee == "AB"
    assert qif.warnings[0].startswith("2 control character(s)")
    mt940 = parse(
        b":20:S\n:25:DE89370400440532013000\n:28C:1/1\n:60F:C240101EUR100,00\n"
        b":61:2401050105DR1,00NTRFNONREF//B1\n:86:Sh\x0bop\x1a\n:62F:C240105EUR99,00\n",
        format="mt940",
    )
    assert mt940.rows[0].description == "Shop"
    assert mt940.warnings == ["2 control character(s) that text may not hold were removed from the file."]


def test_control_characters_in_xlsx_cells_are_removed():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Date", "Amount", "Payee"])
    sheet.append(["2024-01-05", -1.0, "A\x9bB\x85C"])  # C1 controls are legal XML, so openpyxl writes them
    data = io.BytesIO()
    workbook.save(data)
    statement = parse(data.getvalue(), format="xlsx", mapping=MAPPING)
    assert statement.rows[0].payee == "ABC"
    assert "2 control character(s)" in statement.warnings[0]


def test_without_controls_keeps_tabs_and_line_breaks_and_drops_lone_surrogates():
    assert without_controls("a\tb\r\nc") == ("a\tb\r\nc", 0)
    assert without_controls("a\ud800b\x00c\x9f") == ("abc", 3)
    assert not CONTROLS_RE.search("€ é 中 \u00a0")
