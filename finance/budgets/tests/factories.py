"""Budget and goal test data, made through the services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from finance.budgets import services
from finance.budgets.models import Budget, Goal
from finance.households.models import Household
from finance.ledger.tests.factories import category


def make_budget(
    household: Household,
    lines: dict[str, str] | None = None,
    *,
    start: date = date(2026, 1, 1),
    period: str = "monthly",
    **fields: Any,
) -> Budget:
    """A budget with a line per category name (``{"Groceries": "300"}``)."""
    return services.budget_create(
        household=household,
        actor=None,
        name=fields.pop("name", "Budget"),
        start_date=start,
        period=period,
        lines=[
            services.LineInput(category(household, name), Decimal(amount)) for name, amount in (lines or {}).items()
        ],
        **fields,
    )


def make_goal(household: Household, target: str = "1000", **fields: Any) -> Goal:
    return services.goal_create(
        household=household, actor=None, name=fields.pop("name", "Goal"), target_amount=Decimal(target), **fields
    )
