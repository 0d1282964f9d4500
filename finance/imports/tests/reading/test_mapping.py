import datetime as dt
import json
from decimal import Decimal

import pytest

from finance.imports.reading.detection import detect
from finance.imports.reading.errors import MappingError, ParseError
from finance.imports.reading.mapping import ColumnMapping, SignConvention
from finance.imports.reading.parsers import parse
from finance.imports.tests.conftest import FIXTURES

CSV = FIXTURES / "csv"


def data(name: str) -> bytes:
    return (CSV / name).read_bytes()


def mapping_of(content: bytes) -> ColumnMapping:
    mapping = detect(content).mapping
    assert mapping is not None
    return mapping


def header_of(content: bytes) -> list[str]:
    header = detect(content).header
    assert header is not None
    return header


def test_detection_reads_a_semicolon_file_with_comma_decimals_and_a_latin1_header():
    detection = detect(data("csv2ofx-gls.csv"))
    mapping = mapping_of(data("csv2ofx-gls.csv"))
    assert detection.encoding == "cp1252"
    assert header_of(data("csv2ofx-gls.csv"))[3] == "Auftraggeber/Empfänger"
    assert mapping.delimiter == ";"
    assert mapping.decimal_separator == ","
    assert mapping.date_column == "Buchungstag"
    assert mapping.date_format == "%d.%m.%Y"
    assert mapping.posted_date_column == "Wertstellung"
    assert mapping.amount_column == "Betrag"
    assert mapping.balance_column == "Kontostand"
    assert mapping.currency_column == "Währung"
    assert mapping.payee_column == "Auftraggeber/Empfänger"
    assert mapping.description_columns == tuple(f"VWZ{i}" for i in range(1, 15))
    assert detection.confidence["amount_column"] >= 0.9


def test_detection_skips_preamble_lines_before_the_header():
    detection = detect(data("reckon-invalid_header_example.csv"))
    mapping = mapping_of(data("reckon-invalid_header_example.csv"))
    assert mapping.skip_rows == 3
    assert header_of(data("reckon-invalid_header_example.csv"))[0] == "Date de l'opération"
    assert mapping.amount_column == "Montant de l'opération"
    assert mapping.currency_column == "Devise"
    assert "skip_rows" in detection.reasons


def test_detection_of_a_headerless_file_uses_positions():
    detection = detect(data("reckon-danish_kroner_nordea_example.csv"))
    mapping = mapping_of(data("reckon-danish_kroner_nordea_example.csv"))
    assert detection.header is None
    assert mapping.has_header is False
    assert (mapping.date_column, mapping.date_format, mapping.amount_column) == (0, "%d-%m-%Y", 3)
    assert mapping.description_columns == (1,)
    assert detection.preview[0][1] == "Dankort-nota DSB Kobenhavn  15149"


@pytest.mark.parametrize(
    ("name", "convention", "columns"),
    [
        ("csv2ofx-capitalone.csv", SignConvention.DEBIT_CREDIT, ("Debit", "Credit")),
        ("csv2ofx-schwab-checking.csv", SignConvention.DEBIT_CREDIT, ("Withdrawal", "Deposit")),
        ("csv2ofx-payoneer.csv", SignConvention.DEBIT_CREDIT, ("Debit Amount", "Credit Amount")),
        ("csv2ofx-ubs-ch-fr_trimmed.csv", SignConvention.DEBIT_CREDIT, ("Débit", "Crédit")),
        ("reckon-nationwide.csv", SignConvention.DEBIT_CREDIT, (3, 4)),
        ("reckon-suntrust.csv", SignConvention.DEBIT_CREDIT, (3, 4)),
        ("reckon-english_date_example.csv", SignConvention.DEBIT_CREDIT, (3, 4)),
        ("csv2ofx-mint.csv", SignConvention.DIRECTION, ("Transaction Type",)),
        ("reckon-ing.csv", SignConvention.DIRECTION, (5,)),
        ("reckon-inversed_credit_card.csv", SignConvention.INVERTED, ()),
        ("reckon-chase.csv", SignConvention.SIGNED, ()),
        ("reckon-some_other.csv", SignConvention.SIGNED, ()),
    ],
)
def test_detection_proposes_the_sign_convention(name, convention, columns):
    mapping = mapping_of(data(name))
    assert mapping.sign_convention is convention
    if convention is SignConvention.DEBIT_CREDIT:
        assert (mapping.debit_column, mapping.credit_column) == columns
    if convention is SignConvention.DIRECTION:
        assert (mapping.direction_column,) == columns


def test_card_exports_with_only_positive_amounts_get_a_warning_and_low_confidence():
    detection = detect(data("csv2ofx-pcmastercard.csv"))
    assert mapping_of(data("csv2ofx-pcmastercard.csv")).sign_convention is SignConvention.SIGNED
    assert detection.confidence["sign_convention"] < 0.5
    assert any("inverted" in warning for warning in detection.warnings)


def test_an_inverted_mapping_turns_card_charges_into_money_out():
    mapping = mapping_of(data("csv2ofx-pcmastercard.csv")).with_overrides(sign_convention="inverted")
    statement = parse(data("csv2ofx-pcmastercard.csv"), mapping=mapping)
    assert [(row.payee, row.amount) for row in statement.rows] == [
        ("Mobil", Decimal("-36.33")),
        ("APL*ITUNES.COM/BILL", Decimal("-13.98")),
    ]


def test_ambiguous_day_month_order_is_flagged_and_can_be_overridden():
    detection = detect(data("reckon-spanish_date_example.csv"))
    assert detection.confidence["date_format"] == 0.5
    assert any("ambiguous" in warning for warning in detection.warnings)
    mapping = mapping_of(data("reckon-spanish_date_example.csv")).with_overrides(date_format="%d/%m/%Y")
    statement = parse(data("reckon-spanish_date_example.csv"), mapping=mapping)
    assert {row.date for row in statement.rows} == {dt.date(2009, 12, 2)}


def test_a_headerless_debit_column_can_be_mapped_by_position():
    mapping = ColumnMapping(
        date_column=0,
        date_format="%m/%d/%Y",
        debit_column=2,
        credit_column=3,
        sign_convention=SignConvention.DEBIT_CREDIT,
        description_columns=(1,),
        balance_column=4,
        has_header=False,
    )
    statement = parse(data("reckon-51-sample.csv"), mapping=mapping)
    assert len(statement.rows) == 8
    assert statement.rows[0].amount == Decimal("-8.19")
    assert statement.rows[0].description == "05354 SUBWAY"
    assert statement.rows[0].balance == Decimal("1000.00")
    assert sum(row.amount for row in statement.rows) == Decimal("-79.25")


def test_bad_rows_are_reported_with_row_column_and_reason_and_the_rest_parses():
    statement = parse(data("csv2ofx-amazon.csv"))
    assert [row.reference for row in statement.rows] == [
        "112-1635210-7125801",
        "111-3273904-8117030",
        "114-5269613-6941034",
    ]
    errors = [(e.row_number, e.code, e.column) for e in statement.errors]
    assert errors == [(5, "missing_amount", "total"), (6, "missing_amount", "total"), (7, "missing_amount", "total")]


def test_an_invalid_date_is_a_row_error_with_the_value():
    content = b"Date,Description,Amount\n2024-01-05,Coffee,-3.50\nsoon,Tea,-2.00\n2024-01-07,Salary,100.00\n"
    statement = parse(content)
    assert [row.description for row in statement.rows] == ["Coffee", "Salary"]
    (error,) = statement.errors
    assert (error.row_number, error.column, error.value, error.code) == (3, "Date", "soon", "invalid_date")
    assert "soon" in error.reason


def test_an_unknown_direction_marker_is_a_row_error():
    content = b"Date,Amount,D/C\n2024-01-05,3.50,D\n2024-01-06,2.00,sideways\n2024-01-07,1.00,C\n"
    mapping = ColumnMapping(
        date_column="Date",
        date_format="%Y-%m-%d",
        amount_column="Amount",
        direction_column="D/C",
        sign_convention=SignConvention.DIRECTION,
    )
    statement = parse(content, mapping=mapping)
    assert [row.amount for row in statement.rows] == [Decimal("-3.50"), Decimal("1.00")]
    assert statement.errors[0].code == "invalid_direction"
    assert statement.errors[0].value == "sideways"


def test_a_repeated_header_row_is_skipped_not_reported():
    statement = parse(data("csv2ofx-mint_extra.csv"))
    assert len(statement.rows) == 4
    assert statement.errors == []


def test_quoted_fields_may_span_lines_and_row_numbers_are_source_lines():
    content = b'Date,Description,Amount\n2024-01-05,"two\nlines",-1.00\n2024-01-06,one,2.00\n'
    statement = parse(content)
    assert [(row.row_number, row.description) for row in statement.rows] == [(2, "two lines"), (4, "one")]
    assert statement.rows[0].raw == {"Date": "2024-01-05", "Description": "two\nlines", "Amount": "-1.00"}


def test_status_column_says_whether_a_row_is_pending():
    content = b"Date,Description,Amount,Status\n2024-01-05,A,-1.00,Pending\n2024-01-06,B,-2.00,Posted\n"
    statement = parse(content)
    assert [row.is_pending for row in statement.rows] == [True, False]


def test_the_mapping_round_trips_through_json():
    mapping = mapping_of(data("csv2ofx-ubs-ch-fr_trimmed.csv"))
    restored = ColumnMapping.from_dict(json.loads(json.dumps(mapping.to_dict())))
    assert restored == mapping
    assert parse(data("csv2ofx-ubs-ch-fr_trimmed.csv"), mapping=restored).rows[1].amount == Decimal("240.00")


def test_invalid_overrides_name_each_bad_field():
    with pytest.raises(MappingError) as caught:
        ColumnMapping.from_dict(
            {
                "date_column": "Date",
                "date_format": "%d/%m",
                "amount_column": 2,
                "sign_convention": "sideways",
                "decimal_separator": ";",
                "currency": "EURO",
                "colour": "red",
            }
        )
    fields = {error["field"] for error in caught.value.errors}
    assert fields == {"date_format", "sign_convention", "decimal_separator", "currency", "colour"}
    assert all(error["detail"] for error in caught.value.errors)
    assert "date_format" in caught.value.field_errors


def test_a_convention_without_its_columns_is_refused():
    with pytest.raises(MappingError) as caught:
        ColumnMapping(date_column=0, date_format="%Y-%m-%d", sign_convention=SignConvention.DEBIT_CREDIT)
    assert caught.value.errors[0]["field"] == "debit_column"
    with pytest.raises(MappingError) as caught:
        ColumnMapping.from_dict({"date_column": 0, "date_format": "%Y-%m-%d"})
    assert caught.value.errors[0]["field"] == "amount_column"


def test_a_column_the_file_does_not_have_is_a_field_error():
    mapping = ColumnMapping(date_column="Date", date_format="%Y-%m-%d", amount_column="Betrag")
    with pytest.raises(MappingError) as caught:
        parse(b"Date,Amount\n2024-01-01,1.00\n", mapping=mapping)
    assert caught.value.errors == [{"field": "amount_column", "detail": "The header has no column 'Betrag'."}]


def test_a_file_without_dates_cannot_be_mapped():
    detection = detect(data("reckon-simple.csv"))
    assert detection.mapping is None
    assert "No column holds dates." in detection.problems
    with pytest.raises(ParseError) as caught:
        parse(data("reckon-simple.csv"))
    assert caught.value.code == "no_mapping"


def test_detection_serializes_for_the_api():
    payload = detect(data("csv2ofx-n26-fr.csv")).to_dict()
    assert payload["mapping"]["currency"] == "EUR"
    assert payload["mapping"]["amount_column"] == "Amount (EUR)"
    assert payload["header"][0] == "Booking Date"
    json.dumps(payload)
