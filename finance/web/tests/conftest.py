"""Fixtures of the web app's tests: signed-in clients for each role and a small ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from finance.ledger.tests.factories import category, make_account, make_txn


@pytest.fixture
def web_client():
    def make(user: Any) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def ledger(roles):
    """The roles' household with two accounts and a few transactions."""
    household = roles.household
    checking = make_account(household, "Checking", opening_balance=Decimal("1000.00"))
    savings = make_account(household, "Savings", type="savings")
    salary = make_txn(
        household, checking, "income", "2500.00", date(2026, 3, 1), category=category(household, "Salary")
    )
    groceries = make_txn(
        household,
        checking,
        "expense",
        "42.50",
        date(2026, 3, 14),
        payee="Corner Shop",
        category=category(household, "Groceries"),
    )
    coffee = make_txn(household, checking, "expense", "3.20", date(2026, 3, 15), payee="Cafe Blue")
    transfer = make_txn(household, checking, "transfer", "300.00", date(2026, 3, 16), transfer_account=savings)
    return {
        "household": household,
        "checking": checking,
        "savings": savings,
        "salary": salary,
        "groceries": groceries,
        "coffee": coffee,
        "transfer": transfer,
    }
