"""Ledger test data, made through the services so derived data is always maintained."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from finance.households.models import Household
from finance.ledger import services
from finance.ledger.inputs import TransactionInput
from finance.ledger.models import Account, Category, Transaction


def make_account(household: Household, name: str = "Checking", currency: str | None = None, **fields: Any) -> Account:
    return services.account_create(household=household, actor=None, name=name, currency=currency, **fields)


def category(household: Household, name: str) -> Category:
    return Category.objects.get(household=household, name=name)


def make_txn(
    household: Household,
    account: Account,
    type: str = "expense",
    amount: str | Decimal = "10.00",
    on: date | None = None,
    **values: Any,
) -> Transaction:
    return services.transaction_create(
        household=household,
        actor=None,
        data=TransactionInput(account=account, type=type, amount=Decimal(amount), date=on, **values),
    )
