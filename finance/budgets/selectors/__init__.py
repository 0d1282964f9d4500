"""Reads of budgets and goals, one module per kind of read; every public name is here too.

* :mod:`.lists`: budgets, goals and the rows under them (their events too), scoped to their household; a budget's
  calendar.
* :mod:`.watch`: whether a ledger change can matter to a household (a cached flag).
* :mod:`.spending`: expense per category for any number of periods, in two queries.
* :mod:`.status`: a budget's figures per period, as the API shows them, and the thresholds crossed.
* :mod:`.goals`: goal progress, required monthly contribution and projected date.

Callers import the package: ``from finance.budgets import selectors``, then ``selectors.budget_status(...)``.
"""

from __future__ import annotations

from finance.budgets.selectors.goals import (
    DAYS_PER_MONTH,
    GOAL_PACE_DAYS,
    GOAL_PACE_MONTHS,
    GoalProgress,
    goal_progress,
    is_debt_payoff,
)
from finance.budgets.selectors.lists import (
    budget_list,
    calendar_of,
    contribution_list,
    event_list,
    goal_event_list,
    goal_list,
    household_event_list,
    household_goal_event_list,
    move_list,
)
from finance.budgets.selectors.spending import Spend, spend_by_period
from finance.budgets.selectors.status import (
    HUNDRED,
    MAX_HISTORY,
    THRESHOLDS,
    BudgetStatus,
    Figures,
    PeriodStatus,
    budget_status,
    budget_status_json,
    category_tree,
    crossed_thresholds,
    line_owner,
)
from finance.budgets.selectors.watch import WATCH_TTL, forget_watch_flag, household_is_watched

__all__ = [
    "DAYS_PER_MONTH",
    "GOAL_PACE_DAYS",
    "GOAL_PACE_MONTHS",
    "HUNDRED",
    "MAX_HISTORY",
    "THRESHOLDS",
    "WATCH_TTL",
    "BudgetStatus",
    "Figures",
    "GoalProgress",
    "PeriodStatus",
    "Spend",
    "budget_list",
    "budget_status",
    "budget_status_json",
    "calendar_of",
    "category_tree",
    "contribution_list",
    "crossed_thresholds",
    "event_list",
    "forget_watch_flag",
    "goal_event_list",
    "goal_list",
    "goal_progress",
    "household_event_list",
    "household_goal_event_list",
    "household_is_watched",
    "is_debt_payoff",
    "line_owner",
    "move_list",
    "spend_by_period",
]
