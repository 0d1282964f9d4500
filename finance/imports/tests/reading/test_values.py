import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance.imports.reading.errors import MappingError
from finance.imports.reading.values import (
    InvalidValue,
    amount_parser,
    date_parser,
    infer_date_format,
    infer_decimal_separator,
    parse_ofx_date,
    validate_date_format,
)


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("-$76.00", ".", "-76.00"),
        ("+$327.49", ".", "327.49"),
        ("($85.00)", ".", "-85.00"),
        ("$.23", ".", "0.23"),
        ("- $21.59", ".", "-21.59"),
        ("£1,750.06", ".", "1750.06"),
        ("1.234,56", ",", "1234.56"),
        ("11'373.94", ".", "11373.94"),
        ("-98,76", ",", "-98.76"),
        ("+120,00", ",", "120.00"),
        ("12.50-", ".", "-12.50"),
        ("EUR 5,00", ",", "5.00"),
        ("100.25 CHF", ".", "100.25"),
        ("12.00 DR", ".", "-12.00"),
        ("12.00 CR", ".", "12.00"),
        ("1\u00a0234,56", ",", "1234.56"),
        ("\u22125.10", ".", "-5.10"),
        ("0.00001", ".", "0.00001"),
    ],
)
def test_amounts_in_bank_notations_parse_to_signed_decimals(text, separator, expected):
    value = amount_parser(separator)(text)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "12.34.56,7", "22.01.2014", "Dankort-nota DSB 15149", "1,2,3"])
def test_text_that_is_not_an_amount_is_refused(text):
    with pytest.raises(InvalidValue):
        amount_parser(".")(text)


def test_grouping_in_the_wrong_place_is_refused():
    with pytest.raises(InvalidValue):
        amount_parser(",")("1,234.56")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1,000.00", "25.10"], "."),
        (["1.000,00", "25,10"], ","),
        (["-98,76"], ","),
        (["1,000", "2,000"], None),
        (["1.000.000"], ","),
        (["12"], None),
    ],
)
def test_the_decimal_separator_is_decided_by_the_whole_column(values, expected):
    assert infer_decimal_separator(values) == expected


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_grouped_amounts_round_trip_exactly(value):
    us = f"{value:,.2f}"
    european = us.replace(",", "_").replace(".", ",").replace("_", ".")
    assert amount_parser(".")(us) == value
    assert amount_parser(",")(european) == value
    assert amount_parser(None)(us) == value


@pytest.mark.parametrize(
    ("values", "pattern", "ambiguous"),
    [
        (["24/12/2009", "01/02/2010"], "%d/%m/%Y", False),
        (["4/1/2008", "3/28/2008"], "%m/%d/%Y", False),
        (["02/12/2009"], "%m/%d/%Y", True),
        (["16-11-2012", "26-10-2012"], "%d-%m-%Y", False),
        (["24.12.2009"], "%d.%m.%Y", False),
        (["2/8/15", "2/24/15"], "%m/%d/%y", False),
        (["2012/3/22"], "%Y/%m/%d", False),
        (["2025.12.04"], "%Y.%m.%d", False),
        (["20121231"], "%Y%m%d", False),
        (["20091224120000[0:GMT]"], "%Y%m%d", False),
        (["10-Nov-9", "28-Oct-10"], "%d-%b-%y", False),
        (["07 Nov 2013"], "%d %b %Y", False),
        (["2002-09-10T23:00:04", "2021-02-03 13:12"], "%Y-%m-%d", False),
    ],
)
def test_date_formats_are_inferred_from_a_column(values, pattern, ambiguous):
    guess = infer_date_format(values)
    assert guess is not None
    assert guess.pattern == pattern
    assert guess.ambiguous is ambiguous


def test_an_ambiguous_column_follows_the_day_first_hint():
    day_first = infer_date_format(["05/03/2021"], prefer_day_first=True)
    month_first = infer_date_format(["05/03/2021"], prefer_day_first=False)
    assert day_first is not None
    assert month_first is not None
    assert (day_first.pattern, month_first.pattern) == ("%d/%m/%Y", "%m/%d/%Y")


def test_a_column_of_words_has_no_date_format():
    assert infer_date_format(["entry1", "entry4"]) is None


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("%d/%m/%Y", "24/12/2009", dt.date(2009, 12, 24)),
        ("%m/%d/%y", "2/8/15", dt.date(2015, 2, 8)),
        ("%d-%b-%y", "10-Nov-9", dt.date(2009, 11, 10)),
        ("%d %b %Y", "07 Nov 2013", dt.date(2013, 11, 7)),
        ("%d %b %Y", "3 Déc 2020", dt.date(2020, 12, 3)),
        ("%Y%m%d", "20091224120000[0:GMT]", dt.date(2009, 12, 24)),
        ("%Y-%m-%d", "2002-09-10T23:00:04", dt.date(2002, 9, 10)),
        ("%m/%d/%y", "12/31/69", dt.date(1969, 12, 31)),
        ("%m/%d/%y", "12/31/68", dt.date(2068, 12, 31)),
    ],
)
def test_dates_parse_with_their_format(pattern, text, expected):
    assert date_parser(pattern)(text) == expected


@pytest.mark.parametrize("text", ["31/02/2020", "13/13/2013", "pending", "2020-01-01"])
def test_invalid_dates_are_refused(text):
    with pytest.raises(InvalidValue):
        date_parser("%d/%m/%Y")(text)


@pytest.mark.parametrize("pattern", ["%d/%m", "%Y-%m-%d %H", "%d/%d/%Y", "date"])
def test_a_date_format_needs_day_month_and_year(pattern):
    with pytest.raises(MappingError) as caught:
        validate_date_format(pattern)
    assert caught.value.errors[0]["field"] == "date_format"


def test_ofx_dates_keep_the_bank_s_calendar_day_whatever_the_time_zone():
    assert parse_ofx_date("20071015021529.000[-8:PST]") == dt.date(2007, 10, 15)
    assert parse_ofx_date("20230509235900[+12:NZST]") == dt.date(2023, 5, 9)
    with pytest.raises(InvalidValue):
        parse_ofx_date("201120000000")
