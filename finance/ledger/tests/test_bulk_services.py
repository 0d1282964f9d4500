"""Bulk categorize, tag and delete: all or nothing, derived data exact afterwards."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from finance.core.exceptions import FieldError, Forbidden, NotFound
from finance.households.models import Membership, Role
from finance.ledger import services
from finance.ledger.inputs import SplitInput
from finance.ledger.models import Account, Split, Transaction
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.ledger.verify import verify
from finance.users.tests.factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
MAY = date(2026, 5, 10)


def _setup(household):
    checking = make_account(household, "Checking", opening_balance=D("1000"))
    savings = make_account(household, "Savings", type="savings")
    groceries = make_txn(household, checking, "expense", "40.00", MAY, category=category(household, "Groceries"))
    plain = make_txn(household, checking, "expense", "15.50", MAY)
    split = make_txn(
        household,
        checking,
        "expense",
        "100.00",
        MAY,
        splits=[
            SplitInput(category(household, "Groceries"), D("60.00")),
            SplitInput(category(household, "Clothing"), D("40.00")),
        ],
    )
    transfer = make_txn(household, checking, "transfer", "200.00", MAY, transfer_account=savings)
    return checking, groceries, plain, split, transfer


def test_bulk_categorize_moves_category_totals_and_replaces_splits(household, user):
    checking, groceries, plain, split, _ = _setup(household)
    dining = category(household, "Dining out")
    changed = services.transaction_bulk_update(
        household=household, actor=user, ids=[groceries.id, plain.id, split.id], category=dining
    )
    assert changed == 3
    assert not Split.objects.filter(transaction=split).exists()
    rows = Transaction.objects.filter(pk__in=[groceries.id, plain.id, split.id])
    assert {t.category_id for t in rows} == {dining.id}
    assert all(t.categorization_source == "user" and not t.needs_review for t in rows)
    checking.refresh_from_db()
    assert checking.balance == D("1000") - D("155.50") - D("200")  # balances do not move
    assert verify(household.id) == []


def test_bulk_categorize_refuses_transfers_and_changes_nothing(household, user):
    _, groceries, _, _, transfer = _setup(household)
    dining = category(household, "Dining out")
    with pytest.raises(FieldError) as caught:
        services.transaction_bulk_update(
            household=household, actor=user, ids=[groceries.id, transfer.id], category=dining
        )
    assert caught.value.get_codes() == {"category": ["type_mismatch"]}
    groceries.refresh_from_db()
    assert groceries.category == category(household, "Groceries")
    assert verify(household.id) == []


def test_bulk_tags_are_added_once_and_do_not_touch_categories(household, user):
    _, groceries, plain, _, transfer = _setup(household)
    ids = [groceries.id, plain.id, transfer.id]
    services.transaction_bulk_update(household=household, actor=user, ids=ids, add_tags=["Trip", " "])
    services.transaction_bulk_update(household=household, actor=user, ids=ids, add_tags=["trip", "2026"])
    for txn in Transaction.objects.filter(pk__in=ids):
        assert sorted(t.name for t in txn.tags.all()) == ["2026", "Trip"]
    groceries.refresh_from_db()
    assert groceries.category == category(household, "Groceries")


def test_bulk_needs_a_category_or_tags(household, user):
    _, groceries, *_ = _setup(household)
    with pytest.raises(FieldError):
        services.transaction_bulk_update(household=household, actor=user, ids=[groceries.id])


def test_bulk_delete_removes_all_and_reverses_derived_data(household, user):
    checking, groceries, plain, split, transfer = _setup(household)
    deleted = services.transaction_bulk_delete(
        household=household, actor=user, ids=[groceries.id, plain.id, split.id, transfer.id]
    )
    assert deleted == 4
    assert not Transaction.objects.filter(household=household).exists()
    checking.refresh_from_db()
    assert checking.balance == D("1000")
    assert Account.objects.get(household=household, name="Savings").balance == D("0")
    assert verify(household.id) == []


def test_bulk_refuses_ids_of_another_household_whole(household, user):
    _, groceries, *_ = _setup(household)
    other = HouseholdFactory()
    foreign = make_txn(other, make_account(other), "expense", "5.00", MAY)
    with pytest.raises(FieldError) as caught:
        services.transaction_bulk_delete(household=household, actor=user, ids=[groceries.id, foreign.id])
    assert caught.value.get_codes() == {"ids": ["does_not_exist"]}
    assert Transaction.objects.filter(pk__in=[groceries.id, foreign.id]).count() == 2
    with pytest.raises(FieldError):
        services.transaction_bulk_delete(household=household, actor=user, ids=[uuid.uuid4()])


def test_bulk_needs_a_writing_role(household):
    _, groceries, *_ = _setup(household)
    viewer = UserFactory()
    Membership.objects.create(household=household, user=viewer, role=Role.VIEWER)
    with pytest.raises(Forbidden):
        services.transaction_bulk_delete(household=household, actor=viewer, ids=[groceries.id])
    with pytest.raises(NotFound):
        services.transaction_bulk_update(household=household, actor=UserFactory(), ids=[groceries.id], add_tags=["x"])
    assert Transaction.objects.filter(pk=groceries.id).exists()


def _copies_of(account: Account) -> dict[str, object]:
    """The load_from values that make a new transaction of each of ``account``'s incomes and expenses."""
    from django.db.models import F, Func, UUIDField, Value
    from django.db.models.functions import Cast

    values: dict[str, object] = {name: F(name) for name in services.LOAD_FROM_FIELDS}
    values["id"] = Func(function="gen_random_uuid", output_field=UUIDField())
    values["import_batch"] = Cast(Value(None), UUIDField())
    return values


@pytest.mark.postgres
def test_a_load_made_in_the_database_keeps_derived_data_exact_and_tells_its_count(
    household, django_capture_on_commit_callbacks
):
    from finance.core import events
    from finance.ledger.events import TransactionsChanged

    source_account = make_account(household, "Old bank")
    target = make_account(household, "New bank", opening_balance=D("10"))
    for day, amount, kind, name in [(3, "12.10", "expense", "Groceries"), (4, "7.90", "expense", None)] * 3 + [
        (9, "1000", "income", "Salary")
    ]:
        make_txn(
            household,
            source_account,
            kind,
            amount,
            date(2026, 4, day),
            category=category(household, name) if name else None,
        )
    heard: list[TransactionsChanged] = []
    events.listen(TransactionsChanged, heard.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            loaded = services.transactions_load_from(
                household=household,
                actor=None,
                account=target,
                source=Transaction.objects.filter(account=source_account),
                values=_copies_of(source_account),
            )
    finally:
        events.unlisten(TransactionsChanged, heard.append)
    assert loaded == 7
    target.refresh_from_db()
    assert target.balance == D("10") + D("1000") - 3 * (D("12.10") + D("7.90"))
    made = Transaction.objects.filter(account=target)
    assert made.count() == 7
    assert {
        (t.amount_in_base_currency, t.exchange_rate, t.exchange_rate_date) == (t.amount, D(1), t.date) for t in made
    } == {True}
    assert verify(household.id) == []
    assert [(e.count, len(e.ids), e.account_ids) for e in heard] == [(7, 7, frozenset({target.id}))]
    assert heard[0].dates == frozenset({date(2026, 4, 3), date(2026, 4, 4), date(2026, 4, 9)})


@pytest.mark.postgres
def test_a_load_made_in_the_database_converts_nothing(household):
    euros = make_account(household, "Euro bank", currency="EUR")
    with pytest.raises(ValueError, match="converts nothing"):
        services.transactions_load_from(
            household=household,
            actor=None,
            account=euros,
            source=Transaction.objects.none(),
            values=_copies_of(euros),
        )
