"""``finance.core.rows.row``: the instance the ORM would build, from one precompiled SELECT."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.core import rows
from finance.ledger.models import Account, Category
from finance.ledger.tests.factories import category, make_account
from finance.users.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def field_values(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_row_read_by_key_equals_the_orm_instance_field_for_field(household):
    account = make_account(household, "Savings", opening_balance=Decimal("1234.56"), type="savings")
    read = rows.row(Account, id=account.id, household_id=household.id)
    stored = Account.objects.get(pk=account.id)
    assert read is not None
    assert field_values(read) == field_values(stored)
    # Same Python types too (UUID, Decimal, bool, aware datetime): SQLite stores them as text and integers.
    assert {k: type(v) for k, v in field_values(read).items()} == {k: type(v) for k, v in field_values(stored).items()}
    assert read.balance == Decimal("1234.56")
    assert read.is_active is True
    assert read._state.adding is False
    assert read._state.db == "default"


def test_a_row_of_another_household_or_no_row_is_none(household):
    groceries = category(household, "Groceries")
    other = HouseholdFactory()
    assert rows.row(Category, id=groceries.id, household_id=household.id) == groceries
    assert rows.row(Category, id=groceries.id, household_id=other.id) is None
    assert rows.row(Category, id=uuid.uuid4(), household_id=household.id) is None


def test_a_row_read_is_one_statement(household):
    account = make_account(household)
    with CaptureQueriesContext(connection) as queries:
        rows.row(Account, id=account.id, household_id=household.id)
    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].startswith("SELECT")


def test_an_insert_writes_what_save_would_and_marks_the_instance_saved(household):
    from finance.ledger.models import Transaction

    account = make_account(household)
    txn = Transaction(
        household=household,
        account=account,
        type="expense",
        amount=Decimal("12.34"),
        currency="USD",
        date=date(2026, 3, 5),
        payee="Corner shop",
    )
    with CaptureQueriesContext(connection) as queries:
        rows.insert(txn)
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert txn._state.adding is False
    assert txn.created_at is not None  # auto_now_add ran
    assert txn.updated_at is not None
    assert field_values(Transaction.objects.get(pk=txn.pk)) == field_values(txn)


def test_an_insert_of_a_model_with_receivers_sends_its_signals(household):
    from django.db.models.signals import post_save

    account = make_account(household)
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(receiver, sender=Category)
    try:
        new = Category(household=household, name="Bench test pets", type="expense")
        rows.insert(new)
    finally:
        post_save.disconnect(receiver, sender=Category)
    assert seen == [(new.pk, True)]
    assert Category.objects.filter(pk=new.pk, name="Bench test pets").exists()
    assert account.pk is not None
