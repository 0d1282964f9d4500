"""The LLM-tool service functions return small, exact, household-scoped results."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from finance.analytics.tools import get_category_breakdown, get_income_vs_expense, get_transactions
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.users.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(household):
    account = make_account(household, "Checking")
    make_txn(
        household, account, "income", "2000", date(2026, 3, 1), category=category(household, "Salary"), payee="Acme"
    )
    make_txn(household, account, "expense", "300", date(2026, 3, 2), category=category(household, "Groceries"))
    make_txn(household, account, "expense", "100", date(2026, 3, 3), category=category(household, "Coffee"))
    make_txn(household, account, "expense", "50", date(2026, 4, 1), category=category(household, "Coffee"))
    other = MembershipFactory().household
    make_txn(other, make_account(other), "expense", "999", date(2026, 3, 2))
    return account


def test_get_transactions_in_range_only_this_household(household, march):
    result = get_transactions(household, (date(2026, 3, 1), date(2026, 3, 31)))
    assert [t["amount"] for t in result["transactions"]] == ["100.00", "300.00", "2000.00"]
    assert result["transactions"][2]["payee"] == "Acme"
    assert result["truncated"] is False
    assert get_transactions(household, (date(2026, 3, 1), date(2026, 3, 31)), limit=2)["truncated"] is True
    json.dumps(result)  # tool results are JSON-ready


def test_get_category_breakdown(household, march):
    result = get_category_breakdown(household, "2026-03")
    assert result["total"] == "400.00"
    assert [(c["name"], c["total"], c["share"]) for c in result["categories"]] == [
        ("Groceries", "300.00", 0.75),
        ("Coffee", "100.00", 0.25),
    ]


def test_get_income_vs_expense(household, march):
    result = get_income_vs_expense(household, date(2026, 3, 15))
    assert result == {
        "month": "2026-03",
        "currency": "USD",
        "income": "2000.00",
        "expense": "400.00",
        "net": "1600.00",
        "savings_rate": float(Decimal("0.8")),
    }
