"""Splits and tags per transaction are capped: one 400 on the field, from the API, the web and the services
alike, refused before each part is checked, and nothing written.

10,000 splits made every member's transaction list take 18 s and the edit page 80 s; 1,000 tags gave a 500
(an ``OR`` of a thousand ``iexact`` lookups that SQLite refuses).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.core.exceptions import FieldError
from finance.ledger import services
from finance.ledger.errors import ErrorCode
from finance.ledger.inputs import SplitInput, TransactionInput
from finance.ledger.models import Split, Tag, Transaction, TransactionTag
from finance.ledger.services import MAX_SPLITS, MAX_TAGS
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.ledger.verify import verify

pytestmark = pytest.mark.django_db
URL = "/api/v1/transactions/"


@pytest.fixture
def account(household):
    return make_account(household, "Everyday", opening_balance=Decimal("100.00"))


def nothing_written(household) -> bool:
    return not Transaction.objects.filter(household=household).exists() and not Split.objects.exists()


def split_body(account, groceries, count: int) -> dict:
    return {
        "account": str(account.pk),
        "type": "expense",
        "amount": str(count),
        "splits": [{"category": str(groceries.pk), "amount": "1"} for _ in range(count)],
    }


def test_the_api_refuses_too_many_splits_on_the_field_before_reading_them(client_for, household, account):
    groceries = category(household, "Groceries")
    with CaptureQueriesContext(connection) as queries:
        response = client_for.post(URL, split_body(account, groceries, 10_000), format="json")
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("splits", "max_length")]
    assert len(queries) < 20  # not one query per split's category
    assert nothing_written(household)


def test_the_api_takes_the_most_splits_allowed(client_for, household, account):
    groceries = category(household, "Groceries")
    response = client_for.post(URL, split_body(account, groceries, MAX_SPLITS), format="json")
    assert response.status_code == 201, response.content
    assert len(response.json()["splits"]) == MAX_SPLITS
    assert verify(household.id) == []


def test_the_service_refuses_too_many_splits_whoever_calls_it(household, account, user):
    groceries = category(household, "Groceries")
    data = TransactionInput(
        account=account,
        type="expense",
        amount=Decimal(MAX_SPLITS + 1),
        splits=[SplitInput(groceries, Decimal(1))] * (MAX_SPLITS + 1),
    )
    with pytest.raises(FieldError) as refused:
        services.transaction_create(household=household, actor=user, data=data)
    assert [(path, issue.code) for path, issue in refused.value.issues()] == [("splits", ErrorCode.TOO_MANY)]
    assert nothing_written(household)


def test_editing_a_transaction_into_too_many_splits_changes_nothing(household, account, user):
    groceries = category(household, "Groceries")
    txn = make_txn(household, account, amount="12.00", category=groceries)
    with pytest.raises(FieldError):
        services.transaction_update(
            txn=txn,
            actor=user,
            changes=TransactionInput(splits=[SplitInput(groceries, Decimal("0.01"))] * 1200),
        )
    txn.refresh_from_db()
    assert txn.category == groceries
    assert not Split.objects.exists()


def test_the_api_refuses_a_thousand_tags_with_a_400_not_a_500(client_for, household, account):
    response = client_for.post(
        URL,
        {"account": str(account.pk), "type": "expense", "amount": "1", "tags": [f"t{i}" for i in range(1000)]},
        format="json",
    )
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("tags", "max_length")]
    assert nothing_written(household)
    assert not Tag.objects.exists()


def test_the_service_counts_tags_as_a_transaction_gets_them(household, account, user):
    same = ["Trip", "trip", " TRIP ", ""] * 40  # one tag
    txn = services.transaction_create(
        household=household,
        actor=user,
        data=TransactionInput(account=account, type="expense", amount=Decimal(1), tags=same),
    )
    assert [t.name for t in txn.tags.all()] == ["Trip"]
    with pytest.raises(FieldError) as refused:
        services.transaction_update(
            txn=txn, actor=user, changes=TransactionInput(tags=[f"tag {i}" for i in range(MAX_TAGS + 1)])
        )
    assert [(path, issue.code) for path, issue in refused.value.issues()] == [("tags", ErrorCode.TOO_MANY)]
    assert [t.name for t in Transaction.objects.get(pk=txn.pk).tags.all()] == ["Trip"]
    assert Tag.objects.count() == 1


def test_tags_by_name_find_a_thousand_names_in_any_case(household):
    created = services.tags_for_names(household=household, names=[f"Tag {i}" for i in range(1000)])
    assert len(created) == 1000
    found = services.tags_for_names(household=household, names=[f"TAG {i}" for i in range(1000)])
    assert [t.pk for t in found] == [t.pk for t in created]
    assert Tag.objects.count() == 1000


def test_bulk_tagging_refuses_what_would_pass_the_cap_and_changes_nothing(household, account, user):
    roomy = make_txn(household, account, amount="1.00")
    full = make_txn(household, account, amount="2.00")
    services.transaction_update(
        txn=full, actor=user, changes=TransactionInput(tags=[f"old {i}" for i in range(MAX_TAGS - 1)])
    )
    with pytest.raises(FieldError) as refused:
        services.transaction_bulk_update(
            household=household, actor=user, ids=[roomy.pk, full.pk], add_tags=["new 1", "new 2"]
        )
    assert [(path, issue.code) for path, issue in refused.value.issues()] == [("tags", ErrorCode.TOO_MANY)]
    assert "1 of the selected transactions" in refused.value.field_errors["tags"][0].message
    assert not TransactionTag.objects.filter(transaction=roomy).exists()
    assert TransactionTag.objects.filter(transaction=full).count() == MAX_TAGS - 1
    assert not Tag.objects.filter(name__startswith="new").exists()
    with pytest.raises(FieldError):
        services.transaction_bulk_update(
            household=household, actor=user, ids=[roomy.pk], add_tags=[f"n{i}" for i in range(MAX_TAGS + 1)]
        )
    assert services.transaction_bulk_update(household=household, actor=user, ids=[roomy.pk, full.pk], add_tags=["x"])
    assert TransactionTag.objects.filter(transaction=full).count() == MAX_TAGS
