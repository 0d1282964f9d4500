"""Many writers on one account at once: balances and aggregates stay exact (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections

from finance.ledger import services
from finance.ledger.inputs import TransactionInput
from finance.ledger.models import MonthlySummary, Transaction
from finance.ledger.tests.factories import category, make_account
from finance.ledger.verify import verify
from finance.users.tests.factories import HouseholdFactory

THREADS = 8
PER_THREAD = 15


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_one_account_keep_everything_exact():
    household = HouseholdFactory()
    account = make_account(household, opening_balance=Decimal("1000.00"))
    other = make_account(household, "Savings", type="savings")
    groceries = category(household, "Groceries")
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            mine = []
            for i in range(PER_THREAD):
                kind = ("expense", "income", "transfer")[i % 3]
                values = {
                    "account": account,
                    "type": kind,
                    "amount": Decimal(f"{n + 1}.{i:02d}"),
                    "date": date(2026, 3, 1 + i),
                }
                if kind == "expense":
                    values["category"] = groceries
                if kind == "transfer":
                    values["transfer_account"] = other
                mine.append(
                    services.transaction_create(household=household, actor=None, data=TransactionInput(**values))
                )
            # Edit and delete some of our own rows while the others keep writing.
            services.transaction_update(
                txn=mine[0], actor=None, changes=TransactionInput(amount=Decimal("99.99"), date=date(2026, 4, 2))
            )
            services.transaction_delete(txn=mine[1], actor=None)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    connections.close_all()

    assert Transaction.objects.filter(household=household).count() == THREADS * (PER_THREAD - 1)
    assert verify(household.id) == []
    account.refresh_from_db()
    other.refresh_from_db()
    moved_in = sum(t.amount for t in Transaction.objects.filter(account=account, type="income"))
    moved_out = sum(t.amount for t in Transaction.objects.filter(account=account).exclude(type="income"))
    assert account.balance == Decimal("1000.00") + moved_in - moved_out
    assert other.balance == sum(t.amount for t in Transaction.objects.filter(type="transfer", household=household))
    assert MonthlySummary.objects.filter(household=household).count() == 2
