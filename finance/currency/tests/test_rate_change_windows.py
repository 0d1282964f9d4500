"""Which days a change to the rates converts differently (``rate_change_windows``), and the ledger's count of
the transactions on them (``rate_change_reconversion``), checked against what saving really converts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance.currency import services
from finance.currency.selectors import RateValues, Window, rate_change_windows
from finance.ledger.models import Transaction
from finance.ledger.selectors import rate_change_reconversion
from finance.ledger.tests.factories import make_account, make_txn

pytestmark = pytest.mark.django_db

MAR, APR, MAY = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)


def rate(household, base, quote, value, on):
    return services.rate_create(household=household, actor=None, base=base, quote=quote, rate=Decimal(value), date=on)


def test_a_new_rate_changes_its_days_until_the_next_rate(household):
    rate(household, "EUR", "USD", "1.1", MAR)
    rate(household, "EUR", "USD", "1.2", MAY)
    windows = rate_change_windows(
        household_id=household.id, target="USD", add=RateValues("EUR", "USD", Decimal("1.15"), APR)
    )
    assert windows == [Window("EUR", APR, MAY)]


def test_the_same_value_on_a_later_day_changes_nothing(household):
    rate(household, "EUR", "USD", "1.1", MAR)
    assert (
        rate_change_windows(household_id=household.id, target="USD", add=RateValues("EUR", "USD", Decimal("1.1"), APR))
        == []
    )


def test_a_pair_without_the_base_currency_converts_nothing(household):
    assert (
        rate_change_windows(household_id=household.id, target="USD", add=RateValues("EUR", "GBP", Decimal("0.9"), APR))
        == []
    )


def test_deleting_the_first_rate_leaves_its_days_unconverted(household):
    first = rate(household, "EUR", "USD", "1.1", MAR)
    rate(household, "EUR", "USD", "1.2", MAY)
    assert rate_change_windows(household_id=household.id, target="USD", remove=first) == [Window("EUR", MAR, MAY)]


def test_a_new_inverse_rate_loses_to_a_direct_one_on_the_same_day(household):
    rate(household, "EUR", "USD", "1.1", MAR)
    assert (
        rate_change_windows(household_id=household.id, target="USD", add=RateValues("USD", "EUR", Decimal("0.5"), MAR))
        == []
    )


def test_the_count_is_what_saving_converts_again(household):
    euro = make_account(household, "Travel", currency="EUR")
    first = rate(household, "EUR", "USD", "1.1", MAR)
    rate(household, "EUR", "USD", "1.2", MAY)
    for day in (date(2026, 2, 27), date(2026, 3, 3), date(2026, 4, 30), date(2026, 5, 2)):
        make_txn(household, euro, "expense", "10.00", day)
    before = dict(Transaction.objects.values_list("id", "amount_in_base_currency"))
    effect = rate_change_reconversion(
        household=household, remove=first, add=RateValues("EUR", "USD", Decimal("1.3"), date(2026, 2, 1))
    )
    assert (effect.count, effect.first, effect.last) == (3, date(2026, 2, 27), date(2026, 4, 30))
    assert [(a.name, a.count) for a in effect.accounts] == [("Travel", 3)]
    services.rate_update(rate_obj=first, actor=None, rate=Decimal("1.3"), date=date(2026, 2, 1))
    after = dict(Transaction.objects.values_list("id", "amount_in_base_currency"))
    assert sum(before[k] != after[k] for k in before) == effect.count
