"""The transaction serializer's direct output is exactly what DRF's generic field-by-field path gives."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

from finance.currency.services import rate_create
from finance.ledger import selectors
from finance.ledger.api.serializers import TransactionOutputSerializer, transaction_representation
from finance.ledger.inputs import SplitInput
from finance.ledger.models import Transaction
from finance.ledger.tests.factories import category, make_account, make_txn

pytestmark = pytest.mark.django_db


def rendered(value: object) -> object:
    return json.loads(json.dumps(value, cls=JSONEncoder))


def test_direct_output_matches_the_generic_path_for_every_shape(household):
    checking = make_account(household, "Checking", "USD")
    travel = make_account(household, "Travel", "EUR")
    jpy = make_account(household, "Yen", "JPY")
    rate_create(household=household, actor=None, base="EUR", quote="USD", rate=Decimal("1.0842"), date=date(2026, 1, 1))
    groceries, dining = category(household, "Groceries"), category(household, "Dining out")
    make_txn(
        household, checking, amount="12.30", on=date(2026, 3, 2), category=groceries, payee="Shop", tags=["b", "a"]
    )
    make_txn(
        household,
        checking,
        amount="100.00",
        on=date(2026, 3, 3),
        splits=[
            SplitInput(groceries, Decimal("60.00"), "food"),
            SplitInput(dining, Decimal("40.00")),
        ],
        notes="split",
        is_pending=True,
        posted_date=date(2026, 3, 5),
    )
    make_txn(household, travel, amount="50.00", on=date(2026, 3, 4), category=dining, is_excluded=True)
    make_txn(household, jpy, amount="1200", on=date(2026, 3, 4), category=dining)  # no JPY rate: unconverted
    make_txn(
        household,
        checking,
        type="transfer",
        amount="108.42",
        on=date(2026, 3, 6),
        transfer_account=travel,
        transfer_amount=Decimal("100.00"),
    )
    make_txn(household, checking, type="income", amount="2500.00", on=date(2026, 3, 1), reference_number="PAY-1")

    rows = list(selectors.with_details(Transaction.objects.filter(household=household)))
    assert len(rows) == 6
    shapes = {(r.type, bool(r.tags.all()), bool(r.splits.all()), r.amount_in_base_currency is None) for r in rows}
    assert len(shapes) >= 5  # the shapes really differ
    serializer = TransactionOutputSerializer()
    # A page as the list reads it: plain rows, their splits and tags in two queries.
    page = selectors.transaction_rows(Transaction.objects.filter(household=household))
    paged = {row["id"]: row for row in selectors.attach_details(list(page))}
    for row in rows:
        direct = serializer.to_representation(row)
        generic = serializers.ModelSerializer.to_representation(TransactionOutputSerializer(), row)
        assert list(direct) == list(generic)
        assert rendered(direct) == rendered(generic), row.payee
        assert rendered(transaction_representation(paged[row.pk])) == rendered(generic), row.payee


def test_type_mismatch_messages_read_as_english(client_for, household):
    account = make_account(household)
    groceries = category(household, "Groceries")
    salary = category(household, "Salary")
    whole = client_for.post(
        "/api/v1/transactions/",
        {"account": str(account.pk), "type": "income", "amount": "5", "category": str(groceries.pk)},
        format="json",
    )
    assert whole.status_code == 400
    assert whole.json()["errors"] == [
        {"code": "type_mismatch", "detail": "An income needs an income category.", "attr": "category"}
    ]
    split = client_for.post(
        "/api/v1/transactions/",
        {
            "account": str(account.pk),
            "type": "expense",
            "amount": "5",
            "splits": [{"category": str(salary.pk), "amount": "5"}],
        },
        format="json",
    )
    assert split.status_code == 400
    assert split.json()["errors"] == [
        {"code": "type_mismatch", "detail": "An expense needs expense categories.", "attr": "splits.0.category"}
    ]
    assert not Transaction.objects.filter(household=household).exists()


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_times_read_as_drf_writes_them_in_the_current_time_zone(household, settings, zone):
    settings.TIME_ZONE = zone
    make_txn(household, make_account(household, "Checking", "USD"), amount="1.00", on=date(2026, 3, 2))
    row = selectors.with_details(Transaction.objects.filter(household=household)).get()
    generic = serializers.ModelSerializer.to_representation(TransactionOutputSerializer(), row)
    direct = TransactionOutputSerializer().to_representation(row)
    assert (direct["created_at"], direct["updated_at"]) == (generic["created_at"], generic["updated_at"])
    assert direct["created_at"].endswith("Z") == (zone == "UTC")
