"""Property tests of the supported range of money (issue #17): every value the range accepts is stored and read back
exactly, through the API and the services, on the database the suite runs on (SQLite by default, PostgreSQL in the
service run); every value outside it is refused on the field with nothing changed; and whatever sequence of large
writes comes, every aggregate stays inside what its column holds and adds up."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance.budgets.services import goal_create
from finance.core.exceptions import FieldError
from finance.core.money import AGGREGATE_LIMIT, MONEY_LIMIT, SIGNIFICANT_DIGITS, amount_problem, present
from finance.currency.models import ExchangeRate
from finance.currency.services import rate_create
from finance.ledger import services
from finance.ledger.inputs import TransactionInput
from finance.ledger.models import Account, AccountMonthly, CategoryMonthly, MonthlySummary, Transaction
from finance.ledger.tests.factories import category, make_account
from finance.ledger.verify import tolerance, verify

pytestmark = pytest.mark.django_db

DAY = date(2026, 5, 20)
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def in_range(max_places: int, *, limit: Decimal = MONEY_LIMIT, signed: bool = False) -> st.SearchStrategy[Decimal]:
    """Values the range accepts: at most 15 significant digits and ``max_places`` decimals, below ``limit``."""
    exponent = int(limit.log10())

    def build(places: int) -> st.SearchStrategy[Decimal]:
        largest = min(10**SIGNIFICANT_DIGITS, 10 ** (exponent + places)) - 1
        low = -largest if signed else 1
        return st.integers(low, largest).map(lambda c: Decimal(c).scaleb(-places))

    return st.integers(0, max_places).flatmap(build)


out_of_range = st.one_of(
    # Too large, whatever the digits.
    st.integers(10**13, 10**20).map(Decimal),
    # More significant digits than a float keeps (inside the magnitude).
    st.integers(10**14, 10**15 - 1).map(lambda c: Decimal(c * 10 + 7).scaleb(-4)),
    # More decimal places than the storage keeps.
    st.integers(0, 10**5).map(lambda c: Decimal(c * 10 + 3).scaleb(-11)),
)


def _snapshot(household: Any) -> tuple[Any, ...]:
    return (
        sorted(Transaction.objects.filter(household=household).values_list("id", "amount")),
        sorted(Account.objects.filter(household=household).values_list("id", "balance")),
        sorted(MonthlySummary.objects.filter(household=household).values_list("month", "income", "expense")),
    )


@EXAMPLES
@given(amount=in_range(2), as_number=st.booleans())
def test_every_accepted_amount_round_trips_through_the_api(client_for, household, amount, as_number):
    with transaction.atomic():
        account = make_account(household, "Everyday", currency="USD")
        literal = format(amount, "f")
        value = literal if as_number else json.dumps(literal)
        body = f'{{"account": "{account.pk}", "type": "income", "amount": {value}}}'
        response = client_for.post("/api/v1/transactions/", data=body.encode(), content_type="application/json")
        assert response.status_code == 201, (amount, response.content)
        shown = present(amount, "USD")
        assert response.json()["amount"] == shown
        txn = Transaction.objects.get(pk=response.json()["id"])
        assert txn.amount == amount
        assert client_for.get(f"/api/v1/transactions/{txn.pk}/").json()["amount"] == shown
        account.refresh_from_db()
        assert account.balance == amount
        assert MonthlySummary.objects.get(household=household).income == amount
        assert verify(household.id) == []
        transaction.set_rollback(True)


@EXAMPLES
@given(
    yen=in_range(0),
    dinar=in_range(3),
    opening=in_range(10, signed=True),
    target=in_range(2),
    rate=in_range(12, limit=Decimal(10) ** 12),
)
def test_every_accepted_value_is_stored_exactly_in_every_money_column(household, yen, dinar, opening, target, rate):
    with transaction.atomic():
        jpy = make_account(household, "Yen", currency="JPY", opening_balance=opening)
        bhd = make_account(household, "Dinar", currency="BHD")
        for account, amount in ((jpy, yen), (bhd, dinar)):
            txn = services.transaction_create(
                household=household,
                actor=None,
                data=TransactionInput(account=account, type="expense", amount=amount, date=DAY),
            )
            assert Transaction.objects.get(pk=txn.pk).amount == amount
        assert Account.objects.get(pk=jpy.pk).opening_balance == opening
        assert Account.objects.get(pk=bhd.pk).balance == -dinar
        goal = goal_create(household=household, actor=None, name="Goal", target_amount=target, currency="USD")
        goal.refresh_from_db()
        assert goal.target_amount == target
        stored = rate_create(household=household, actor=None, base="CHF", quote="USD", rate=rate, date=DAY)
        assert ExchangeRate.objects.get(pk=stored.pk).rate == rate
        transaction.set_rollback(True)


@EXAMPLES
@given(amount=out_of_range, field=st.sampled_from(["amount", "opening_balance"]))
def test_every_value_outside_the_range_is_refused_on_its_field_and_changes_nothing(
    client_for, household, amount, field
):
    problem = amount_problem(amount)
    assert problem is not None
    with transaction.atomic():
        account = make_account(household, "Everyday", currency="USD")
        before = _snapshot(household)
        if field == "amount":
            body = {"account": str(account.pk), "type": "expense", "amount": format(amount, "f")}
            response = client_for.post("/api/v1/transactions/", body, format="json")
        else:
            body = {"opening_balance": format(amount, "f")}
            response = client_for.patch(f"/api/v1/accounts/{account.pk}/", body, format="json")
        assert response.status_code == 400
        assert response.json()["type"] == "validation_error"
        assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(field, problem.code)]
        assert _snapshot(household) == before
        transaction.set_rollback(True)


writes = st.lists(
    st.tuples(
        st.sampled_from(["income", "expense", "transfer"]),
        st.integers(0, 1),
        st.integers(10**13, 10**15 - 1).map(lambda c: Decimal(c).scaleb(-2)),  # 10^11 to 10^13 - 0.01
        st.integers(1, 28),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=writes, repeat=st.integers(1, 120))
def test_aggregates_of_large_amounts_stay_inside_the_columns_and_add_up(household, ops, repeat):
    with transaction.atomic():
        accounts = [make_account(household, "A", currency="USD"), make_account(household, "B", currency="USD")]
        groceries = category(household, "Groceries")
        salary = category(household, "Salary")
        accepted = refused = 0
        for kind, index, amount, day in ops:
            values: dict[str, Any] = {"account": accounts[index], "type": kind, "amount": amount}
            values["date"] = DAY.replace(day=day)
            if kind == "transfer":
                values["transfer_account"] = accounts[1 - index]
            else:
                values["category"] = salary if kind == "income" else groceries
            items = [TransactionInput(**values)] * (repeat if kind == "expense" else 1)
            codes = None
            try:
                with transaction.atomic():
                    services.transaction_bulk_create(household=household, actor=None, items=items)
            except FieldError as exc:
                codes = exc.get_codes()
            if codes is None:
                accepted += 1
            else:
                # Refused as a whole, on the bulk's field, for the one reason: an aggregate past the limit.
                assert codes == {"transactions": ["max_value"]}, codes
                refused += 1
        # Whatever was refused left nothing behind; what was accepted adds up on this database.
        assert verify(household.id) == []
        stored = [
            *Account.objects.filter(household=household).values_list("balance", flat=True),
            *(
                value
                for row in AccountMonthly.objects.filter(household=household).values_list(
                    "income", "expense", "transfers_in", "transfers_out"
                )
                for value in row
            ),
            *(
                v
                for row in MonthlySummary.objects.filter(household=household).values_list("income", "expense")
                for v in row
            ),
            *CategoryMonthly.objects.filter(household=household).values_list("total", flat=True),
        ]
        assert all(abs(value) < AGGREGATE_LIMIT for value in stored)
        expected = {account.id: Decimal(0) for account in accounts}
        for txn in Transaction.objects.filter(household=household):
            sign = 1 if txn.type == "income" else -1
            expected[txn.account_id] += sign * txn.amount
            if txn.type == "transfer":
                expected[txn.transfer_account_id] += txn.transfer_amount
        for account in Account.objects.filter(household=household):
            assert abs(account.balance - expected[account.id]) <= tolerance(expected[account.id])
        assert accepted + refused == len(ops)
        transaction.set_rollback(True)
