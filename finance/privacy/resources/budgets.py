"""Budgets and goals in data exports: restored with the household."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import QuerySet

from finance.budgets.models import Budget, BudgetLine, BudgetMove, Goal, GoalContribution
from finance.privacy.registry import Resource, model_serializer, register

HOUSEHOLD = {"household": "households"}


def _rows(model: type[models.Model], order: tuple[str, ...]) -> Callable[[Any, list[Any]], QuerySet[Any]]:
    def rows(user: Any, households: list[Any]) -> QuerySet[Any]:
        return model._default_manager.filter(household__in=households).order_by(*order)

    return rows


def register_resources() -> None:
    """Budgets, their lines and moves, goals and their contributions (threshold and achievement events
    are history the budgets app derives again, so they are not exported)."""
    for name, model, references, order in (
        ("budgets", Budget, HOUSEHOLD, ("household_id", "created_at", "id")),
        (
            "budget_lines",
            BudgetLine,
            {**HOUSEHOLD, "budget": "budgets", "category": "categories"},
            ("household_id", "budget_id", "position", "id"),
        ),
        (
            "budget_moves",
            BudgetMove,
            {**HOUSEHOLD, "budget": "budgets", "from_category": "categories", "to_category": "categories"},
            ("household_id", "date", "created_at", "id"),
        ),
        ("goals", Goal, {**HOUSEHOLD, "account": "accounts"}, ("household_id", "created_at", "id")),
        (
            "goal_contributions",
            GoalContribution,
            {**HOUSEHOLD, "goal": "goals"},
            ("household_id", "date", "created_at", "id"),
        ),
    ):
        register(
            Resource(
                name=name,
                model=model,
                serializer=model_serializer(model),
                rows=_rows(model, order),
                references=references,
            )
        )
