"""Balances and monthly aggregates stay exact through every kind of write."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.core.aggregates import ExactSum
from finance.currency.services import rate_create
from finance.households.services import household_update
from finance.ledger import services
from finance.ledger.inputs import SplitInput, TransactionInput
from finance.ledger.models import (
    UNCATEGORIZED,
    Account,
    AccountMonthly,
    CategoryMonthly,
    MonthlySummary,
    Transaction,
)
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.ledger.verify import repair, verify

pytestmark = pytest.mark.django_db

D = Decimal
MARCH = date(2026, 3, 1)


def balance(account: Account) -> Decimal:
    account.refresh_from_db()
    return account.balance


def month(household, day=MARCH) -> MonthlySummary:
    return MonthlySummary.objects.get(household=household, month=day.replace(day=1))


def cat_total(household, name, kind="expense", day=MARCH) -> Decimal:
    key = UNCATEGORIZED if name is None else category(household, name).id
    row = CategoryMonthly.objects.filter(
        household=household, month=day.replace(day=1), kind=kind, category_key=key
    ).first()
    return row.total if row else D(0)


def test_income_and_expense_move_balance_and_aggregates(household):
    account = make_account(household, opening_balance=D("100.00"))
    make_txn(household, account, "income", "2500.00", MARCH, category=category(household, "Salary"))
    make_txn(household, account, "expense", "42.50", date(2026, 3, 14), category=category(household, "Groceries"))
    make_txn(household, account, "expense", "7.25", date(2026, 3, 15))
    assert balance(account) == D("2550.25")
    summary = month(household)
    assert (summary.income, summary.expense, summary.transaction_count) == (D("2500"), D("49.75"), 3)
    assert cat_total(household, "Groceries") == D("42.50")
    assert cat_total(household, None) == D("7.25")
    assert cat_total(household, "Salary", "income") == D("2500")
    assert verify(household.id) == []


def test_transfer_moves_both_balances_and_is_neither_income_nor_expense(household):
    checking = make_account(household, "Checking", opening_balance=D("1000"))
    savings = make_account(household, "Savings", type="savings")
    make_txn(household, checking, "transfer", "300.00", MARCH, transfer_account=savings)
    assert (balance(checking), balance(savings)) == (D("700"), D("300"))
    summary = month(household)
    assert (summary.income, summary.expense, summary.transaction_count) == (D(0), D(0), 1)
    assert verify(household.id) == []


def test_cross_currency_transfer_uses_given_received_amount(household):
    usd = make_account(household, "USD", currency="USD", opening_balance=D("1000"))
    eur = make_account(household, "EUR", currency="EUR")
    make_txn(household, usd, "transfer", "110.00", MARCH, transfer_account=eur, transfer_amount=D("100.00"))
    assert (balance(usd), balance(eur)) == (D("890"), D("100"))
    assert verify(household.id) == []


def test_excluded_moves_balance_but_not_analytics(household):
    account = make_account(household)
    make_txn(household, account, "expense", "80.00", MARCH, is_excluded=True)
    assert balance(account) == D("-80")
    assert not MonthlySummary.objects.filter(household=household, month=MARCH, expense__gt=0).exists()
    assert verify(household.id) == []


def test_account_months_keep_the_excluded_part_apart(household):
    account = make_account(household)
    other = make_account(household, "Savings", type="savings")
    make_txn(household, account, "expense", "80.00", MARCH, is_excluded=True)
    make_txn(household, account, "income", "30.00", MARCH, is_excluded=True)
    make_txn(household, account, "transfer", "5.00", MARCH, transfer_account=other, is_excluded=True)
    make_txn(household, account, "expense", "20.00", MARCH)
    row = AccountMonthly.objects.get(account=account, month=MARCH)
    assert (row.income, row.expense, row.transfers_out, row.count) == (D("30"), D("100"), D("5"), 4)
    assert (row.excluded_income, row.excluded_expense, row.excluded_count) == (D("30"), D("80"), 2 + 1)
    received = AccountMonthly.objects.get(account=other, month=MARCH)
    assert (received.transfers_in, received.count, received.excluded_count) == (D("5"), 0, 0)
    assert verify(household.id) == []


def test_migration_fills_the_excluded_part_of_existing_account_months(household):
    fill_excluded = importlib.import_module("finance.ledger.migrations.0002_account_monthly_excluded").fill_excluded
    account = make_account(household)
    make_txn(household, account, "expense", "80.00", MARCH, is_excluded=True)
    make_txn(household, account, "income", "30.00", date(2026, 4, 2), is_excluded=True)
    make_txn(household, account, "expense", "20.00", MARCH)
    AccountMonthly.objects.update(excluded_income=0, excluded_expense=0, excluded_count=0)  # as before the migration
    assert {d.kind for d in verify(household.id)} == {"account-month"}
    fill_excluded(django_apps, None)
    assert verify(household.id) == []


def test_splits_count_per_split_category(household):
    account = make_account(household)
    make_txn(
        household,
        account,
        "expense",
        "100.00",
        MARCH,
        splits=[
            SplitInput(category(household, "Groceries"), D("70.00")),
            SplitInput(category(household, "Household goods"), D("30.00")),
        ],
    )
    assert cat_total(household, "Groceries") == D("70")
    assert cat_total(household, "Household goods") == D("30")
    assert month(household).expense == D("100")
    assert verify(household.id) == []


def test_update_moves_contribution_between_months_accounts_and_categories(household):
    a = make_account(household, "A")
    b = make_account(household, "B")
    txn = make_txn(household, a, "expense", "50.00", MARCH, category=category(household, "Groceries"))
    services.transaction_update(
        txn=txn,
        actor=None,
        changes=TransactionInput(
            account=b, amount=D("60.00"), date=date(2026, 4, 2), category=category(household, "Dining out")
        ),
    )
    assert (balance(a), balance(b)) == (D(0), D("-60"))
    assert month(household).expense == D(0)
    assert month(household, date(2026, 4, 1)).expense == D("60")
    assert cat_total(household, "Groceries") == D(0)
    assert cat_total(household, "Dining out", day=date(2026, 4, 1)) == D("60")
    assert verify(household.id) == []


def test_changing_type_to_transfer_and_back(household):
    a = make_account(household, "A")
    b = make_account(household, "B")
    txn = make_txn(household, a, "expense", "50.00", MARCH, category=category(household, "Groceries"))
    txn = services.transaction_update(
        txn=txn, actor=None, changes=TransactionInput(type="transfer", transfer_account=b)
    )
    assert txn.category is None
    assert (balance(a), balance(b)) == (D("-50"), D("50"))
    assert month(household).expense == D(0)
    services.transaction_update(txn=txn, actor=None, changes=TransactionInput(type="income"))
    assert (balance(a), balance(b)) == (D("50"), D(0))
    assert verify(household.id) == []


def test_delete_removes_contribution(household):
    account = make_account(household)
    txn = make_txn(household, account, "expense", "12.34", MARCH, category=category(household, "Coffee"))
    services.transaction_delete(txn=txn, actor=None)
    assert balance(account) == D(0)
    assert month(household).expense == D(0)
    assert month(household).transaction_count == 0
    assert verify(household.id) == []


def test_opening_balance_change_moves_balance(household):
    account = make_account(household, opening_balance=D("10"))
    make_txn(household, account, "income", "5", MARCH)
    services.account_update(account=account, actor=None, opening_balance=D("25"))
    assert balance(account) == D("30")
    assert verify(household.id) == []


def test_foreign_currency_converts_at_rate_on_or_before_date(household):
    rate_create(household=household, actor=None, base="EUR", quote="USD", rate=D("1.10"), date=date(2026, 3, 1))
    rate_create(household=household, actor=None, base="EUR", quote="USD", rate=D("1.20"), date=date(2026, 3, 20))
    eur = make_account(household, "EUR", currency="EUR")
    early = make_txn(household, eur, "expense", "10.00", date(2026, 3, 10))
    late = make_txn(household, eur, "expense", "10.00", date(2026, 3, 25))
    assert (early.amount_in_base_currency, early.exchange_rate, early.exchange_rate_date) == (
        D("11.00"),
        D("1.10"),
        date(2026, 3, 1),
    )
    assert late.amount_in_base_currency == D("12.00")
    assert month(household).expense == D("23.00")
    assert verify(household.id) == []


def test_inverse_rate_is_used_when_only_the_other_direction_exists(household):
    rate_create(household=household, actor=None, base="USD", quote="EUR", rate=D("0.8"), date=date(2026, 3, 1))
    eur = make_account(household, "EUR", currency="EUR")
    txn = make_txn(household, eur, "expense", "8.00", date(2026, 3, 2))
    assert txn.amount_in_base_currency == D("10.00")


def test_missing_rate_is_flagged_never_one_to_one_and_a_later_rate_converts(household):
    eur = make_account(household, "EUR", currency="EUR")
    txn = make_txn(household, eur, "expense", "10.00", date(2026, 3, 10))
    assert txn.amount_in_base_currency is None
    assert txn.exchange_rate is None
    summary = month(household)
    assert (summary.expense, summary.unconverted_count) == (D(0), 1)
    rate_create(household=household, actor=None, base="EUR", quote="USD", rate=D("1.5"), date=date(2026, 3, 1))
    txn.refresh_from_db()
    assert txn.amount_in_base_currency == D("15.00")
    summary.refresh_from_db()
    assert (summary.expense, summary.unconverted_count) == (D("15.00"), 0)
    assert verify(household.id) == []


def test_split_base_amounts_add_up_exactly(household):
    rate_create(household=household, actor=None, base="EUR", quote="USD", rate=D("1.333333333333"), date=MARCH)
    eur = make_account(household, "EUR", currency="EUR")
    txn = make_txn(
        household,
        eur,
        "expense",
        "1.00",
        MARCH,
        splits=[SplitInput(category(household, "Groceries"), D("0.33")) for _ in range(2)]
        + [SplitInput(category(household, "Coffee"), D("0.34"))],
    )
    assert sum(s.amount_in_base_currency for s in txn.splits.all()) == txn.amount_in_base_currency
    assert verify(household.id) == []


def test_base_currency_change_reconverts_everything(household, user):
    rate_create(household=household, actor=None, base="USD", quote="EUR", rate=D("0.5"), date=date(2020, 1, 1))
    usd = make_account(household, "USD")
    make_txn(household, usd, "expense", "10.00", MARCH)
    household_update(household=household, actor=user, base_currency="EUR")
    assert month(household).expense == D("5.00")
    assert verify(household.id) == []


def test_verify_finds_drift_and_repair_fixes_it(household):
    account = make_account(household)
    make_txn(household, account, "expense", "10.00", MARCH)
    Account.objects.filter(pk=account.pk).update(balance=D("999"))
    MonthlySummary.objects.filter(household=household).update(expense=D("1"))
    kinds = {d.kind for d in verify(household.id)}
    assert kinds == {"balance", "month"}
    repair(household.id)
    assert verify(household.id) == []
    assert balance(account) == D("-10")


def test_a_write_updates_every_derived_row_in_one_statement_on_postgresql(household):
    """A transfer moves two balances; a split expense adds to several category rows: all of it, and the
    event's outbox row, is one statement on PostgreSQL (one round trip), and each row still gets exactly
    its part."""
    checking = make_account(household, "Checking", opening_balance=D("1000"))
    savings = make_account(household, "Savings", type="savings")
    make_txn(household, checking, "expense", "5.00", MARCH, category=category(household, "Groceries"))
    with CaptureQueriesContext(connection) as transfer_queries:
        make_txn(household, checking, "transfer", "300.00", MARCH, transfer_account=savings)
    split = TransactionInput(
        account=checking,
        type="expense",
        amount=D("60.00"),
        date=MARCH,
        splits=[
            SplitInput(category=category(household, "Groceries"), amount=D("45.00")),
            SplitInput(category=category(household, "Dining out"), amount=D("15.00")),
        ],
    )
    with CaptureQueriesContext(connection) as split_queries:
        services.transaction_create(household=household, actor=None, data=split)

    assert (balance(checking), balance(savings)) == (D("635.00"), D("300.00"))
    assert (cat_total(household, "Groceries"), cat_total(household, "Dining out")) == (D("50.00"), D("15.00"))
    assert month(household).expense == D("65.00")
    assert verify(household.id) == []
    for queries in (transfer_queries, split_queries):
        derived = [
            q["sql"]
            for q in queries.captured_queries
            if any(
                table in q["sql"] for table in ('"ledger_account"', "ledger_accountmonthly", "ledger_categorymonthly")
            )
            and not q["sql"].startswith("SELECT")
        ]
        if connection.vendor == "postgresql":
            assert len(derived) == 1, derived
            assert derived[0].startswith("WITH ")
            # ... with the write's outbox row.
            assert [q["sql"] for q in queries.captured_queries if "core_outboxevent" in q["sql"]] == derived
        else:
            assert len(derived) >= 3


def test_large_amounts_that_cancel_leave_an_exact_balance_on_every_database(household):
    """On SQLite, ``balance + x`` in SQL is float arithmetic: 100000000000.00 - 100000000000.01 gave
    -0.0099945068. The balance, the monthly rows and verify's own sums are exact on both databases."""
    account = make_account(household, "Everyday")
    make_txn(household, account, "income", "100000000000.00", MARCH)
    make_txn(household, account, "expense", "100000000000.01", MARCH, category=category(household, "Groceries"))
    make_txn(household, account, "income", "9900000000000.05", MARCH)
    make_txn(household, account, "expense", "9900000000000.05", MARCH)
    assert balance(account) == D("-0.01")
    assert verify(household.id) == []
    # verify's sums are exact too: 10000000000000.05 (16 digits) is read back whole, not as 10000000000000.1.
    total = Transaction.objects.filter(account=account, type="income").aggregate(total=ExactSum("amount"))["total"]
    assert total == D("10000000000000.05")
