import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from finance.imports.reading import limits
from finance.imports.reading.detection import detect
from finance.imports.reading.encoding import decode
from finance.imports.reading.errors import FileTooLarge, MultipleAccounts, ParseError, UnsupportedFormat
from finance.imports.reading.mapping import SignConvention
from finance.imports.reading.parsers import detect_format, parse, parse_all
from finance.imports.reading.statement import Format
from finance.imports.tests.conftest import FIXTURES


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("csv/reckon-chase.csv", Format.CSV),
        ("ofx/ofxparse-checking.ofx", Format.OFX),
        ("ofx/ofxparse-bank_medium.ofx", Format.OFX),
        ("qfx/actual-1252.qfx", Format.QFX),
        ("qif/quiffen-test_split.qif", Format.QIF),
        ("camt053/genkgo-camt053.v8.xml", Format.CAMT053),
        ("camt053/genkgo-camt052.v2.xml", Format.CAMT052),
        ("camt053/genkgo-camt054.v2.xml", Format.CAMT054),
        ("mt940/wolph-mt940-jejik-ing.sta", Format.MT940),
        ("mt940/wolph-mt940-ASNB-0708271685_09022020_164516.940.txt", Format.MT940),
        ("mt940/wolph-mt940-self-mt942.sta", Format.MT942),
    ],
)
def test_the_format_is_detected_from_content(name, expected):
    assert detect_format(fixture(name), Path(name).name) is expected


def test_the_file_name_only_breaks_ties():
    ofx = fixture("ofx/ofxparse-bank_medium.ofx")  # has <INTU.BID>, so content alone says QFX
    assert detect_format(ofx) is Format.QFX
    assert detect_format(ofx, "statement.ofx") is Format.OFX
    assert detect_format(fixture("csv/reckon-chase.csv"), "statement.qif") is Format.CSV


def test_an_explicit_format_is_used_and_an_unknown_one_refused():
    assert parse(fixture("qfx/actual-1252.qfx"), format="ofx").format is Format.OFX
    with pytest.raises(UnsupportedFormat):
        parse(fixture("qfx/actual-1252.qfx"), format="pdf")


def test_a_file_object_is_read_like_bytes():
    statement = parse(io.BytesIO(fixture("ofx/ofxparse-checking.ofx")))
    assert len(statement.rows) == 3


# --- OFX / QFX ---------------------------------------------------------------------


def test_ofx_v1_sgml_statement():
    statement = parse(fixture("ofx/asgrim-ofxparser-ofxdata.ofx"))
    assert statement.format is Format.OFX
    assert statement.account.account_id == "098-121"
    assert statement.account.bank_id == "987654321"
    assert statement.account.account_type == "SAVINGS"
    assert statement.currency == "USD"
    assert statement.closing_balance is not None
    assert statement.closing_balance.amount == Decimal("5250.00")
    assert statement.closing_balance.date == dt.date(2007, 10, 15)
    assert (statement.period_start, statement.period_end) == (dt.date(2007, 1, 1), dt.date(2007, 10, 15))
    first = statement.rows[0]
    assert (first.date, first.amount, first.payee, first.description) == (
        dt.date(2007, 3, 15),
        Decimal("200.00"),
        "DEPOSIT",
        "automatic deposit",
    )
    assert first.provider_id == "980315001"
    assert first.transaction_type == "CREDIT"
    assert first.raw["FITID"] == "980315001"


def test_ofx_v2_xml_gives_the_same_rows_as_v1():
    sgml = parse(fixture("ofx/asgrim-ofxparser-ofxdata.ofx"))
    xml = parse(fixture("ofx/asgrim-ofxparser-ofxdata-xml.ofx"))
    assert [(r.date, r.amount, r.provider_id) for r in sgml.rows] == [
        (r.date, r.amount, r.provider_id) for r in xml.rows
    ]


def test_ofx_check_numbers_and_negative_amounts():
    statement = parse(fixture("ofx/ofxparse-bank_medium.ofx"), format="ofx")
    check = statement.rows[1]
    assert check.transaction_type == "CHECK"
    assert check.amount == Decimal("-316.67")
    assert check.check_number == "0"
    assert check.payee == "Joe's Bald Hairstyles"


def test_qfx_legacy_charsets_decode_accents():
    latin1 = parse(fixture("qfx/actual-8859-1.qfx"))
    assert latin1.rows[0].payee == "Paiement facture/Carte prépayée"
    cp1252 = parse(fixture("qfx/actual-1252.qfx"))
    assert cp1252.rows[0].payee == "Café Métro €uro"
    assert cp1252.rows[0].description == "Paiement 5€ — débit"
    assert cp1252.encoding == "cp1252"


def test_a_1252_header_on_utf8_bytes_reads_utf8():
    statement = parse(fixture("ofx/asgrim-ofxparser-ofxdata-bb.ofx"))
    assert statement.encoding == "utf-8"
    assert statement.rows[0].description == "DOC CRÉDITO EM CONTA"


def test_html_entities_are_unescaped_even_when_double_escaped():
    statement = parse(fixture("qfx/actual-html-vals.qfx"))
    assert statement.rows[1].payee == "TPAY <DEFTPYMT>"
    assert statement.rows[0].description == "PREAUTHORIZED DEBIT;B.C. HYDRO & POWER AUTHORITY;Electronic Funds Transfer"


def test_ofx_with_several_accounts_needs_an_account_choice():
    with pytest.raises(MultipleAccounts) as caught:
        parse(fixture("ofx/ofxparse-multiple_accounts.ofx"))
    assert caught.value.accounts == ["9100", "9200"]
    savings = parse(fixture("ofx/ofxparse-multiple_accounts.ofx"), account="9200")
    assert savings.account.account_type == "SAVINGS"
    assert savings.closing_balance is not None
    assert savings.closing_balance.amount == Decimal("222")
    with pytest.raises(ParseError) as unknown:
        parse(fixture("ofx/ofxparse-multiple_accounts.ofx"), account="1")
    assert unknown.value.code == "unknown_account"


def test_when_only_one_account_has_transactions_parse_returns_it():
    statement = parse(fixture("ofx/asgrim-ofxparser-ofxdata-bb-two-stmtrs.ofx"))
    assert statement.account.account_id == "655000-2"
    assert len(statement.rows) == 36
    assert statement.rows[0].description == "TED-CRÉDITO EM CONTA"


def test_ofx_investment_statements_give_cash_rows():
    statement = parse(fixture("ofx/ofxparse-fidelity.ofx"))
    assert statement.account.account_type == "INVESTMENT"
    assert statement.account.bank_id == "fidelity.com"
    buy = statement.rows[0]
    assert (buy.date, buy.amount, buy.transaction_type) == (dt.date(2012, 7, 20), Decimal("-2571.4500"), "BUYSTOCK")
    assert buy.raw["INVBUY.SECID.UNIQUEID"]
    assert len(statement.rows) == 17


def test_broken_ofx_transactions_are_row_errors_with_lines():
    statement = parse(fixture("ofx/ofxparse-fail_nice-date_missing.ofx"))
    assert [(e.row_number, e.code, e.column) for e in statement.errors] == [
        (33, "missing_date", "DTPOSTED"),
        (40, "missing_date", "DTPOSTED"),
        (48, "invalid_date", "DTPOSTED"),
    ]
    assert statement.rows == []


def test_an_ofx_amount_with_a_currency_sign_is_refused():
    content = fixture("ofx/ofxparse-fail_nice-decimal_error.ofx").replace(b"201120000000", b"20110120")
    (error,) = parse(content).errors
    assert (error.code, error.column, error.value) == ("invalid_amount", "TRNAMT", "$120")


def test_an_ofx_error_response_explains_itself():
    with pytest.raises(ParseError) as caught:
        parse(fixture("ofx/ofxparse-signon_fail.ofx"))
    assert "invalid identification code" in str(caught.value)
    assert "15500" in str(caught.value)


# --- MT940 -------------------------------------------------------------------------


def test_mt940_statement_with_balances_and_structured_details():
    statement = parse(fixture("mt940/wolph-mt940-self-gv_codes.sta"))
    assert statement.format is Format.MT940
    assert statement.account.bank_id == "12345678"
    assert statement.account.account_number == "1020304050"
    assert statement.opening_balance is not None
    assert statement.opening_balance.amount == Decimal("12345.12")
    first = statement.rows[0]
    assert (first.row_number, first.date, first.amount, first.currency) == (
        5,
        dt.date(2017, 9, 14),
        Decimal("-233.15"),
        "EUR",
    )
    assert first.payee == "PayPal (Europe) S.a.r.l. et"


def test_mt940_messages_of_one_account_join_into_one_statement():
    statement = parse(fixture("mt940/wolph-mt940-ASNB-0708271685_09022020_164516.940.txt"))
    assert statement.account.iban == "NL81ASNB9999999999"
    assert statement.opening_balance is not None
    assert statement.closing_balance is not None
    assert statement.opening_balance.amount == Decimal("444.29")
    assert statement.opening_balance.date == dt.date(2020, 1, 1)
    assert statement.rows[0].amount == Decimal("-65.00")
    assert statement.rows[0].row_number == 6
    total = sum(row.amount for row in statement.rows)
    assert statement.opening_balance.amount + total == statement.closing_balance.amount


def test_mt940_files_of_several_accounts_are_split():
    statements = parse_all(fixture("mt940/wolph-mt940-jejik-rabobank.sta"))
    assert [s.account.account_number for s in statements] == ["1291.99.348", "1526.89.184"]
    assert all(s.currency == "EUR" for s in statements)
    with pytest.raises(MultipleAccounts):
        parse(fixture("mt940/wolph-mt940-jejik-rabobank.sta"))


def test_mt942_interim_reports_are_read_as_such():
    statement = parse(fixture("mt940/wolph-mt940-self-mt942.sta"))
    assert statement.format is Format.MT942
    assert statement.rows[0].amount == Decimal("-0.42")
    assert statement.rows[0].provider_id == "055001022000001"


def test_malformed_mt940_structure_names_the_line():
    with pytest.raises(ParseError) as caught:
        parse(fixture("mt940/wolph-mt940-betterplace-sepa_snippet_broken.sta"))
    assert caught.value.line == 6
    assert ":25:" in str(caught.value)


def test_dos_852_bytes_in_mt940_are_decoded():
    statement = parse(fixture("mt940/wolph-mt940-self-raiffeisen-cmi.sta"))
    assert statement.encoding == "cp852"
    assert statement.rows[0].notes == "Csoportos átutalás jóváírása"


# --- CAMT --------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v2.minimal", "v3", "v4", "v8"])
def test_camt053_versions_read_alike(version):
    statement = parse(fixture(f"camt053/genkgo-camt053.{version}.xml"))
    assert statement.format is Format.CAMT053
    assert statement.account.key == "NL26VAYB8060476890"
    assert statement.opening_balance is not None
    assert statement.opening_balance.amount == Decimal("18.15")
    (row,) = statement.rows
    assert (row.date, row.posted_date, row.amount, row.currency) == (
        dt.date(2014, 12, 31),
        dt.date(2015, 1, 2),
        Decimal("8.85"),
        "EUR",
    )
    assert row.payee == "NAME NAME"


def test_camt_debit_entries_are_negative_and_name_the_creditor():
    statement = parse(fixture("camt053/genkgo-camt053.v2.multi.statement.xml"))
    debit = statement.rows[1]
    assert debit.amount == Decimal("-7.00")
    assert debit.payee == "Company Name 2"
    assert debit.description == "Transaction Description 2"


def test_camt052_intraday_reports_are_accepted_with_their_format():
    statement = parse(fixture("camt053/actual-camt.latin1.xml"))
    assert statement.format is Format.CAMT052
    assert statement.encoding == "latin-1"
    assert statement.rows[1].payee == "Grüße aus München"
    assert statement.rows[1].amount == Decimal("-5.00")


def test_camt_without_a_statement_is_refused():
    with pytest.raises(ParseError) as caught:
        parse(fixture("camt053/genkgo-camt053.v2.wrong.xml"))
    assert "<Stmt>" in str(caught.value)


def test_xml_entity_expansion_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&lol2;'
        b"</BkToCstmrStmt></Document>"
    )
    with pytest.raises(ParseError) as caught:
        parse(bomb)
    assert caught.value.code == "forbidden_xml"


def test_external_entities_are_refused():
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&x;</Document>'
    )
    with pytest.raises(ParseError) as caught:
        parse(xxe, format="camt053")
    assert caught.value.code == "forbidden_xml"


def test_malformed_xml_names_the_line():
    broken = b'<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">\n<Bk>\n'
    with pytest.raises(ParseError) as caught:
        parse(broken)
    assert caught.value.line == 4


# --- QIF ---------------------------------------------------------------------------


def test_qif_accounts_split_into_statements_with_splits_in_raw():
    statements = parse_all(fixture("qif/csv2ofx-converted-mint.qif"))
    assert [(s.account.name, s.account.account_type, len(s.rows)) for s in statements] == [
        ("Checking", "BANK", 3),
        ("Savings", "BANK", 1),
    ]
    first = statements[0].rows[0]
    assert (first.date, first.amount, first.payee, first.description) == (
        dt.date(2015, 6, 12),
        Decimal("-1500.00"),
        "Transfer from Savings",
        "Account Transfer",
    )
    assert first.raw["S1"] == "Savings"
    assert first.raw["$1"] == "-1500.00"


def test_qif_day_first_dates_are_recognised_across_the_file():
    statement = parse(fixture("qif/quiffen-test_category_override.qif"))
    assert [row.date for row in statement.rows] == [
        dt.date(2017, 12, 22),
        dt.date(2018, 1, 1),
        dt.date(2018, 1, 2),
        dt.date(2018, 1, 2),
    ]


def test_qif_opening_balance_and_investment_actions():
    statement = parse(fixture("qif/quiffen-test.qif"))
    assert statement.opening_balance is not None
    assert statement.opening_balance.amount == Decimal("0.00")
    assert statement.opening_balance.date == dt.date(2020, 2, 10)
    buy = statement.rows[-1]
    assert (buy.transaction_type, buy.amount) == ("Buy", Decimal("-12042.00"))
    cleared = next(row for row in statement.rows if row.payee == "Walmart")
    assert (cleared.check_number, cleared.category, cleared.is_pending) == ("123", "Food:Groceries", False)


def test_qif_unknown_section_is_a_parse_error():
    with pytest.raises(ParseError) as caught:
        parse(b"!Type:Spaceship\nD01/01/2020\nT1.00\n^\n", format="qif")
    assert caught.value.line == 1


# --- XLSX --------------------------------------------------------------------------


def _workbook(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Umsätze"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_statements_use_the_same_detection_and_mapping():
    content = _workbook(
        [
            ["Kontoauszug Girokonto"],
            [],
            ["Buchungstag", "Empfänger", "Verwendungszweck", "Soll", "Haben", "Saldo"],
            [dt.date(2024, 3, 1), "Stadtwerke", "Strom März", 84.5, None, 915.5],
            [dt.date(2024, 3, 2), "Arbeitgeber GmbH", "Gehalt", None, 2500, 3415.5],
            ["03.03.2024", "Bäckerei", "Brötchen", 3.2, None, 3412.3],
        ]
    )
    detection = detect(content)
    mapping = detection.mapping
    assert detection.format == "xlsx"
    assert mapping is not None
    assert mapping.sheet == "Umsätze"
    assert mapping.skip_rows == 2
    assert mapping.sign_convention is SignConvention.DEBIT_CREDIT
    statement = parse(content, filename="umsaetze.xlsx")
    assert statement.format is Format.XLSX
    assert [(row.row_number, row.date, row.amount, row.payee) for row in statement.rows[:2]] == [
        (4, dt.date(2024, 3, 1), Decimal("-84.5"), "Stadtwerke"),
        (5, dt.date(2024, 3, 2), Decimal("2500"), "Arbeitgeber GmbH"),
    ]
    (error,) = statement.errors
    assert (error.row_number, error.code, error.value) == (6, "invalid_date", "03.03.2024")


def test_a_broken_xlsx_is_a_parse_error():
    with pytest.raises(ParseError):
        parse(b"PK\x03\x04 not really a zip", format="xlsx")


# --- encodings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encoding", "payee"),
    [
        ("csv/actual-data_euc-jp.csv", "euc_jp", "山田下社"),
        ("csv/actual-data_euc-kr.csv", "euc_kr", "서울식품"),
        ("csv/actual-data_gb18030.csv", "gb18030", "北京餐厅"),
        ("csv/actual-windows-1252.csv", "cp1252", "Café Rémy"),
        ("csv/actual-windows-1252-euro.csv", "cp1252", "Café €Rémy"),
    ],
)
def test_csv_legacy_encodings_are_detected(name, encoding, payee):
    statement = parse(fixture(name))
    assert statement.encoding == encoding
    assert statement.rows[0].payee == payee


def test_a_bom_decides_the_encoding():
    text = "Date,Payee,Amount\n2024-01-01,Zürich,-1.00\n"
    assert decode(text.encode("utf-16")).text == text
    assert parse(b"\xef\xbb\xbf" + text.encode("utf-8")).rows[0].payee == "Zürich"


def test_an_explicit_encoding_that_does_not_fit_is_a_clear_error():
    mapping = detect(fixture("csv/actual-windows-1252.csv")).mapping
    assert mapping is not None
    with pytest.raises(ParseError) as caught:
        parse(fixture("csv/actual-windows-1252.csv"), mapping=mapping.with_overrides(encoding="utf-8"))
    assert caught.value.code == "invalid_encoding"


# --- limits ------------------------------------------------------------------------


def test_files_above_the_size_limit_are_refused(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    with pytest.raises(FileTooLarge):
        parse(b"Date,Amount\n" + b"2024-01-01,1.00\n" * 20)
    with pytest.raises(FileTooLarge):
        parse(io.BytesIO(b"x" * 101))


def test_files_with_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 5)
    with pytest.raises(FileTooLarge):
        parse(b"Date,Amount\n" + b"2024-01-01,1.00\n" * 6)
    with pytest.raises(FileTooLarge):
        parse_all(fixture("ofx/asgrim-ofxparser-ofxdata-cmfr.ofx"))


def test_binary_content_is_not_taken_for_csv():
    with pytest.raises(ParseError) as caught:
        parse(b"Date,Amount\n2024-01-01,1.00\x00\x00\n")
    assert caught.value.line == 2


def test_an_empty_file_is_refused():
    with pytest.raises(ParseError) as caught:
        parse(b"  \n")
    assert caught.value.code == "empty_file"


def test_an_oversized_csv_field_is_a_parse_error_with_its_line():
    content = b'Date,Description,Amount\n2024-01-01,ok,1.00\n2024-01-02,"' + b"x" * 200_000 + b'",2.00\n'
    with pytest.raises(ParseError) as caught:
        parse(content, format="csv")
    assert "field larger than field limit" in str(caught.value)
    assert caught.value.line == 3


@pytest.mark.parametrize(
    ("content", "hint"),
    [(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xlsx or CSV"), (b"%PDF-1.7\n...", "PDF")],
)
def test_old_excel_and_pdf_files_are_refused_with_advice(content, hint):
    with pytest.raises(UnsupportedFormat) as caught:
        parse(content)
    assert hint in str(caught.value)


def test_a_balance_line_in_a_csv_becomes_the_opening_balance():
    statement = parse(fixture("csv/reckon-extratofake.csv"))
    assert statement.opening_balance is not None
    assert (statement.opening_balance.amount, statement.opening_balance.date) == (
        Decimal("100.00"),
        dt.date(2012, 10, 31),
    )
    assert all(row.description != "Saldo Anterior" for row in statement.rows)
    assert any("Saldo Anterior".lower() in warning for warning in statement.warnings)


def test_an_empty_unclosed_sgml_leaf_does_not_swallow_the_next_elements():
    content = (
        b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
        b"<CURDEF>EUR<BANKACCTFROM><BANKID>1<ACCTID>42<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>"
        b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240105<TRNAMT>-4,20<NAME><MEMO><FITID>A1</STMTTRN>"
        b"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    )
    (row,) = parse(content).rows
    assert (row.amount, row.provider_id, row.payee, row.description) == (Decimal("-4.20"), "A1", None, None)


def test_an_account_choice_is_checked_only_when_the_file_names_its_account():
    assert len(parse(fixture("csv/reckon-chase.csv"), account="DE02120300000000202051").rows) == 9
    with pytest.raises(ParseError) as caught:
        parse(fixture("ofx/ofxparse-checking.ofx"), account="DE02120300000000202051")
    assert caught.value.code == "unknown_account"
    assert parse(fixture("mt940/wolph-mt940-jejik-rabobank-iban.sta"), account="nl71 rabo 0123 4567 89").rows
