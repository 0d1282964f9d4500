"""The demo generator makes realistic, internally consistent activity."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance.analytics import selectors
from finance.demo.ledger import generate, per_month_for
from finance.ledger.models import Account, Split, Transaction
from finance.ledger.verify import verify

pytestmark = pytest.mark.django_db


def test_one_year_of_demo_activity_is_consistent_and_plausible(household):
    made = generate(household, years=1, end=date(2026, 6, 30), per_month=30)
    assert made == Transaction.objects.filter(household=household).count()
    assert 12 * 40 < made < 12 * 60
    assert verify(household.id) == []
    accounts = {a.name: a for a in Account.objects.filter(household=household)}
    assert accounts["Rainy-day savings"].balance > Decimal("8000")  # it grows every month
    assert accounts["Rewards credit card"].balance > Decimal("-5000")  # paid off monthly
    assert {a.currency for a in accounts.values()} == {"USD", "EUR"}
    assert Split.objects.filter(household=household).exists()
    assert Transaction.objects.filter(household=household, type="transfer").count() >= 36
    # Income covers spending over the year: a household that saves.
    year = selectors.summary(household, selectors.Period(date(2025, 7, 1), date(2026, 6, 30)))["results"]
    income = sum(Decimal(m["income"]) for m in year)
    expense = sum(Decimal(m["expense"]) for m in year)
    assert income > expense > income / 2


def test_per_month_for_targets_the_requested_size():
    assert per_month_for(100_000, 5) == round(100_000 / 60) - 17
    assert per_month_for(10, 5) == 1


@pytest.mark.postgres
def test_generate_leaves_the_planner_statistics_of_the_loaded_tables(household):
    from django.db import connection

    generate(household, years=1, end=date(2026, 6, 30), per_month=10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'ledger_transaction'")
        assert cursor.fetchone()[0] > 0
