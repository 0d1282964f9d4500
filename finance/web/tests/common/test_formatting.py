"""Presentation helpers: money, numbers and dates per locale; amounts typed per locale; cursors."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from babel.numbers import NumberFormatError

from finance.web.common import formatting
from finance.web.common.locale import babel_locale, supported_language
from finance.web.common.paging import Cursor

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "$1,234.50"), ("en_GB", "US$1,234.50"), ("de_DE", f"1.234,50{NBSP}$"), ("es", f"1.234,50{NBSP}US$")],
)
def test_money_follows_the_locale_and_rounds_only_for_display(locale, expected):
    assert formatting.money(Decimal("1234.5000000000"), "USD", locale) == expected


def test_money_uses_the_currencys_minor_unit():
    assert formatting.money(Decimal("1234.5"), "JPY", "en") == "¥1,234"  # half-even, no decimals
    assert formatting.money(Decimal("1.2345"), "BHD", "en") == "BHD1.234"


def test_signed_amounts_use_a_real_minus_sign():
    assert formatting.signed_money(Decimal("12"), "EUR", "de", -1) == f"−12,00{NBSP}€"
    assert formatting.signed_money(Decimal("12"), "EUR", "en", 1) == "+€12.00"
    assert formatting.signed_money(Decimal("12"), "EUR", "en", 0) == "€12.00"


def test_dates_and_months_per_locale():
    day = date(2026, 3, 14)
    assert formatting.day(day, "en") == "Mar 14, 2026"
    assert formatting.day(day, "de") == "14.03.2026"
    assert formatting.month(day, "es") == "mar 2026"


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [("1,234.56", "en", "1234.56"), ("1.234,56", "de", "1234.56"), ("12,5", "es", "12.5"), ("12.5", "en", "12.5")],
)
def test_amounts_are_read_as_typed_in_the_locale(text, locale, expected):
    assert formatting.parse_amount(text, locale) == Decimal(expected)


def test_ambiguous_amounts_are_refused_not_guessed():
    with pytest.raises(NumberFormatError):
        formatting.parse_amount("12.50", "de")  # "." groups thousands in German: 1250 or 12,50?
    with pytest.raises(NumberFormatError):
        formatting.parse_amount("abc", "en")


def test_amount_inputs_show_the_currencys_places_without_grouping():
    assert formatting.amount_input(Decimal("1234.5000000000"), "EUR", "de") == "1234,50"
    assert formatting.amount_input(Decimal("1234.5"), "USD", "en") == "1234.50"
    assert formatting.amount_input(None, "USD", "en") == ""


def test_user_locales_map_to_interface_languages():
    assert supported_language("de_AT") == "de"
    assert supported_language("es-MX") == "es"
    assert supported_language("pt_BR") is None
    assert babel_locale("en-GB") == "en_GB"
    assert babel_locale("not a locale") == "en"


def test_cursors_round_trip_and_malformed_ones_are_ignored():
    cursor = Cursor(date(2026, 3, 1), datetime(2026, 3, 1, 12, 30, tzinfo=UTC), uuid.uuid4())
    assert Cursor.decode(cursor.encode()) == cursor
    naive = Cursor(date(2026, 3, 1), datetime(2026, 3, 1), uuid.uuid4()).encode()  # noqa: DTZ001 - refused on purpose
    for token in ("", "%%%", "bm90IGEgY3Vyc29y", naive):
        assert Cursor.decode(token) is None


def test_account_choices_name_the_currency_once():
    from finance.ledger.models import Account
    from finance.web.common.forms import AccountChoiceField

    field = AccountChoiceField(queryset=Account.objects.none())
    labels = [
        field.label_from_instance(Account(name=name, currency=currency))
        for name, currency in [
            ("Everyday checking", "USD"),
            ("Travel account (EUR)", "EUR"),
            ("Cash EUR", "EUR"),
            ("Paypal EUR", "USD"),
            ("Savings Euro", "EUR"),
        ]
    ]
    assert labels == [
        "Everyday checking (USD)",
        "Travel account (EUR)",
        "Cash EUR",
        "Paypal EUR (USD)",
        "Savings Euro (EUR)",
    ]
