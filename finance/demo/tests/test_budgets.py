"""The demo budget and goals sit on the demo ledger and answer sensibly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance.budgets import selectors
from finance.budgets.models import Budget, BudgetMove, Goal, GoalContribution
from finance.demo import budgets as demo
from finance.demo import ledger as ledger_demo
from finance.ledger.models import Account

pytestmark = pytest.mark.django_db


def test_demo_budget_and_goals(household, user):
    end = date(2026, 3, 14)
    ledger_demo.generate(household, actor=user, years=1, per_month=40, end=end)
    budget, goals = demo.generate(household, actor=user, today=end)

    assert (budget.style, budget.period, budget.rollover, budget.start_date) == (
        "envelope",
        "monthly",
        True,
        date(2025, 4, 1),
    )
    status = selectors.budget_status_json(
        selectors.budget_status(budget=Budget.objects.select_related("household").get(), on=end, history=11)
    )
    assert [line["name"] for line in status["lines"]] == [name for name, _ in demo.ENVELOPES]
    assert len(status["history"]) == 11
    # Each month rolls into the next, exactly.
    for before, after in zip(status["history"], [*status["history"][1:], status], strict=True):
        assert [line["remaining"] for line in before["lines"]] == [line["rollover_in"] for line in after["lines"]]
    moved = {line["name"]: line["moved"] for line in status["lines"]}
    assert (moved["Shopping"], moved["Dining out"]) == ("-100.00", "100.00")
    assert Decimal(status["total"]["spent"]) > 0
    assert status["lines"][0]["pace"]["as_of"] == end
    assert BudgetMove.objects.filter(budget=budget).count() == 1

    fund, holiday = goals
    savings = Account.objects.get(household=household, type="savings")
    progress = selectors.goal_progress(list(Goal.objects.select_related("account")), today=end)
    assert (fund.account_id, progress[fund.id].current_amount) == (savings.id, savings.balance)
    assert GoalContribution.objects.filter(goal=holiday).count() == 6
    assert (progress[holiday.id].current_amount, holiday.target_date) == (Decimal("1500"), date(2027, 6, 30))
    assert progress[holiday.id].projected_date is not None

    demo.clear(household)
    assert not Budget.objects.exists()
    assert not Goal.objects.exists()
