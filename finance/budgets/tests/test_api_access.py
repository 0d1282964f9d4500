"""The access matrix for budgets, moves, goals and contributions; read-only routes for every role."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from finance.budgets import services
from finance.budgets.models import Budget, BudgetMove, Goal, GoalContribution
from finance.budgets.tests.factories import make_budget, make_goal
from finance.core.tests.access import WHO, AccessMatrixTests
from finance.households.models import Household
from finance.ledger.tests.factories import category

D = Decimal


class TestBudgetAccess(AccessMatrixTests):
    def make_object(self, household: Household, roles: Any) -> Budget:
        return make_budget(household, {"Groceries": "300"}, name="Food money")

    def list_url(self, roles: Any) -> str:
        return "/api/v1/budgets/"

    def detail_url(self, roles: Any, obj: Budget) -> str:
        return f"/api/v1/budgets/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {
            "household": str(roles.household.pk),
            "name": "Monthly",
            "start_date": "2026-01-01",
            "lines": [{"category": str(category(roles.household, "Groceries").pk), "amount": "300"}],
        }

    def update_payload(self, roles: Any, obj: Budget) -> dict[str, Any]:
        return {"name": "Renamed", "total_amount": "500"}


def _envelope(roles: Any) -> Budget:
    budget = getattr(roles, "envelope", None)
    if budget is None:
        budget = roles.envelope = make_budget(
            roles.household, {"Groceries": "300", "Dining out": "100"}, style="envelope", name="Envelopes"
        )
    return budget


class TestBudgetMoveAccess(AccessMatrixTests):
    actions = frozenset({"list", "create", "delete"})

    def make_object(self, household: Household, roles: Any) -> BudgetMove:
        return services.budget_move_create(
            budget=_envelope(roles),
            actor=None,
            from_category=category(household, "Groceries"),
            to_category=category(household, "Dining out"),
            amount=D("25"),
            date=date(2026, 3, 1),
        )

    def list_url(self, roles: Any) -> str:
        return f"/api/v1/budgets/{_envelope(roles).pk}/moves/"

    def detail_url(self, roles: Any, obj: BudgetMove) -> str:
        return f"/api/v1/budgets/{obj.budget_id}/moves/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {
            "from_category": str(category(roles.household, "Groceries").pk),
            "to_category": str(category(roles.household, "Dining out").pk),
            "amount": "10.00",
            "date": "2026-03-05",
        }


class TestGoalAccess(AccessMatrixTests):
    def make_object(self, household: Household, roles: Any) -> Goal:
        return make_goal(household, "5000", name="Car")

    def list_url(self, roles: Any) -> str:
        return "/api/v1/goals/"

    def detail_url(self, roles: Any, obj: Goal) -> str:
        return f"/api/v1/goals/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {"household": str(roles.household.pk), "name": "Bike", "target_amount": "800", "goal_type": "purchase"}

    def update_payload(self, roles: Any, obj: Goal) -> dict[str, Any]:
        return {"target_amount": "6000", "status": "paused"}


def _goal(roles: Any) -> Goal:
    goal = getattr(roles, "goal", None)
    if goal is None:
        goal = roles.goal = make_goal(roles.household, "100000", name="House deposit")
    return goal


class TestGoalContributionAccess(AccessMatrixTests):
    actions = frozenset({"list", "create", "delete"})

    def make_object(self, household: Household, roles: Any) -> GoalContribution:
        return services.goal_contribution_create(goal=_goal(roles), actor=None, amount=D("250"), date=date(2026, 3, 1))

    def list_url(self, roles: Any) -> str:
        return f"/api/v1/goals/{_goal(roles).pk}/contributions/"

    def detail_url(self, roles: Any, obj: GoalContribution) -> str:
        return f"/api/v1/goals/{obj.goal_id}/contributions/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {"amount": "100", "date": "2026-03-02", "note": "bonus"}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", ["budgets/{budget}/status/", "budgets/{budget}/events/", "goals/{goal}/events/"])
def test_read_only_routes_follow_the_read_roles(roles, who, route):
    budget = make_budget(roles.household, {"Groceries": "300"})
    goal = make_goal(roles.household, "100")
    url = "/api/v1/" + route.format(budget=budget.pk, goal=goal.pk)
    response = roles.client(who).get(url)
    expected = {"anonymous": 401, "outsider": 404}.get(who, 200)
    assert response.status_code == expected, response.content
    if expected == 200:
        body = response.json()
        assert ("results" in body) is route.endswith("events/")
    # Nothing there accepts writes.
    assert roles.client("owner").post(url, {}, format="json").status_code == 405


@pytest.mark.parametrize("parent", ["budgets", "goals"])
def test_children_of_a_malformed_or_foreign_parent_are_404(roles, parent):
    own = make_budget(roles.household, {"Groceries": "1"}) if parent == "budgets" else make_goal(roles.household)
    child = "moves" if parent == "budgets" else "contributions"
    outsider = roles.client("outsider")
    assert outsider.get(f"/api/v1/{parent}/{own.pk}/{child}/").status_code == 404
    assert roles.client("owner").get(f"/api/v1/{parent}/not-a-uuid/{child}/").status_code == 404
