"""Budgets, goals and the rows under them, scoped to their household; a budget's calendar."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from finance.budgets.models import Budget, BudgetMove, BudgetThresholdCrossed, Goal, GoalAchieved, GoalContribution
from finance.budgets.periods import BudgetCalendar
from finance.households.models import Household


def budget_list(*, household: Household | uuid.UUID) -> QuerySet[Budget]:
    return Budget.objects.in_household(household).prefetch_related("lines")


def move_list(*, budget: Budget) -> QuerySet[BudgetMove]:
    return BudgetMove.objects.filter(household_id=budget.household_id, budget=budget)


def event_list(*, budget: Budget) -> QuerySet[BudgetThresholdCrossed]:
    return BudgetThresholdCrossed.objects.filter(household_id=budget.household_id, budget=budget)


def household_event_list(*, household: Household | uuid.UUID) -> QuerySet[BudgetThresholdCrossed]:
    """Every threshold event of the household's budgets, newest first, with the names a sentence needs."""
    return (
        BudgetThresholdCrossed.objects.in_household(household)
        .select_related("budget", "category")
        .order_by("-created_at", "-threshold", "-id")
    )


def household_goal_event_list(*, household: Household | uuid.UUID) -> QuerySet[GoalAchieved]:
    """Every goal-reached event of the household, newest first, with its goal."""
    return GoalAchieved.objects.in_household(household).select_related("goal").order_by("-created_at", "-id")


def goal_list(*, household: Household | uuid.UUID) -> QuerySet[Goal]:
    return Goal.objects.in_household(household).select_related("account")


def contribution_list(*, goal: Goal) -> QuerySet[GoalContribution]:
    return GoalContribution.objects.filter(household_id=goal.household_id, goal=goal)


def goal_event_list(*, goal: Goal) -> QuerySet[GoalAchieved]:
    return GoalAchieved.objects.filter(household_id=goal.household_id, goal=goal)


def calendar_of(budget: Budget) -> BudgetCalendar:
    return BudgetCalendar(budget.period, budget.start_date, budget.end_date)
