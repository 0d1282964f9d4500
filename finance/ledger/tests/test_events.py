"""The ledger's events reach listeners after commit, with the changed dates; never for a rolled-back write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from finance.core import events
from finance.ledger import services
from finance.ledger.events import TransactionsChanged
from finance.ledger.inputs import TransactionInput
from finance.ledger.models import Transaction
from finance.ledger.tests.factories import make_account, make_txn

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls: list[tuple[object, frozenset[date]]] = []

    def listener(event):
        if event.moves_money:
            calls.append((event.household_id, event.dates))

    events.listen(TransactionsChanged, listener)
    yield calls
    events.unlisten(TransactionsChanged, listener)


def test_listeners_hear_each_write_after_commit(household, heard, django_capture_on_commit_callbacks):
    account = make_account(household)
    with django_capture_on_commit_callbacks(execute=True):
        txn = make_txn(household, account, "expense", "10", date(2026, 3, 1))
        assert heard == []  # not before the commit
    with django_capture_on_commit_callbacks(execute=True):
        services.transaction_update(txn=txn, actor=None, changes=TransactionInput(date=date(2026, 4, 2)))
    with django_capture_on_commit_callbacks(execute=True):
        services.transaction_bulk_create(
            household=household,
            actor=None,
            items=[
                TransactionInput(**item)
                for item in [
                    {"account": account, "type": "expense", "amount": Decimal(1), "date": date(2026, 5, d)}
                    for d in (1, 2)
                ]
            ],
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.transaction_delete(txn=txn, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.account_update(account=account, actor=None, opening_balance=Decimal(5))
    assert heard == [
        (household.id, frozenset({date(2026, 3, 1)})),
        (household.id, frozenset({date(2026, 3, 1), date(2026, 4, 2)})),
        (household.id, frozenset({date(2026, 5, 1), date(2026, 5, 2)})),
        (household.id, frozenset({date(2026, 4, 2)})),
        (household.id, frozenset()),
    ]


def test_a_rolled_back_write_is_not_heard(household, heard, django_capture_on_commit_callbacks):
    account = make_account(household)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012
        make_txn(household, account, "expense", "10", date(2026, 3, 1))
        raise RuntimeError("abort")
    assert heard == []
    assert not Transaction.objects.exists()


def test_a_failing_listener_does_not_break_the_write_or_the_others(
    household, heard, django_capture_on_commit_callbacks
):
    def broken(event):
        raise ValueError("listener bug")

    events.listen(TransactionsChanged, broken)
    try:
        account = make_account(household)
        with django_capture_on_commit_callbacks(execute=True):
            make_txn(household, account, "expense", "10", date(2026, 3, 1))
    finally:
        events.unlisten(TransactionsChanged, broken)
    assert Transaction.objects.count() == 1
    assert heard == [(household.id, frozenset({date(2026, 3, 1)}))]


def test_register_is_idempotent():
    def listener(event):
        return None

    before = len(events.listeners(TransactionsChanged))
    events.listen(TransactionsChanged, listener)
    events.listen(TransactionsChanged, listener)
    assert len(events.listeners(TransactionsChanged)) == before + 1
    events.unlisten(TransactionsChanged, listener)
    assert len(events.listeners(TransactionsChanged)) == before


def test_bulk_recategorize_and_delete_are_heard(household, heard, django_capture_on_commit_callbacks):
    """Budgets follow spending per category: the web app's bulk edits must tell them too."""
    account = make_account(household)
    first = make_txn(household, account, "expense", "10", date(2026, 3, 1))
    second = make_txn(household, account, "expense", "20", date(2026, 3, 9))
    groceries = services.category_by_name(household=household, actor=None, name="Groceries", type="expense")
    heard.clear()
    ids = [first.id, second.id]
    with django_capture_on_commit_callbacks(execute=True):
        services.transaction_bulk_update(household=household, actor=None, ids=ids, add_tags=["only-tags"])
    assert heard == []  # tags move no money
    with django_capture_on_commit_callbacks(execute=True):
        services.transaction_bulk_update(household=household, actor=None, ids=ids, category=groceries)
    with django_capture_on_commit_callbacks(execute=True):
        services.transaction_bulk_delete(household=household, actor=None, ids=ids)
    assert heard == [
        (household.id, frozenset({date(2026, 3, 1), date(2026, 3, 9)})),
        (household.id, frozenset({date(2026, 3, 1), date(2026, 3, 9)})),
    ]
