"""``finance.core.rows.row``: the instance the ORM would build, from one precompiled SELECT."""

from __future__ import annotations

import uuid
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
