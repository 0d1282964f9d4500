"""A budget has at most ``MAX_LINES`` lines: more is one 400 on ``lines``, refused before any line is checked,
and nothing written. 10,000 lines took 17 s to refuse (a query per line's category, then an overlap check
that compared every line with every other)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.budgets import services
from finance.budgets.errors import ErrorCode
from finance.budgets.models import Budget, BudgetLine
from finance.budgets.services import MAX_LINES
from finance.budgets.tests.factories import make_budget
from finance.core.exceptions import FieldError
from finance.ledger.models import Category, CategoryType
from finance.ledger.tests.factories import category

pytestmark = pytest.mark.django_db


def expense_categories(household, count: int) -> list[Category]:
    """``count`` expense categories, each under the previous tenth one (a tree a few levels deep)."""
    made: list[Category] = []
    for i in range(count):
        parent = made[i - 10] if i >= 10 else None
        made.append(
            Category.objects.create(household=household, name=f"Cap {i}", type=CategoryType.EXPENSE, parent=parent)
        )
    return made


def test_the_api_refuses_too_many_lines_on_the_field_before_reading_them(client_for, household):
    groceries = str(category(household, "Groceries").pk)
    with CaptureQueriesContext(connection) as queries:
        response = client_for.post(
            "/api/v1/budgets/",
            {
                "name": "Too long",
                "start_date": "2026-01-01",
                "lines": [{"category": groceries, "amount": "1"} for _ in range(10_000)],
            },
            format="json",
        )
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("lines", "max_length")]
    assert len(queries) < 20  # not one query per line
    assert not Budget.objects.exists()


def test_the_service_refuses_too_many_lines_whoever_calls_it_and_changes_nothing(household):
    budget = make_budget(household, {"Groceries": "100"})
    groceries = category(household, "Groceries")
    lines = [services.LineInput(groceries, Decimal(1))] * (MAX_LINES + 1)
    with pytest.raises(FieldError) as refused:
        services.budget_update(budget=budget, actor=None, lines=lines, name="Renamed")
    assert [(path, issue.code) for path, issue in refused.value.issues()] == [("lines", ErrorCode.TOO_MANY)]
    budget.refresh_from_db()
    assert budget.name == "Budget"
    assert [(line.category, line.amount) for line in BudgetLine.objects.filter(budget=budget)] == [
        (groceries, Decimal("100.00"))
    ]
    with pytest.raises(FieldError):
        services.budget_create(household=household, actor=None, name="New", start_date=date(2026, 1, 1), lines=lines)
    assert Budget.objects.count() == 1


def test_the_most_lines_allowed_are_checked_for_overlaps_in_linear_work(household, monkeypatch):
    chosen = expense_categories(household, MAX_LINES)
    calls = 0
    real = services._ancestors

    def counting(tree, cid):
        nonlocal calls
        calls += 1
        return real(tree, cid)

    monkeypatch.setattr(services, "_ancestors", counting)
    leaves = [services.LineInput(c, Decimal(1)) for c in chosen[-10:]]
    budget = services.budget_create(
        household=household, actor=None, name="Leaves", start_date=date(2026, 1, 1), lines=leaves
    )
    assert BudgetLine.objects.filter(budget=budget).count() == 10
    calls = 0
    # Every category: each one past the first ten sits below another of them, so all but those ten overlap.
    with pytest.raises(FieldError) as refused:
        services.budget_create(
            household=household,
            actor=None,
            name="All",
            start_date=date(2026, 1, 1),
            lines=[services.LineInput(c, Decimal(1)) for c in chosen],
        )
    assert calls <= MAX_LINES  # once per line, not once per pair of lines
    overlapping = {path for path, issue in refused.value.issues() if issue.code == ErrorCode.OVERLAPPING_CATEGORY}
    assert overlapping == {f"lines.{i}.category" for i in range(10, MAX_LINES)}
    assert Budget.objects.count() == 1
