"""``rows_after``: exactly the rows after a position, in a form PostgreSQL's index can start at."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from finance.core.keyset import rows_after
from finance.ledger.models import Transaction
from finance.ledger.tests.factories import make_account

pytestmark = pytest.mark.django_db

ORDERINGS = [("-date", "-created_at", "-id"), ("date", "created_at", "id"), ("amount", "-created_at", "-id")]


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_the_rows_after_each_row_are_the_rest_of_the_list(household, ordering):
    account = make_account(household, "A", currency="USD")
    Transaction.objects.bulk_create(
        Transaction(
            household=household,
            account=account,
            type="expense",
            amount=i % 3 + 1,
            currency="USD",
            date=date(2026, 3, i % 2 + 1),
        )
        for i in range(14)
    )
    # Ties all the way down to the id.
    Transaction.objects.filter(household=household, amount=1).update(created_at=datetime(2026, 3, 1, tzinfo=UTC))
    rows = Transaction.objects.filter(household=household).order_by(*ordering)
    names = [name.lstrip("-") for name in ordering]
    listed = list(rows.values_list("id", flat=True))
    for i, position in enumerate(rows.values_list(*names)):
        assert list(rows.filter(rows_after(ordering, position)).values_list("id", flat=True)) == listed[i + 1 :]


@pytest.mark.postgres
def test_postgresql_gets_a_row_comparison_its_index_starts_at(household):
    position = (date(2026, 3, 1), datetime(2026, 3, 1, tzinfo=UTC), household.pk)
    sql = str(Transaction.objects.filter(rows_after(("-date", "-created_at", "-id"), position)).query)
    table = '"ledger_transaction"'
    assert f'WHERE ({table}."date", {table}."created_at", {table}."id") < (' in sql
    assert connection.vendor == "postgresql"
