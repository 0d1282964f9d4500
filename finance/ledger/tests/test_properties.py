"""Property tests: any sequence of writes leaves derived data equal to a recomputation from raw rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance.currency.services import rate_create
from finance.ledger import services
from finance.ledger.inputs import SplitInput, TransactionInput
from finance.ledger.models import Account, MonthlySummary, Transaction
from finance.ledger.tests.factories import category, make_account
from finance.ledger.verify import tolerance, verify

pytestmark = pytest.mark.django_db

START = date(2025, 11, 20)
cents = st.integers(min_value=1, max_value=50_000_000).map(lambda c: Decimal(c).scaleb(-2))
days = st.integers(min_value=0, max_value=120).map(lambda d: START + timedelta(days=d))

create = st.fixed_dictionaries(
    {
        "op": st.just("create"),
        "type": st.sampled_from(["income", "expense", "transfer"]),
        "account": st.integers(0, 2),
        "to": st.integers(0, 2),
        "amount": cents,
        "date": days,
        "category": st.sampled_from([None, "cat", "split"]),
        "excluded": st.booleans(),
    }
)
update = st.fixed_dictionaries(
    {
        "op": st.just("update"),
        "index": st.integers(0, 30),
        "amount": st.one_of(st.none(), cents),
        "date": st.one_of(st.none(), days),
        "account": st.one_of(st.none(), st.integers(0, 2)),
        "excluded": st.one_of(st.none(), st.booleans()),
    }
)
delete = st.fixed_dictionaries({"op": st.just("delete"), "index": st.integers(0, 30)})
operations = st.lists(st.one_of(create, create, update, delete), min_size=1, max_size=25)


def _values(household, accounts, op):
    kind = op["type"]
    values = {"account": accounts[op["account"]], "type": kind, "amount": op["amount"], "date": op["date"]}
    values["is_excluded"] = op["excluded"]
    if kind == "transfer":
        target = accounts[op["to"]] if op["to"] != op["account"] else accounts[(op["account"] + 1) % 3]
        values["transfer_account"] = target
        if target.currency != values["account"].currency:
            values["transfer_amount"] = op["amount"]
        return values
    names = {"income": ("Salary", "Bonus"), "expense": ("Groceries", "Coffee")}[kind]
    if op["category"] == "cat":
        values["category"] = category(household, names[0])
    elif op["category"] == "split" and op["amount"] >= Decimal("0.02"):
        first = (op["amount"] / 3).quantize(Decimal("0.01"))
        values["splits"] = [
            SplitInput(category(household, names[0]), first),
            SplitInput(category(household, names[1]), op["amount"] - first),
        ]
    return values


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_random_writes_keep_derived_data_exact(household, ops):
    with transaction.atomic():
        rate_create(household=household, actor=None, base="EUR", quote="USD", rate=Decimal("1.0837"), date=START)
        accounts = [
            make_account(household, "A", opening_balance=Decimal("100.00")),
            make_account(household, "B", type="credit_card"),
            make_account(household, "C", currency="EUR"),
        ]
        made: list[Transaction] = []
        for op in ops:
            if op["op"] == "create":
                made.append(
                    services.transaction_create(
                        household=household, actor=None, data=TransactionInput(**_values(household, accounts, op))
                    )
                )
            elif made and op["op"] == "update":
                txn = made[op["index"] % len(made)]
                changes = {}
                if op["amount"] is not None and txn.splits.count() == 0:
                    changes["amount"] = op["amount"]
                if op["date"] is not None:
                    changes["date"] = op["date"]
                if op["excluded"] is not None:
                    changes["is_excluded"] = op["excluded"]
                if (
                    op["account"] is not None
                    and txn.type != "transfer"
                    and txn.account.currency == accounts[op["account"]].currency
                ):
                    changes["account"] = accounts[op["account"]]
                made[op["index"] % len(made)] = services.transaction_update(
                    txn=txn, actor=None, changes=TransactionInput(**changes)
                )
            elif made and op["op"] == "delete":
                services.transaction_delete(txn=made.pop(op["index"] % len(made)), actor=None)

        assert verify(household.id) == []
        # An independent oracle for balances: opening + what each remaining transaction did.
        expected = {a.id: a.opening_balance for a in accounts}
        for txn in Transaction.objects.filter(household=household):
            if txn.type == "income":
                expected[txn.account_id] += txn.amount
            elif txn.type == "expense":
                expected[txn.account_id] -= txn.amount
            else:
                expected[txn.account_id] -= txn.amount
                expected[txn.transfer_account_id] += txn.transfer_amount
        stored = {a.id: a.balance for a in Account.objects.filter(household=household)}
        assert stored.keys() == expected.keys()
        for account_id, value in stored.items():
            assert abs(value - expected[account_id]) <= tolerance(), (value, expected[account_id])
        # Not a cent lost: the months add up to the income and expense of the counted transactions.
        counted = Transaction.objects.filter(household=household, is_excluded=False)
        income = sum((t.amount_in_base_currency for t in counted.filter(type="income")), Decimal(0))
        expense = sum((t.amount_in_base_currency for t in counted.filter(type="expense")), Decimal(0))
        months = MonthlySummary.objects.filter(household=household)
        assert abs(sum((m.income for m in months), Decimal(0)) - income) <= tolerance()
        assert abs(sum((m.expense for m in months), Decimal(0)) - expense) <= tolerance()
        transaction.set_rollback(True)
